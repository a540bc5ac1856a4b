import type { ErrorKind } from '../domain/classify-error.js';

/**
 * A two-way calendar lost more of its events at once than the threshold allows (a wiped or replaced
 * calendar, a wrong URL). Nothing was deleted in onOffice and no sync token moved, so the next run sees
 * the same deletions again.
 */
export class PullMassDeleteError extends Error {
  override readonly name = 'PullMassDeleteError';
  readonly kind: ErrorKind = 'guard';

  constructor(
    readonly calendarKey: string,
    readonly wouldDelete: number,
    readonly known: number,
    readonly threshold: number,
  ) {
    super(
      `two-way calendar ${calendarKey}: ${wouldDelete} of ${known} events are gone (more than ${Math.round(threshold * 100)}% at once); ` +
        'no appointment was deleted in onOffice — check the calendar URL and that it was not replaced, and if the deletions are real ' +
        're-run with --force-delete',
    );
  }
}
