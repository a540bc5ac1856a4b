import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { createGunzip, createInflate } from 'node:zlib';
import type { Readable } from 'node:stream';
import type { ErrorKind } from '../domain/classify-error.js';
import type { LimitedBody } from './read-limited-body.js';
import { createConnectionReuseRule } from './create-connection-reuse-rule.js';

/** One HTTP request as the project's clients send it: the body is text, the answer is read as text. */
export interface HttpRequest {
  method: string;
  headers?: Record<string, string>;
  body?: string;
  /** Covers the whole exchange: connecting, the answer's head and its last byte. */
  signal?: AbortSignal;
  /** Largest answer read (decoded bytes); past it the connection is dropped and `tooLarge` answered. */
  maxBodyBytes?: number;
  /** 'follow' (as fetch does by default) or 'manual' (a 3xx comes back as it is). */
  redirect?: 'follow' | 'manual';
}

export interface HttpHeaderReader {
  /** The header's value (repeated headers joined by ", ", as fetch's Headers does); null when absent. */
  get(name: string): string | null;
  /** Every header as [lower-case name, value] pairs, repeated ones once each. */
  entries(): Array<[string, string]>;
}

export interface HttpAnswer {
  status: number;
  statusText: string;
  /** The URL that answered (after redirects). */
  url: string;
  headers: HttpHeaderReader;
  body: LimitedBody;
}

/** What the onOffice client and the CalDAV fetch send through: node:http by default, a fetch in tests. */
export type HttpTransport = (url: string, request: HttpRequest) => Promise<HttpAnswer>;

/** The answer broke off or could not be read (a reset mid-body, a corrupt gzip stream). */
export class HttpTransportError extends Error {
  override readonly name = 'HttpTransportError';
  readonly kind: ErrorKind = 'transient';

  constructor(
    message: string,
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const MAX_REDIRECTS = 20;
const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

/*
 * One keep-alive agent per scheme for the process, with the settings of Node's own global agent
 * (keep-alive, the most recently used socket first, idle sockets closed after 5 s: below the 5 s
 * keepAliveTimeout of a node:http server such as the emulator, so a socket is not reused as the server
 * closes it), and one per scheme without keep-alive for the origins that close after each answer. Only
 * an agent without keep-alive keeps Node from pooling the socket: a `Connection: close` header alone
 * does not, when the answer does not repeat it (SOGo's does not).
 */
interface Agents {
  readonly http: HttpAgent;
  readonly https: HttpsAgent;
  readonly httpClosing: HttpAgent;
  readonly httpsClosing: HttpsAgent;
}
let agents: Agents | null = null;
function agentsForProcess(): Agents {
  agents ??= {
    http: new HttpAgent({ keepAlive: true, scheduling: 'lifo', timeout: 4_000 }),
    https: new HttpsAgent({ keepAlive: true, scheduling: 'lifo', timeout: 4_000 }),
    httpClosing: new HttpAgent({ keepAlive: false }),
    httpsClosing: new HttpsAgent({ keepAlive: false }),
  };
  return agents;
}

/**
 * An HTTP(S) request on node:http / node:https instead of fetch: undici keeps a set of objects per
 * request (its request, the web streams of the body, the Headers) that survive a scavenge and made up
 * most of the daemon's heap growth between full GCs, and it loads its own HTTP parser. TLS is Node's
 * default (system CAs plus NODE_EXTRA_CA_CERTS). A connection failure rejects with Node's error (its
 * `code`, e.g. ECONNREFUSED, ECONNRESET); an abort rejects with the signal's reason (a TimeoutError
 * for AbortSignal.timeout), as fetch does.
 */
export async function sendHttpRequest(url: string, request: HttpRequest): Promise<HttpAnswer> {
  let target = url;
  let { method } = request;
  let body = request.body;
  let headers = { ...request.headers };
  for (let redirects = 0; ; redirects += 1) {
    const answer = await sendOnce(target, { ...request, method, body, headers });
    const location = answer.headers.get('location');
    if (request.redirect === 'manual' || !REDIRECT_STATUSES.has(answer.status) || location === null || redirects >= MAX_REDIRECTS) {
      return answer;
    }
    // As fetch (WHATWG Fetch §4.4): 303, and 301/302 after a POST, go on as a GET without a body; the
    // credentials are not sent to another origin.
    const next = new URL(location, target);
    if (answer.status === 303 || ((answer.status === 301 || answer.status === 302) && method === 'POST')) {
      method = method === 'HEAD' ? 'HEAD' : 'GET';
      body = undefined;
      headers = withoutHeaders(headers, ['content-type', 'content-length']);
    }
    if (next.origin !== new URL(target).origin) headers = withoutHeaders(headers, ['authorization', 'cookie']);
    target = next.href;
  }
}

function withoutHeaders(headers: Record<string, string>, names: string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !names.includes(name.toLowerCase())));
}

/** Which origins close every connection after its answer (SOGo), for the process, as the agents are. */
const reuseRule = createConnectionReuseRule();
/** Answers each kept-alive connection gave so far (what the rule is told when one hangs up). */
const answersOn = new WeakMap<object, number>();

/** Methods a client may send again when a kept-alive connection broke under them (RFC 9110 §9.2.2). */
const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'PROPFIND', 'REPORT']);
/** A pool holds a few idle sockets: each may turn out closed by the server, then a new one is made. */
const MAX_STALE_SOCKETS = 8;

