import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSeededRandom } from '../../src/emulator/create-seeded-random.js';

/**
 * A small HTTP proxy that sits in front of a real server (Radicale) and makes a seeded share of the
 * requests fail. Where a fault strikes matters for the client's recovery, so some faulted requests are
 * forwarded first (the server did the write, the answer is lost) and some never reach the server.
 */
export interface FaultProxyFaults {
  /** Share (0..1) of requests answered 500. */
  http500Rate: number;
  /** Share (0..1) of requests answered 503 with a Retry-After of `retryAfterSeconds`. */
  http503Rate: number;
  retryAfterSeconds: number;
  /** Share (0..1) of requests that get no answer at all until the client gives up. */
  timeoutRate: number;
  /** Of the faulted requests, the share forwarded to the server before the fault replaces its answer. */
  afterForwardShare: number;
  /** Only requests with these methods are faulted; empty: every method. */
  methods: string[];
}

export interface FaultProxyCounts {
  requests: number;
  forwarded: number;
  http500: number;
  http503: number;
  timeouts: number;
  /** Faulted requests whose effect reached the server anyway. */
  forwardedThenFaulted: number;
}

export interface FaultProxy {
  readonly url: string;
  /** Changeable while the proxy runs. */
  readonly faults: FaultProxyFaults;
  readonly counts: FaultProxyCounts;
  /** No faults from now on. */
  clearFaults(): void;
  /**
   * Requests this accepts are held: neither forwarded nor answered until releaseHeld(), as a request
   * that reaches the server late (its client may be dead by then). null: none is held.
   */
  holdWhen: ((request: { method: string; path: string; body: string }) => boolean) | null;
  /** Resolves once `count` requests are held; rejects after `limitMs` (a guard against hangs). */
  waitForHeld(count: number, limitMs?: number): Promise<void>;
  /** Forwards the held requests to the server, one after the other; resolves with the statuses it answered. */
  releaseHeld(): Promise<number[]>;
  close(): Promise<void>;
}

const NO_FAULTS: FaultProxyFaults = { http500Rate: 0, http503Rate: 0, retryAfterSeconds: 1, timeoutRate: 0, afterForwardShare: 0.5, methods: [] };

type Fault = 'http500' | 'http503' | 'timeout';

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function forward(target: URL, request: IncomingMessage, body: Buffer): Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const upstream = httpRequest(
      { host: target.hostname, port: target.port, method: request.method, path: request.url, headers: { ...request.headers, host: target.host, 'content-length': String(body.length) } },
      (response) => {
        readBody(response).then((data) => resolve({ status: response.statusCode ?? 502, headers: response.headers, body: data }), reject);
      },
    );
    upstream.once('error', reject);
    upstream.end(body);
  });
}

export async function startFaultProxy(options: { target: string; seed: number; faults?: Partial<FaultProxyFaults> }): Promise<FaultProxy> {
  const target = new URL(options.target);
  const random = createSeededRandom(options.seed);
  const faults: FaultProxyFaults = { ...NO_FAULTS, ...options.faults };
  const counts: FaultProxyCounts = { requests: 0, forwarded: 0, http500: 0, http503: 0, timeouts: 0, forwardedThenFaulted: 0 };
  const hanging = new Set<ServerResponse>();
  const held: Array<{ request: IncomingMessage; body: Buffer; response: ServerResponse }> = [];
  const heldWaiters: Array<() => void> = [];
  let holdWhen: FaultProxy['holdWhen'] = null;

  const pickFault = (method: string): Fault | null => {
    if (faults.methods.length > 0 && !faults.methods.includes(method)) return null;
    const roll = random.next();
    if (roll < faults.http500Rate) return 'http500';
    if (roll < faults.http500Rate + faults.http503Rate) return 'http503';
    if (roll < faults.http500Rate + faults.http503Rate + faults.timeoutRate) return 'timeout';
    return null;
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    counts.requests += 1;
    const body = await readBody(request);
    if (holdWhen?.({ method: request.method ?? 'GET', path: request.url ?? '/', body: body.toString('utf8') })) {
      held.push({ request, body, response });
      for (const wake of heldWaiters.splice(0)) wake();
      return;
    }
    const fault = pickFault(request.method ?? 'GET');
    const forwardFirst = fault !== null && random.next() < faults.afterForwardShare;
    if (fault === null || forwardFirst) {
      const answer = await forward(target, request, body);
      counts.forwarded += 1;
      if (fault === null) {
        const headers = { ...answer.headers };
        delete headers['transfer-encoding'];
        response.writeHead(answer.status, { ...headers, 'content-length': String(answer.body.length) });
        response.end(answer.body);
        return;
      }
      counts.forwardedThenFaulted += 1;
    }
    if (fault === 'http500') {
      counts.http500 += 1;
      response.writeHead(500, { 'content-type': 'text/plain' }).end('fault proxy: internal server error\n');
    } else if (fault === 'http503') {
      counts.http503 += 1;
      response.writeHead(503, { 'content-type': 'text/plain', 'retry-after': String(faults.retryAfterSeconds) }).end('fault proxy: unavailable\n');
    } else {
      counts.timeouts += 1;
      hanging.add(response);
      response.once('close', () => hanging.delete(response));
    }
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(502, { 'content-type': 'text/plain' });
      response.end(`fault proxy: upstream failed: ${error instanceof Error ? error.message : String(error)}\n`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const path = target.pathname.endsWith('/') ? target.pathname : `${target.pathname}/`;

  return {
    url: `http://127.0.0.1:${port}${path}`,
    faults,
    counts,
    clearFaults: () => Object.assign(faults, NO_FAULTS),
    get holdWhen() {
      return holdWhen;
    },
    set holdWhen(rule) {
      holdWhen = rule;
    },
    async waitForHeld(count, limitMs = 60_000) {
      const deadline = Date.now() + limitMs;
      while (held.length < count) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`fault proxy: ${held.length} of ${count} requests held within ${limitMs} ms (a hang guard)`);
        await new Promise<void>((resolve) => {
          const guard = setTimeout(resolve, left);
          heldWaiters.push(() => {
            clearTimeout(guard);
            resolve();
          });
        });
      }
    },
    async releaseHeld() {
      const statuses: number[] = [];
      for (const { request, body, response } of held.splice(0)) {
        const answer = await forward(target, request, body);
        statuses.push(answer.status);
        response.destroy();
      }
      return statuses;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const { response } of held.splice(0)) response.destroy();
        for (const response of hanging) response.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
