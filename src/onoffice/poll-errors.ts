import type { ErrorKind } from '../domain/classify-error.js';

/**
 * The poller's own failures. Each leaves the cursor where it was: the next run reads the same range again.
 */

/** Even the narrowest read onOffice allows still hit the 500 cap, so some appointments cannot be read. */
export class PollCapExceededError extends Error {
  override readonly name = 'PollCapExceededError';
  readonly kind: ErrorKind = 'transient';

  constructor(
    readonly window: string,
    readonly count: number | null,
  ) {
    super(
      `onOffice read calendar: ${window} still holds ${count ?? 'at least 500'} appointments, over the 500 cap, and cannot be ` +
        'cut finer (one second of start time within one day); the cursor was not advanced — ' +
        'narrow poll.users/poll.groups or report this account shape as a bug',
    );
  }
}

/** The reconciliation sweep would mark more appointments deleted at once than the threshold allows. */
export class MassDeleteGuardError extends Error {
  override readonly name = 'MassDeleteGuardError';
  readonly kind: ErrorKind = 'guard';

  constructor(
    readonly wouldDelete: number,
    readonly known: number,
    readonly threshold: number,
  ) {
    super(
      `onOffice no longer returns ${wouldDelete} of ${known} known appointments (more than ${Math.round(threshold * 100)}% at once); ` +
        'nothing was marked deleted — check the API user\'s rights and poll.users/poll.groups, and if the deletions are real ' +
        're-run with --force-delete',
    );
  }
}

/**
 * A capped `modified` second could not be cut by start_dt: onOffice refused or ignored the filter beside a
 * modified window, or one start second within it is capped too. The poller then recovers the second by
 * a date sweep instead; this never leaves the poller.
 */
export class PollBurstSplitError extends Error {
  override readonly name = 'PollBurstSplitError';
  readonly kind: ErrorKind = 'transient';

  constructor(
    readonly window: string,
    readonly reason: string,
  ) {
    super(`onOffice read calendar: ${window} could not be cut by start_dt (${reason}); it is recovered by a date sweep`);
  }
}