/**
 * One request, sent again on another connection when an idle kept-alive one turned out closed: a server
 * that closes connections after each answer without saying so (SOGo) does it as the next request goes out,
 * and the request fails before any answer (ECONNRESET, "socket hang up"). Node's docs name
 * `request.reusedSocket` for exactly this retry; browsers do the same. Only for idempotent methods: a POST
 * may have reached the server, and its own caller decides. Once an origin is seen to close after every
 * answer (create-connection-reuse-rule.ts), its requests skip the doomed first attempt.
 */
async function sendOnce(url: string, request: HttpRequest): Promise<HttpAnswer> {
  for (let stale = 0; ; stale += 1) {
    try {
      return await sendOnSocket(url, request);
    } catch (error) {
      const reused = (error as { reusedSocket?: boolean }).reusedSocket === true;
      const code = (error as { code?: unknown }).code;
      if (!reused || code !== 'ECONNRESET' || stale >= MAX_STALE_SOCKETS || !IDEMPOTENT_METHODS.has(request.method.toUpperCase()) || request.signal?.aborted) throw error;
    }
  }
}

function sendOnSocket(url: string, request: HttpRequest): Promise<HttpAnswer> {
  const { signal } = request;
  if (signal?.aborted) return Promise.reject(signal.reason);
  const target = new URL(url);
  const secure = target.protocol === 'https:';
  const headers: Record<string, string> = { 'accept-encoding': 'gzip, deflate', ...request.headers };
  if (request.body !== undefined) headers['content-length'] = String(Buffer.byteLength(request.body));
  return new Promise<HttpAnswer>((resolve, reject) => {
    let settled = false;
    const finish = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      outcome();
    };
    const send = secure ? httpsRequest : httpRequest;
    // An origin that closes after each answer gets a new connection at once (sent with Connection: close).
    const pool = agentsForProcess();
    const agent = reuseRule.mayReuse(target.origin) ? (secure ? pool.https : pool.http) : secure ? pool.httpsClosing : pool.httpClosing;
    const req = send(target, { method: request.method, headers, agent });
    function onAbort(): void {
      finish(() => reject(signal!.reason));
      req.destroy();
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    let answered = false;
    let socket: object | undefined;
    req.on('socket', (assigned) => (socket = assigned));
    req.on('error', (error) => {
      // Failed before any answer on a socket used before: sendOnce may send it again.
      if (!answered && req.reusedSocket) {
        Object.assign(error, { reusedSocket: true });
        reuseRule.hungUp(target.origin, (socket && answersOn.get(socket)) ?? 0);
      }
      finish(() => reject(error));
    });
    req.on('response', (response) => {
      answered = true;
      if (req.reusedSocket) reuseRule.answeredOnReuse(target.origin);
      readAnswer(response, request.maxBodyBytes ?? Infinity).then(
        (body) => {
          if (socket) answersOn.set(socket, (answersOn.get(socket) ?? 0) + 1);
          if (body && 'tooLarge' in body) req.destroy();
          finish(() => resolve({ status: response.statusCode ?? 0, statusText: response.statusMessage ?? '', url, headers: readHeaders(response.rawHeaders), body }));
        },
        (error: unknown) => {
          finish(() => reject(error));
          req.destroy();
        },
      );
    });
    req.end(request.body);
  });
}

/**
 * The body decoded (gzip, deflate) and as UTF-8 text, given up as soon as it passes maxBytes. The chunks
 * stay Buffers (outside the JS heap) and become one string at the end: text chunks kept until then
 * would be young objects live across many scavenges, copied and promoted with every answer.
 */
function readAnswer(response: IncomingMessage, maxBytes: number): Promise<LimitedBody> {
  const declared = Number(response.headers['content-length']);
  const encoding = response.headers['content-encoding']?.trim().toLowerCase();
  if (!encoding && Number.isFinite(declared) && declared > maxBytes) {
    response.resume();
    return Promise.resolve({ tooLarge: true, bytes: declared });
  }
  let stream: Readable = response;
  if (encoding === 'gzip' || encoding === 'x-gzip') stream = response.pipe(createGunzip());
  else if (encoding === 'deflate') stream = response.pipe(createInflate());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    let done = false;
    stream.on('data', (chunk: Buffer) => {
      if (done) return;
      bytes += chunk.byteLength;
      if (bytes > maxBytes) {
        done = true;
        stream.destroy();
        resolve({ tooLarge: true, bytes });
        return;
      }
      chunks.push(chunk);
    });
    stream.on('end', () => {
      if (done) return;
      done = true;
      resolve({ text: Buffer.concat(chunks, bytes).toString('utf8') });
    });
    const broken = (error?: Error): void => {
      if (done) return;
      done = true;
      const code = (error as { code?: unknown } | undefined)?.code;
      reject(new HttpTransportError(`the answer broke off: ${error?.message ?? 'connection closed'}`, typeof code === 'string' ? code : 'ECONNRESET', { cause: error }));
    };
    stream.on('error', broken);
    if (stream !== response) response.on('error', broken);
    // A connection closed before the body's end: 'aborted' on the message, then 'close' without 'end'.
    response.on('aborted', () => broken());
  });
}

function readHeaders(raw: string[]): HttpHeaderReader {
  const pairs: Array<[string, string]> = [];
  for (let index = 0; index + 1 < raw.length; index += 2) pairs.push([raw[index]!.toLowerCase(), raw[index + 1]!]);
  return {
    get(name) {
      const wanted = name.toLowerCase();
      const values = pairs.filter(([key]) => key === wanted).map(([, value]) => value);
      return values.length === 0 ? null : values.join(', ');
    },
    entries: () => pairs,
  };
}
