import type { ErrorKind } from '../domain/classify-error.js';

/** Rendering was asked for something it cannot produce (an unknown zone, expand without a window). */
export class IcalRenderError extends Error {
  override readonly name = 'IcalRenderError';
  readonly kind: ErrorKind = 'item';

  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}
