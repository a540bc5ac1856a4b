import type { ErrorKind } from '../domain/classify-error.js';
import { redactUrl } from '../log/redact-url.js';

/**
 * One error class per CalDAV failure kind, on a common base that carries the request (method, url);
 * where the server answered, the HTTP status too. The message says what failed and what to do about
 * it; `kind` says what the run does about it (src/domain/classify-error.ts).
 */

export interface CaldavRequestInfo {
  method: string;
  url: string;
}

function describe(what: string, request: CaldavRequestInfo): string {
  return `${what}: ${request.method} ${redactUrl(request.url)}`;
}

/** The base of every CalDAV failure: the request that failed, and the message "what failed: METHOD URL — what to do". */
export abstract class CaldavError extends Error {
  abstract override readonly name: string;
  abstract readonly kind: ErrorKind;
  readonly method: string;
  readonly url: string;
  constructor(what: string, request: CaldavRequestInfo, todo: string, options?: ErrorOptions) {
    super(`${describe(what, request)} — ${todo}`, options);
    this.method = request.method;
    this.url = request.url;
  }
}

/** 401, or a 403 that is not a CalDAV/WebDAV precondition: the credentials or the account's rights. */
export class CaldavAuthError extends CaldavError {
  override readonly name = 'CaldavAuthError';
  readonly kind: ErrorKind = 'setup';
  readonly status: number;
  constructor(request: CaldavRequestInfo & { status: number }) {
    super(
      `CalDAV server refused access (HTTP ${request.status})`,
      request,
      'check CALDAV_USERNAME/CALDAV_PASSWORD (many providers need an app password) or the bearer token, and that the account may write to this calendar',
    );
    this.status = request.status;
  }
}

/** 412: the object changed (If-Match) or already exists (If-None-Match: *) since we last saw it. */
export class CaldavPreconditionError extends CaldavError {
  override readonly name = 'CaldavPreconditionError';
  readonly kind: ErrorKind = 'item';
  readonly status = 412;
  constructor(request: CaldavRequestInfo) {
    super('CalDAV object changed or already exists on the server (HTTP 412)', request, 'fetch it again and re-plan; the next sync run does this');
  }
}

/** 404: the object or calendar is gone. */
export class CaldavNotFoundError extends CaldavError {
  override readonly name = 'CaldavNotFoundError';
  readonly kind: ErrorKind = 'item';
  readonly status = 404;
  constructor(request: CaldavRequestInfo) {
    super('CalDAV resource not found (HTTP 404)', request, 'it was deleted on the server; check the calendar URL or let the next sync run recreate it');
  }
}

/**
 * 409 (or a 403 carrying CALDAV:no-uid-conflict): the server will not store the object, most often because
 * its UID is already used by another object in the calendar; `existingHref` names that object when the
 * server says which one it is.
 */
export class CaldavConflictError extends CaldavError {
  override readonly name = 'CaldavConflictError';
  readonly kind: ErrorKind = 'item';
  /** null when the conflict was found by inspection (e.g. the calendar path is not a calendar), not sent by the server. */
  readonly status: number | null;
  readonly existingHref: string | null;
  readonly uidConflict: boolean;
  constructor(request: CaldavRequestInfo & { status: number | null; existingHref?: string | null; uidConflict?: boolean; detail?: string }) {
    const uidConflict = request.uidConflict ?? false;
    const existingHref = request.existingHref ?? null;
    const http = request.status === null ? '' : ` (HTTP ${request.status})`;
    const what = uidConflict
      ? `CalDAV server reports the UID is already used${existingHref ? ` by ${existingHref}` : ''}${http}`
      : `CalDAV server reports a conflict${request.detail ? ` (${request.detail})` : ''}${http}`;
    const todo = uidConflict
      ? 'adopt or delete the existing object before writing this one'
      : 'check that the calendar path points at a calendar and that its parent collection exists';
    super(what, request, todo);
    this.status = request.status;
    this.existingHref = existingHref;
    this.uidConflict = uidConflict;
  }
}

/**
 * A 403/409 with DAV:valid-sync-token: the server no longer knows the sync token. The target catches it
 * and falls back to a full listing; it only escapes when that fallback fails too.
 */
export class CaldavSyncTokenError extends CaldavError {
  override readonly name = 'CaldavSyncTokenError';
  readonly kind: ErrorKind = 'transient';
  readonly status: number;
  constructor(request: CaldavRequestInfo & { status: number }) {
    super(`CalDAV server rejected the sync token (HTTP ${request.status})`, request, 'drop the token and list the calendar again');
    this.status = request.status;
  }
}

