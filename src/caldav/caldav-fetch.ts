import type { Logger } from '../log/create-logger.js';
import { sendHttpRequest, type HttpAnswer, type HttpTransport } from '../http/send-http-request.js';
import { createFetchTransport } from '../http/create-fetch-transport.js';
import { BufferedResponse } from '../http/buffered-response.js';
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
  /** Sends through this fetch instead of the transport (tests script answers with one). */
  fetch?: typeof fetch;
  /** The HTTP transport under the gate and the retries; default node:http(s) with a keep-alive agent. */
  transport?: HttpTransport;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  /** A monotonic clock in milliseconds for a write's latency (default performance.now). */
  elapsed?: () => number;
  random?: () => number;
  logger?: Logger;
  /** Told of every attempt: a reset, 503 or 429 is overload, an answer below 400 is fine (a write's with its latency). */
  onLoad?: (signal: LoadSignal) => void;
  /**
   * Admits each attempt of an object write (PUT, DELETE), so a retry waits for a free slot under the
   * limit as it is then, not the one in force when the write first started, and a write sleeping out its
   * backoff holds no slot.
   */
  writeGate?: WriteGate;
}

/** See createConcurrencyGate in adaptive-concurrency.ts. */
export interface WriteGate {
  run<T>(task: () => Promise<T>): Promise<T>;
  inFlight(): number;
}

/**
 * 500 is retried as well: Radicale and DAViCal answer 500 to transient storage/database lock errors.
 */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 500, 502, 503, 504]);
/** Methods whose success is a bare status: a 207 answer to them reports a failure inside. */
const SINGLE_RESOURCE_METHODS = new Set(['PUT', 'DELETE', 'COPY', 'MOVE']);
const GATED_METHODS = new Set(['PUT', 'DELETE']);
/**
 * Overload (a reset, 503, 429) met while other writes were in flight is contention: the gate has
 * lowered the concurrency for it, so the retry does not use up the request's own budget — up to this
 * many times, so a server that never recovers still ends the request. From 8 writes the limit reaches 1
 * after three halvings; the rest is room for it to grow back and meet the server's limit again.
 */
export const MAX_CONTENTION_RETRIES = 8;
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

/** Every body the project and tsdav send is text (XML, iCalendar); any other kind is read as text once. */
async function readRequestBody(body: RequestInit['body']): Promise<string | undefined> {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return body;
  return new Response(body).text();
}

