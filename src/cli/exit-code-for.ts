/**
 * The one place that turns an error into a process exit code and says what each code means (EXIT_CODES,
 * which `--help` prints). Errors are matched by their literal `name`, so this module needs no imports
 * from the adapters.
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

const SETUP_ERRORS = new Set([
  'ConfigError',
  'OnOfficeAuthError',
  'OnOfficeClockSkewError',
  'CaldavAuthError',
  'StateVersionError',
  'FeedNotFoundError',
]);

export function exitCodeFor(error: unknown): number {
  const name = error instanceof Error ? error.name : '';
  if (SETUP_ERRORS.has(name)) return EXIT_SETUP;
  if (name === 'LockHeldError') return EXIT_LOCKED;
  if (name === 'MassDeleteGuardError' || name === 'PullMassDeleteError') return EXIT_GUARD;
  return EXIT_FAILED;
}
