import { classifyError, type ErrorKind } from '../domain/classify-error.js';

/**
 * The one place that turns an error into a process exit code, by its kind (src/domain/classify-error.ts),
 * and says what each code means (EXIT_CODES, which `--help` prints).
 */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_SETUP = 2;
export const EXIT_LOCKED = 3;
export const EXIT_GUARD = 4;

export const EXIT_CODES: ReadonlyArray<readonly [number, string]> = [
  [EXIT_OK, 'all done (quarantined onOffice records are reported, but are no failure)'],
  [EXIT_FAILED, 'the run failed, or some items could not be written (they are listed and retried next run)'],
  [EXIT_SETUP, 'configuration or authentication problem: fix the setup, retrying will not help'],
  [EXIT_LOCKED, 'another run holds the lock'],
  [EXIT_GUARD, 'a mass-delete guard stopped the run: too many appointments vanished from onOffice, or events from a two-way calendar (--force-delete if the deletions are real)'],
];

const EXIT_CODE_BY_KIND: Readonly<Record<ErrorKind, number>> = {
  setup: EXIT_SETUP,
  locked: EXIT_LOCKED,
  guard: EXIT_GUARD,
  transient: EXIT_FAILED,
  item: EXIT_FAILED,
};

export function exitCodeFor(error: unknown): number {
  return EXIT_CODE_BY_KIND[classifyError(error)];
}
