import type { ErrorKind } from '../domain/classify-error.js';

/**
 * One class per way an onOffice API call can fail. Each has a literal `name` (src/cli/exit-code-for.ts
 * matches on it), the failed `action` in words (e.g. `read calendar`), the `problem` and the `fix`
 * separately (the doctor prints them on their own lines), and a message that joins the three.
 * None of them ever carries the token, the secret or an HMAC.
 */
export abstract class OnOfficeError extends Error {
  abstract override readonly name: string;
  abstract readonly kind: ErrorKind;

  constructor(
    readonly action: string,
    readonly problem: string,
    readonly fix: string,
    options?: ErrorOptions,
  ) {
    super(`onOffice ${action}: ${problem}${fix ? `; ${fix}` : ''}`, options);
  }
}

/** Error codes with which onOffice says the token, the secret or the HMAC built from them is wrong. */
export const AUTH_ERROR_CODES: ReadonlySet<number> = new Set([13, 22, 49, 137]);
/** The HMAC did not verify: with a known-good token this means the secret is wrong. */
export const HMAC_ERROR_CODE = 137;
/** The action's timestamp lies outside the ±120 s onOffice accepts. */
export const CLOCK_SKEW_ERROR_CODE = 136;
/** Root error code that means "look at each action's own status". */
export const ACTION_FAILED_ERROR_CODE = 97;
export const NOT_FOUND_ERROR_CODE = 169;
export const FILTER_WITHOUT_PERIOD_ERROR_CODE = 241;

const CREDENTIALS_FIX =
  'wrong token or secret: check ONOFFICE_TOKEN / ONOFFICE_SECRET (token 32 chars, secret 64; are they swapped?)';

/** onOffice refused the credentials (root status 400 and/or error code 13, 22, 49, 137). Retrying will not help. */
export class OnOfficeAuthError extends OnOfficeError {
  override readonly name = 'OnOfficeAuthError';
  readonly kind: ErrorKind = 'setup';

  constructor(
    action: string,
    readonly code: number | null,
    readonly serverMessage: string,
  ) {
    super(
      action,
      code === HMAC_ERROR_CODE
        ? `the HMAC was rejected (errorcode ${code}${serverMessage ? `: ${serverMessage}` : ''}), so the secret is wrong`
        : `not authenticated (${code === null ? 'status 400' : `errorcode ${code}`}${serverMessage ? `: ${serverMessage}` : ''})`,
      code === HMAC_ERROR_CODE
        ? 'the secret/HMAC is wrong: check ONOFFICE_SECRET (64 chars) and that ONOFFICE_TOKEN belongs to the same API user'
        : CREDENTIALS_FIX,
    );
  }
}

/**
 * onOffice rejected the request timestamp (error 136). `offsetSeconds` is the server's clock minus ours,
 * measured from the response's Date header (null when the server sent none).
 */
export class OnOfficeClockSkewError extends OnOfficeError {
  override readonly name = 'OnOfficeClockSkewError';
  readonly kind: ErrorKind = 'setup';

  constructor(
    action: string,
    readonly offsetSeconds: number | null,
  ) {
    super(
      action,
      `the request timestamp was rejected (errorcode ${CLOCK_SKEW_ERROR_CODE}): clock skew, ${describeOffset(offsetSeconds)}; onOffice accepts ±120 s`,
      'synchronise this machine\'s clock with NTP (`timedatectl set-ntp true`, check with `timedatectl status`)',
    );
  }
}

function describeOffset(offsetSeconds: number | null): string {
  if (offsetSeconds === null) return 'offset unknown (the server sent no Date header)';
  if (offsetSeconds === 0) return 'offset 0 s by the server\'s Date header';
  const direction = offsetSeconds > 0 ? 'behind' : 'ahead of';
  return `this machine's clock is ${Math.abs(offsetSeconds)} s ${direction} the onOffice server (offset ${offsetSeconds > 0 ? '+' : ''}${offsetSeconds} s)`;
}

const ACTION_FIXES: Record<number, string> = {
  [NOT_FOUND_ERROR_CODE]: 'the appointment does not exist (deleted in onOffice?) or the API user may not see it',
  [FILTER_WITHOUT_PERIOD_ERROR_CODE]: 'a filter needs a date period: add datestart and dateend to the read',
};

/**
 * One action of a request failed (root error code 97, the action's own status names the cause). Comes
 * back in that action's slot of `send`; the single-action helpers throw it.
 */
export class OnOfficeActionError extends OnOfficeError {
  override readonly name = 'OnOfficeActionError';
  readonly kind: ErrorKind = 'item';

  constructor(
    action: string,
    readonly code: number,
    readonly serverMessage: string,
    readonly resourceid = '',
  ) {
    super(
      action,
      `failed with errorcode ${code}${serverMessage ? ` (${serverMessage})` : ''}${resourceid ? ` for record ${resourceid}` : ''}`,
      ACTION_FIXES[code] ?? "check the action's parameters and the API user's rights in onOffice (Extras > Settings > User > API user > Rights)",
    );
  }
}

/**
 * The server failed: an HTTP error status, or HTTP 200 carrying root status 500 (a general processing
 * error). `status` is that status code; 5xx and 429 are retried.
 */
export class OnOfficeServerError extends OnOfficeError {
  override readonly name = 'OnOfficeServerError';
  readonly kind: ErrorKind = 'transient';

  constructor(
    action: string,
    readonly url: string,
    readonly status: number,
    readonly serverMessage = '',
  ) {
    super(
      action,
      `POST ${url} answered status ${status}${serverMessage ? ` (${serverMessage})` : ''}`,
      status === 404 || status === 405
        ? 'check ONOFFICE_API_URL (default https://api.onoffice.de/api/stable/api.php)'
        : 'onOffice is having trouble; the next run retries',
    );
  }
}

/** The request never got an answer: DNS, connection refused or reset, TLS. */
export class OnOfficeNetworkError extends OnOfficeError {
  override readonly name = 'OnOfficeNetworkError';
  readonly kind: ErrorKind = 'transient';

  constructor(
    action: string,
    readonly url: string,
    readonly causeCode: string,
    cause: unknown,
  ) {
    super(
      action,
      `POST ${url} failed: ${causeCode || (cause instanceof Error ? cause.message : String(cause))}`,
      'check the network, DNS and ONOFFICE_API_URL',
      { cause },
    );
  }
}

/** No complete answer within `timeoutMs`. */
export class OnOfficeTimeoutError extends OnOfficeError {
  override readonly name = 'OnOfficeTimeoutError';
  readonly kind: ErrorKind = 'transient';

  constructor(
    action: string,
    readonly url: string,
    readonly timeoutMs: number,
  ) {
    super(action, `POST ${url} got no answer within ${timeoutMs} ms`, 'onOffice is slow or unreachable; raise onoffice.timeoutMs if this persists');
  }
}

/** The answer cannot be trusted: not JSON, the wrong shape, results that do not match the actions sent. */
export class OnOfficeProtocolError extends OnOfficeError {
  override readonly name = 'OnOfficeProtocolError';
  readonly kind: ErrorKind = 'transient';

  constructor(
    action: string,
    readonly url: string,
    readonly detail: string,
  ) {
    super(
      action,
      `unexpected answer from ${url}: ${detail}`,
      'check that ONOFFICE_API_URL points at the onOffice API; if it does, report this as a bug',
    );
  }
}