/** Request headers as one record, lower-case names (a plain object, pairs, or a Headers instance by its entries). */
function toHeaderRecord(headers: RequestInit['headers']): Record<string, string> {
  const record: Record<string, string> = {};
  if (!headers) return record;
  const pairs: Iterable<[string, string]> = Array.isArray(headers)
    ? (headers as Array<[string, string]>)
    : typeof (headers as { entries?: unknown }).entries === 'function'
      ? (headers as Headers).entries()
      : Object.entries(headers as Record<string, string>);
  for (const [name, value] of pairs) record[name.toLowerCase()] = value;
  return record;
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
  | { kind: 'retry'; error: Error; delayMs: number | null; retryAfterMs: number | null; overload: boolean };

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
  const transport = options.fetch ? createFetchTransport(options.fetch) : (options.transport ?? sendHttpRequest);
  const sleep = options.sleep ?? defaultSleep;
  const now = options.now ?? Date.now;
  const elapsed = options.elapsed ?? (() => performance.now());
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
    const headers = toHeaderRecord(init.headers);
    for (const [name, value] of Object.entries(authorizationFor(url, method))) headers[name.toLowerCase()] = value;
    let response: HttpAnswer;
    let body: string;
    const sentAt = elapsed();
    try {
      response = await transport(url, {
        method,
        headers,
        body: await readRequestBody(init.body),
        signal: AbortSignal.timeout(timeoutMs),
        redirect: init.redirect === 'manual' ? 'manual' : 'follow',
      });
      body = 'text' in response.body ? response.body.text : '';
    } catch (error) {
      const typed = isTimeout(error)
        ? new CaldavTimeoutError({ method, url, timeoutMs, attempts: attempt })
        : new CaldavNetworkError({ method, url, attempts: attempt, cause: error });
      const overload = typed instanceof CaldavNetworkError;
      if (overload) options.onLoad?.({ kind: 'overload', retryAfterMs: null });
      return { kind: 'retry', error: typed, delayMs: null, retryAfterMs: null, overload };
    }
    if (response.status === 207 && SINGLE_RESOURCE_METHODS.has(method)) {
      // Xandikos answers a refused PUT with a 207 holding the real status (e.g. 412 + no-uid-conflict).
      const inner = [...body.matchAll(/<(?:[\w-]+:)?status>\s*HTTP\/[\d.]+\s+(\d{3})/g)].map((match) => Number(match[1]));
      const failed = inner.find((status) => status < 200 || status >= 300);
      if (failed !== undefined) throw createCaldavHttpError({ method, url, status: failed, body: body.slice(0, MAX_ERROR_BODY) });
    }
    if (response.status >= 200 && response.status < 400) {
      options.onLoad?.(GATED_METHODS.has(method) ? { kind: 'ok', latencyMs: elapsed() - sentAt } : { kind: 'ok' });
      // tsdav reports `response.url` as the href of non-multistatus answers: the one that answered.
      return { kind: 'response', response: new BufferedResponse(body, response.status, response.statusText, response.url || url, response.headers).asResponse() };
    }
    if (retryable.has(response.status) || (response.status >= 500 && response.status !== 501)) {
      const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), now());
      const overload = response.status === 503 || response.status === 429;
      if (overload) options.onLoad?.({ kind: 'overload', retryAfterMs });
      const error = new CaldavServerError({ method, url, status: response.status, retryAfterMs, attempts: attempt });
      if (!retryable.has(response.status) || (retryAfterMs !== null && retryAfterMs > MAX_RETRY_AFTER_MS)) throw error;
      return { kind: 'retry', error, delayMs: retryAfterMs, retryAfterMs, overload };
    }
    const error = createCaldavHttpError({ method, url, status: response.status, body: body.slice(0, MAX_ERROR_BODY) });
    const challenge = response.status === 401 && canDigest ? chooseDigestChallenge(response.headers.get('www-authenticate')) : null;
    if (challenge) return { kind: 'challenge', challenge, error };
    throw error;
  };

  return async (input, init = {}) => {
    const url = requestUrl(input);
    const method = (init.method ?? 'GET').toUpperCase();
    const gate = GATED_METHODS.has(method) ? options.writeGate : undefined;
    // `alone`: no other write was in flight, so overload cannot be put down to our own concurrency.
    const attempt = async (number: number): Promise<{ outcome: Outcome; alone: boolean }> => {
      if (!gate) return { outcome: await attemptOnce(url, init, method, number), alone: true };
      return gate.run(async () => {
        const alone = gate.inFlight() <= 1;
        return { outcome: await attemptOnce(url, init, method, number), alone };
      });
    };
    let challenges = 0;
    let retriesUsed = 0;
    let contentionRetries = 0;
    for (let number = 1; ; number++) {
      const { outcome, alone } = await attempt(number);
      if (outcome.kind === 'response') return outcome.response;
      if (outcome.kind === 'challenge') {
        // One answer per request to a fresh challenge (the first, or a stale nonce); refused again, the
        // credentials are wrong.
        if (challenges >= 2 || (challenges === 1 && !outcome.challenge.stale)) throw outcome.error;
        challenges += 1;
        digest = { challenge: outcome.challenge, nc: 0 };
        number -= 1;
        continue;
      }
      if (outcome.overload && !alone && contentionRetries < MAX_CONTENTION_RETRIES) contentionRetries += 1;
      else if (retriesUsed < retries) retriesUsed += 1;
      else throw outcome.error;
      const failures = retriesUsed + contentionRetries;
      const backoff = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (failures - 1));
      const delayMs = outcome.delayMs ?? Math.round(backoff / 2 + random() * (backoff / 2));
      logger?.warn({ method, url, attempt: number, delayMs, error: outcome.error.name }, 'CalDAV request failed, retrying');
      await sleep(delayMs);
    }
  };
}
