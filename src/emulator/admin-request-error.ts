import type { ErrorKind } from '../domain/classify-error.js';

/** A request to the emulator's admin API that cannot be read (too large, not JSON): answered with 400. */
export class AdminRequestError extends Error {
  override readonly name = 'AdminRequestError';
  readonly kind: ErrorKind = 'item';
}