/** Any other 4xx: the server understood the request and will not carry it out as sent. */
export class CaldavRequestError extends CaldavError {
  override readonly name = 'CaldavRequestError';
  readonly kind: ErrorKind = 'item';
  readonly status: number;
  /** The DAV:error element names (e.g. `valid-calendar-data`), comma-separated. */
  readonly detail: string;
  /** The server's own sentence (DAV:responsedescription, Sabre's s:message), '' when it sent none. */
  readonly serverText: string;
  constructor(request: CaldavRequestInfo & { status: number; detail?: string; serverText?: string }) {
    const detail = request.detail ?? '';
    const serverText = request.serverText ?? '';
    const why = serverText !== '' ? `: "${serverText}"` : detail !== '' ? `, ${detail}` : '';
    super(
      `CalDAV server rejected the request (HTTP ${request.status}${why})`,
      request,
      isDataRefusal(request.status, detail)
        ? 'the server does not accept this event as written; it stays out of the calendar until the appointment changes'
        : 'the server may not support this operation or this data; check the server log and the calendar URL',
    );
    this.status = request.status;
    this.detail = detail;
    this.serverText = serverText;
  }
}

/** Statuses with which a server refuses the object itself, whatever the moment: retrying cannot help. */
const PERMANENT_STATUSES = new Set([400, 403, 413, 415, 422]);

function isDataRefusal(status: number, detail: string): boolean {
  return PERMANENT_STATUSES.has(status) && (status !== 403 || detail !== '');
}

/**
 * A write the server refuses for good: 400, 403 with a CalDAV/WebDAV precondition (a bare 403 is
 * CaldavAuthError), 413, 415 or 422. The object is quarantined, not retried; 404/409/412, auth and
 * everything transient (5xx, 429, resets, timeouts) are other error kinds.
 */
export function isPermanentRefusal(error: unknown): error is CaldavRequestError {
  return error instanceof CaldavRequestError && isDataRefusal(error.status, error.detail);
}

/**
 * The request went out and no answer came back (timeout, reset): the server may have carried it out.
 * A write that failed so is settled by reading what the server holds, not by writing again.
 */
export function isUnanswered(error: unknown): boolean {
  return error instanceof CaldavTimeoutError || error instanceof CaldavNetworkError;
}

/** 5xx or 429 after the bounded retries; `retryAfterMs` repeats the server's Retry-After when it sent one. */
export class CaldavServerError extends CaldavError {
  override readonly name = 'CaldavServerError';
  readonly kind: ErrorKind = 'transient';
  readonly status: number;
  readonly retryAfterMs: number | null;
  readonly attempts: number;
  constructor(request: CaldavRequestInfo & { status: number; retryAfterMs?: number | null; attempts: number }) {
    const retryAfterMs = request.retryAfterMs ?? null;
    super(
      `CalDAV server failed (HTTP ${request.status}) after ${request.attempts} attempt(s)`,
      request,
      retryAfterMs !== null
        ? `the server asks to wait ${Math.ceil(retryAfterMs / 1000)} s; the next sync run will try again`
        : 'the next sync run will try again; if it persists, check the server',
    );
    this.status = request.status;
    this.retryAfterMs = retryAfterMs;
    this.attempts = request.attempts;
  }
}

/** The connection failed (DNS, refused, reset) after the bounded retries. */
export class CaldavNetworkError extends CaldavError {
  override readonly name = 'CaldavNetworkError';
  readonly kind: ErrorKind = 'transient';
  readonly attempts: number;
  constructor(request: CaldavRequestInfo & { attempts: number; cause: unknown }) {
    const reason = request.cause instanceof Error ? (request.cause.cause instanceof Error ? request.cause.cause.message : request.cause.message) : String(request.cause);
    super(`CalDAV server unreachable (${reason}) after ${request.attempts} attempt(s)`, request, 'check the CalDAV URL and the network; the next sync run will try again', {
      cause: request.cause,
    });
    this.attempts = request.attempts;
  }
}

/** No complete answer within `timeoutMs`, on every attempt. */
export class CaldavTimeoutError extends CaldavError {
  override readonly name = 'CaldavTimeoutError';
  readonly kind: ErrorKind = 'transient';
  readonly timeoutMs: number;
  readonly attempts: number;
  constructor(request: CaldavRequestInfo & { timeoutMs: number; attempts: number }) {
    super(`CalDAV server did not answer within ${request.timeoutMs} ms, ${request.attempts} attempt(s)`, request, 'the server is overloaded or hanging; raise timeoutMs if it is merely slow');
    this.timeoutMs = request.timeoutMs;
    this.attempts = request.attempts;
  }
}

/** A 2xx answer we cannot read (not a multistatus, or missing what the protocol requires). */
export class CaldavProtocolError extends CaldavError {
  override readonly name = 'CaldavProtocolError';
  readonly kind: ErrorKind = 'transient';
  readonly detail: string;
  constructor(request: CaldavRequestInfo & { detail: string }) {
    super(`CalDAV server sent an answer that is not valid WebDAV (${request.detail})`, request, 'check that the URL points at a CalDAV server and not at a web page or a proxy login');
    this.detail = request.detail;
  }
}

