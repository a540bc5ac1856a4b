import { classifyError, type ErrorKind } from '../domain/classify-error.js';

/**
 * The one place that turns an error into a process exit code, by its kind (src/domain/classify-error.ts):
 *
 *   0  all done
 *   1  the run failed or some items could not be written (they are listed)
 *   2  configuration or authentication problem: fix the setup, retrying will not help
 *   3  another run holds the lock
 *   4  a mass-delete guard stopped the run: too many appointments vanished from onOffice, or too many
 *      events from a two-way calendar (re-run with --force-delete if the deletions are real)
 */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_SETUP = 2;
export const EXIT_LOCKED = 3;
export const EXIT_GUARD = 4;

const EXIT_CODES: Readonly<Record<ErrorKind, number>> = {
  setup: EXIT_SETUP,
  locked: EXIT_LOCKED,
  guard: EXIT_GUARD,
  transient: EXIT_FAILED,
  item: EXIT_FAILED,
};

export function exitCodeFor(error: unknown): number {
  return EXIT_CODES[classifyError(error)];
}
