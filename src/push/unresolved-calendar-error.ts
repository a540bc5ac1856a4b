import type { ErrorKind } from '../domain/classify-error.js';

/** A planned write names a calendar the run did not resolve: the item is recorded and retried, the rest goes on. */
export class UnresolvedCalendarError extends Error {
  override readonly name = 'UnresolvedCalendarError';
  readonly kind: ErrorKind = 'item';

  constructor(readonly calendarKey: string) {
    super(`no calendar resolved for ${calendarKey}; the write is retried on the next run — if this repeats, report it as a bug`);
  }
}