/** Elements of a DAV:error body that carry text, not a precondition. */
const TEXT_ELEMENTS = new Set(['error', 'href', 'responsedescription', 'message', 'exception', 'sabredav-version', 'file', 'line', 'code']);

function readErrorBody(body: string): string {
  return /<(?:[\w-]+:)?error[\s>][\s\S]*<\/(?:[\w-]+:)?error>/i.exec(body)?.[0] ?? '';
}

/** Element names inside a DAV:error body, without namespace prefixes (e.g. `no-uid-conflict`). */
function readPreconditions(body: string): string[] {
  return [...new Set([...readErrorBody(body).matchAll(/<(?:[\w-]+:)?([\w-]+)[\s/>]/g)].map((match) => match[1] ?? ''))].filter((name) => name !== '' && !TEXT_ELEMENTS.has(name));
}

const decodeXmlText = (text: string): string =>
  text
    .replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, '$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCodePoint(Number(code)))
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();

/**
 * The server's own sentence: DAV:responsedescription (RFC 4918 §14.24; Cyrus puts it inside DAV:error)
 * or Sabre's s:message, whichever comes first; '' when there is none.
 */
export function readServerText(body: string): string {
  const scope = readErrorBody(body) || body;
  for (const element of ['responsedescription', 'message']) {
    const match = new RegExp(`<(?:[\\w-]+:)?${element}(?:\\s[^>]*)?>([\\s\\S]*?)</(?:[\\w-]+:)?${element}>`, 'i').exec(scope);
    const text = match ? decodeXmlText(match[1] ?? '') : '';
    if (text !== '') return text.slice(0, 500);
  }
  // SOGo writes its sentence as the DAV:error element's only content ("Event UID already in use. (uid)").
  const bare = /<(?:[\w-]+:)?error(?:\s[^>]*)?>([^<]+)<\/(?:[\w-]+:)?error>/i.exec(body)?.[1];
  if (bare !== undefined) return decodeXmlText(bare).slice(0, 500);
  return /</.test(body) ? '' : body.replace(/\s+/g, ' ').trim().slice(0, 500);
}

/**
 * Preconditions that say the UID is taken: CALDAV:no-uid-conflict (RFC 4791 §5.3.2.1), and RFC 6638's
 * CALDAV:unique-scheduling-object-resource, which Cyrus sends instead (403) for any event with a UID in use.
 */
const UID_CONFLICT_PRECONDITION = /^(no-uid-conflict|unique-scheduling-object-resource)$/;

/** The href inside a UID-conflict precondition, which both RFCs let the server include. */
function readConflictHref(body: string, precondition: string): string | null {
  const conflict = new RegExp(`<(?:[\\w-]+:)?${precondition}[^>]*>([\\s\\S]*?)</(?:[\\w-]+:)?${precondition}>`, 'i').exec(body)?.[1] ?? '';
  const href = /<(?:[\w-]+:)?href[^>]*>([^<]+)<\/(?:[\w-]+:)?href>/i.exec(conflict)?.[1];
  return href ? href.trim() : null;
}

/**
 * Turns a non-2xx answer into its typed error. 5xx/429 are not handled here: they go through the retry
 * loop, which builds the CaldavServerError once the retries are spent.
 */
export function createCaldavHttpError(request: CaldavRequestInfo & { status: number; body: string }): CaldavError {
  const { status, body } = request;
  const preconditions = readPreconditions(body);
  const info = { method: request.method, url: request.url };
  if ((status === 403 || status === 409) && preconditions.includes('valid-sync-token')) {
    return new CaldavSyncTokenError({ ...info, status });
  }
  // Radicale answers 409, RFC 4791 says 403, Xandikos sends 412 inside a 207: the precondition decides.
  const uidPrecondition = preconditions.find((name) => UID_CONFLICT_PRECONDITION.test(name));
  const serverText = readServerText(body);
  // SOGo says it only in words, with a 409 and no precondition.
  if (!uidPrecondition && status === 409 && /\bUID already in use\b/i.test(serverText)) {
    return new CaldavConflictError({ ...info, status, uidConflict: true, existingHref: null });
  }
  if (uidPrecondition) {
    const href = readConflictHref(body, uidPrecondition);
    return new CaldavConflictError({ ...info, status, uidConflict: true, existingHref: href === null ? null : new URL(href, request.url).href });
  }
  // DAV:need-privileges (RFC 3744 §7.1.1) is the account's rights, not the data.
  if (status === 401 || (status === 403 && (preconditions.length === 0 || preconditions.includes('need-privileges')))) return new CaldavAuthError({ ...info, status });
  if (status === 404 || status === 410) return new CaldavNotFoundError(info);
  if (status === 412) return new CaldavPreconditionError(info);
  if (status === 409) return new CaldavConflictError({ ...info, status, detail: serverText !== '' ? `"${serverText}"` : preconditions.join(', ') });
  return new CaldavRequestError({ ...info, status, detail: preconditions.join(', '), serverText });
}
