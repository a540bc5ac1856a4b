import type { Logger } from '../log/create-logger.js';
import {
  CaldavNetworkError,
  CaldavServerError,
  CaldavTimeoutError,
  createCaldavHttpError,
} from './caldav-errors.js';
import type { LoadSignal } from './adaptive-concurrency.js';
import { chooseDigestChallenge, renderDigestAuthorization, type DigestChallenge } from './digest-auth.js';

export interface CaldavFetchOptions {
  username?: string;
  password?: string;
  bearerToken?: string;
  /** Per attempt, covering the whole exchange including the response body. */
  timeoutMs?: number;
  /** Extra attempts after the first for network errors, timeouts, and the retryable statuses. */
  retries?: number;
  /** Default 429, 500, 502, 503, 504. */
  retryableStatuses?: ReadonlySet<number>;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  random?: () => number;
  logger?: Logger;
  /** Told of every attempt: a reset, 503 or 429 is overload, an answer below 400 is fine. */
  onLoad?: (signal: LoadSignal) => void;
}

/**
 * 500 is retried as well: Radicale and DAViCal answer 500 to transient storage/database lock errors.
 */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 500, 502, 503, 504]);
/** Methods whose success is a bare status: a 207 answer to them reports a failure inside. */
const SINGLE_RESOURCE_METHODS = new Set(['PUT', 'DELETE', 'COPY', 'MOVE']);
const BACKOFF_BASE_MS = 500;
const BACKOFF_MAX_MS = 10_000;
/**
 * A Retry-After longer than this is not waited out inside one run: the request fails at once with
 * CaldavServerError.retryAfterMs, and the scheduler's next run is the retry. Holding a sync run (and its
 * lock) for minutes would block every other calendar.
 */
export const MAX_RETRY_AFTER_MS = 60_000;

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Retry-After as delay-seconds or HTTP-date (RFC 9110 §10.2.3); null when absent or unreadable. */
export function parseRetryAfter(value: string | null, nowMs: number): number | null {
  if (value === null || value.trim() === '') return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return null;
  return Math.max(0, date - nowMs);
}

/** The Authorization header for the configured credentials; a bearer token wins over Basic. */
export function createAuthHeaders(options: { username?: string; password?: string; bearerToken?: string }): Record<string, string> {
  if (options.bearerToken) return { Authorization: `Bearer ${options.bearerToken}` };
  if (options.username) {
    const encoded = Buffer.from(`${options.username}:${options.password ?? ''}`, 'utf8').toString('base64');
    return { Authorization: `Basic ${encoded}` };
  }
  return {};
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
}

function requestUrl(input: string | URL | Request): string {
  if (typeof input === 'string') return input;
  if (input instanceof URL) return input.href;
  return input.url;
}

/** Bodies are kept short in errors and logs: enough to read a DAV:error element. */
const MAX_ERROR_BODY = 8192;

type Outcome =
  | { kind: 'response'; response: Response }
  | { kind: 'challenge'; challenge: DigestChallenge; error: Error }
  | { kind: 'retry'; error: Error; delayMs: number | null; retryAfterMs: number | null };

/**
 * A `fetch` for tsdav and for our own requests: it adds the auth header, bounds every attempt with a
 * timeout, retries transient failures with jittered exponential backoff (honouring Retry-After), and turns
 * every non-2xx answer into a typed error. tsdav hands the raw Response back and never throws, so putting
 * this below tsdav is what makes every tsdav call fail loudly and the same way.
 *
 * The body is read inside the timeout and handed on buffered, so a server that stalls mid-body times out
 * like one that never answers instead of hanging tsdav's `response.text()`.
 */
