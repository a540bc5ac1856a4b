import type { ErrorKind } from '../domain/classify-error.js';

/**
 * A calendar change cannot be carried to onOffice yet: its appointment is in quarantine (its record does
 * not parse), so what onOffice holds is unknown. The change is kept and tried again on the next run.
 */
export class PullWaitsError extends Error {
  override readonly name = 'PullWaitsError';
  readonly kind: ErrorKind = 'item';

  constructor(
    readonly appointmentId: number,
    readonly change: 'change' | 'deletion',
  ) {
    super(`appointment ${appointmentId} is in quarantine; the calendar ${change} waits until it can be read (see \`onoffice-sync status\`)`);
  }
}
