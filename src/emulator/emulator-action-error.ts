import type { ErrorKind } from '../domain/classify-error.js';

/**
 * Per-action error codes the emulator answers with. 169 and 241 are the ones onOffice documents for
 * calendar actions; the docs name no code for the others, so the emulator picks its own (documented here)
 * and a client must only rely on "errorcode is not 0".
 */
export const ACTION_ERROR = {
  /** Emulator's pick: an actionid/resourcetype pair the emulator does not serve. */
  unknownAction: 31,
  /** Emulator's pick: a missing, malformed or undocumented parameter. */
  invalidParameter: 32,
  /** onOffice: "appointment not found". */
  notFound: 169,
  /** A `filter` with neither a datestart/dateend period nor a modified window. */
  filterWithoutPeriod: 241,
} as const;

/** Thrown by an action handler; the server turns it into that action's status, not a root error. */
export class EmulatorActionError extends Error {
  override readonly name = 'EmulatorActionError';
  readonly kind: ErrorKind = 'item';
  constructor(
    readonly errorcode: number,
    message: string,
  ) {
    super(message);
  }
}

export function invalidParameter(message: string): EmulatorActionError {
  return new EmulatorActionError(ACTION_ERROR.invalidParameter, message);
}