export function createCaldavFetch(options: CaldavFetchOptions = {}): typeof fetch {
  const baseFetch = options.fetch ?? fetch;
  const sleep = options.sleep ?? defaultSleep;
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const retries = options.retries ?? 3;
  const retryable = options.retryableStatuses ?? RETRYABLE_STATUSES;
  const authHeaders = createAuthHeaders(options);
  const logger = options.logger;
  // Basic goes first (one round trip less on the servers most people run); a 401 offering Digest
  // switches this fetch to Digest for good, chosen from the server's challenge.
  const canDigest = !options.bearerToken && Boolean(options.username);
  let digest: { challenge: DigestChallenge; nc: number } | null = null;

  const authorizationFor = (url: string, method: string): Record<string, string> => {
    if (!digest) return authHeaders;
    digest.nc += 1;
    const target = new URL(url);
    const uri = `${target.pathname}${target.search}`;
    return { Authorization: renderDigestAuthorization({ challenge: digest.challenge, username: options.username!, password: options.password ?? '', method, uri, nc: digest.nc }) };
  };

  const attemptOnce = async (url: string, init: RequestInit, method: string, attempt: number): Promise<Outcome> => {
    const headers = new Headers(init.headers);
    for (const [name, value] of Object.entries(authorizationFor(url, method))) headers.set(name, value);
    let response: Response;
    let body: string;
    try {
      response = await baseFetch(url, { ...init, headers, signal: AbortSignal.timeout(timeoutMs) });
      body = await response.text();
    } catch (error) {
      const typed = isTimeout(error)
        ? new CaldavTimeoutError({ method, url, timeoutMs, attempts: attempt })
        : new CaldavNetworkError({ method, url, attempts: attempt, cause: error });
      if (typed instanceof CaldavNetworkError) options.onLoad?.({ kind: 'overload', retryAfterMs: null });
      return { kind: 'retry', error: typed, delayMs: null, retryAfterMs: null };
    }
    if (response.status === 207 && SINGLE_RESOURCE_METHODS.has(method)) {
      // Xandikos answers a refused PUT with a 207 holding the real status (e.g. 412 + no-uid-conflict).
      const inner = [...body.matchAll(/<(?:[\w-]+:)?status>\s*HTTP\/[\d.]+\s+(\d{3})/g)].map((match) => Number(match[1]));
      const failed = inner.find((status) => status < 200 || status >= 300);
      if (failed !== undefined) throw createCaldavHttpError({ method, url, status: failed, body: body.slice(0, MAX_ERROR_BODY) });
    }
    if (response.ok || (response.status >= 300 && response.status < 400)) {
      options.onLoad?.({ kind: 'ok' });
      const nullBody = response.status === 204 || response.status === 205 || response.status === 304;
      const buffered = new Response(nullBody ? null : body, { status: response.status, statusText: response.statusText, headers: response.headers });
      // tsdav reports `response.url` as the href of non-multistatus answers; keep the real one.
      Object.defineProperty(buffered, 'url', { value: response.url || url });
      return { kind: 'response', response: buffered };
    }
    if (retryable.has(response.status) || (response.status >= 500 && response.status !== 501)) {
      const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), now());
      if (response.status === 503 || response.status === 429) options.onLoad?.({ kind: 'overload', retryAfterMs });
      const error = new CaldavServerError({ method, url, status: response.status, retryAfterMs, attempts: attempt });
      if (!retryable.has(response.status) || (retryAfterMs !== null && retryAfterMs > MAX_RETRY_AFTER_MS)) throw error;
      return { kind: 'retry', error, delayMs: retryAfterMs, retryAfterMs };
    }
    const error = createCaldavHttpError({ method, url, status: response.status, body: body.slice(0, MAX_ERROR_BODY) });
    const challenge = response.status === 401 && canDigest ? chooseDigestChallenge(response.headers.get('www-authenticate')) : null;
    if (challenge) return { kind: 'challenge', challenge, error };
    throw error;
  };

  return async (input, init = {}) => {
    const url = requestUrl(input);
    const method = (init.method ?? 'GET').toUpperCase();
    let challenges = 0;
    for (let attempt = 1; ; attempt++) {
      const outcome = await attemptOnce(url, init, method, attempt);
      if (outcome.kind === 'response') return outcome.response;
      if (outcome.kind === 'challenge') {
        // One answer per request to a fresh challenge (the first, or a stale nonce); refused again, the
        // credentials are wrong.
        if (challenges >= 2 || (challenges === 1 && !outcome.challenge.stale)) throw outcome.error;
        challenges += 1;
        digest = { challenge: outcome.challenge, nc: 0 };
        attempt -= 1;
        continue;
      }
      if (attempt > retries) throw outcome.error;
      const backoff = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (attempt - 1));
      const delayMs = outcome.delayMs ?? Math.round(backoff / 2 + random() * (backoff / 2));
      logger?.warn({ method, url, attempt, delayMs, error: outcome.error.name }, 'CalDAV request failed, retrying');
      await sleep(delayMs);
    }
  };
}
