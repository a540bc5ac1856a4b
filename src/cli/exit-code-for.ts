/**
 * The one place that turns an error into a process exit code. Errors are matched by their literal
 * `name`, so this module needs no imports from the adapters.
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
