import { afterEach, describe, expect, it } from 'vitest';
import { createCaldavTarget } from '../../src/caldav/caldav-target.js';
import { createCaldavFetch, MAX_CONTENTION_RETRIES, MAX_RETRY_AFTER_MS } from '../../src/caldav/caldav-fetch.js';
import { createAdaptiveConcurrency, createConcurrencyGate } from '../../src/caldav/adaptive-concurrency.js';
import {
  CaldavAuthError,
  CaldavNetworkError,
  CaldavNotFoundError,
  CaldavRequestError,
  CaldavServerError,
  CaldavTimeoutError,
} from '../../src/caldav/caldav-errors.js';
import type { CalendarRef } from '../../src/caldav/calendar-target.js';
import { findFreePort } from '../support/caldav-servers.js';
import { sendMultistatus, startScriptedServer, type ScriptedServer } from './start-scripted-server.js';

let server: ScriptedServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

function recordSleeps(): { sleeps: number[]; sleep: (ms: number) => Promise<void> } {
  const sleeps: number[] = [];
  return { sleeps, sleep: async (ms) => void sleeps.push(ms) };
}

const ONE_OBJECT = '<d:response><d:href>/cal/a.ics</d:href><d:propstat><d:prop><d:getetag>"e1"</d:getetag></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>';

function calendarAt(url: string): CalendarRef {
  return { url: `${url}cal/`, displayName: 'cal' };
}

describe('retries', () => {
  it('waits out a 503 with Retry-After seconds, then succeeds', async () => {
    server = await startScriptedServer((_request, response, index) => {
      if (index === 0) {
        response.writeHead(503, { 'Retry-After': '2' });
        response.end('busy');
        return;
      }
      sendMultistatus(response, ONE_OBJECT);
    });
    const { sleeps, sleep } = recordSleeps();
    const target = createCaldavTarget({ url: server.url, sleep, retries: 3 });
    const objects = await target.listObjects(calendarAt(server.url));
    expect(objects).toEqual([{ href: `${server.url}cal/a.ics`, etag: '"e1"' }]);
    expect(sleeps).toEqual([2000]);
    expect(server.requests.map((request) => request.method)).toEqual(['PROPFIND', 'PROPFIND']);
  });

  it('honours Retry-After as an HTTP-date', async () => {
    const now = Date.parse('2026-11-21T10:00:00Z');
    server = await startScriptedServer((_request, response, index) => {
      if (index === 0) {
        response.writeHead(429, { 'Retry-After': 'Sat, 21 Nov 2026 10:00:05 GMT' });
        response.end();
        return;
      }
      response.writeHead(200);
      response.end('ok');
    });
    const { sleeps, sleep } = recordSleeps();
    const davFetch = createCaldavFetch({ sleep, now: () => now });
    const response = await davFetch(server.url, { method: 'GET' });
    expect(await response.text()).toBe('ok');
    expect(sleeps).toEqual([5000]);
  });

  it('backs off exponentially with jitter when the server gives no Retry-After', async () => {
    server = await startScriptedServer((_request, response, index) => {
      response.writeHead(index < 3 ? 502 : 200);
      response.end();
    });
    const { sleeps, sleep } = recordSleeps();
    const low = createCaldavFetch({ sleep, random: () => 0, retries: 3 });
    await low(server.url);
    expect(sleeps).toEqual([250, 500, 1000]);
    sleeps.length = 0;
    server.requests.length = 0;
    const high = createCaldavFetch({ sleep, random: () => 1, retries: 3 });
    await high(server.url);
    expect(sleeps).toEqual([500, 1000, 2000]);
  });

  it('gives up on a 500 that persists with CaldavServerError after the bounded retries', async () => {
    server = await startScriptedServer((_request, response) => {
      response.writeHead(500);
      response.end('broken');
    });
    const { sleeps, sleep } = recordSleeps();
    const target = createCaldavTarget({ url: server.url, sleep, retries: 2 });
    const error: unknown = await target.listObjects(calendarAt(server.url)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CaldavServerError);
    expect(error).toMatchObject({ name: 'CaldavServerError', status: 500, attempts: 3, method: 'PROPFIND', url: `${server.url}cal/` });
    expect((error as Error).message).toContain(`PROPFIND ${server.url}cal/`);
    expect(server.requests).toHaveLength(3);
    expect(sleeps).toHaveLength(2);
  });

  it('does not wait out a Retry-After beyond the cap: fails at once and passes the delay on', async () => {
    server = await startScriptedServer((_request, response) => {
      response.writeHead(503, { 'Retry-After': String(MAX_RETRY_AFTER_MS / 1000 + 1) });
      response.end();
    });
    const { sleeps, sleep } = recordSleeps();
    const error: unknown = await createCaldavFetch({ sleep })(server.url).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CaldavServerError);
    expect((error as CaldavServerError).retryAfterMs).toBe(MAX_RETRY_AFTER_MS + 1000);
    expect(server.requests).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('never retries other 4xx answers', async () => {
    server = await startScriptedServer((request, response) => {
      response.writeHead(request.path === '/missing' ? 404 : 400);
      response.end();
    });
    const { sleeps, sleep } = recordSleeps();
    const davFetch = createCaldavFetch({ sleep, retries: 3 });
    await expect(davFetch(`${server.url}missing`, { method: 'DELETE' })).rejects.toBeInstanceOf(CaldavNotFoundError);
    await expect(davFetch(`${server.url}bad`, { method: 'PUT', body: 'x' })).rejects.toBeInstanceOf(CaldavRequestError);
    expect(server.requests).toHaveLength(2);
    expect(sleeps).toEqual([]);
  });

  it('times out a hanging server with CaldavTimeoutError, retrying once', async () => {
    server = await startScriptedServer(() => {
      // Never answers.
    });
    const { sleeps, sleep } = recordSleeps();
    const target = createCaldavTarget({ url: server.url, sleep, timeoutMs: 200, retries: 1 });
    const error: unknown = await target.listObjects(calendarAt(server.url)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CaldavTimeoutError);
    expect(error).toMatchObject({ timeoutMs: 200, attempts: 2, method: 'PROPFIND' });
    expect(server.requests).toHaveLength(2);
    expect(sleeps).toHaveLength(1);
  });

  it('times out a server that stalls in the middle of the body', async () => {
    server = await startScriptedServer((_request, response) => {
      response.writeHead(207, { 'Content-Type': 'application/xml' });
      response.write('<?xml version="1.0"?><d:multistatus xmlns:d="DAV:">');
    });
    const target = createCaldavTarget({ url: server.url, sleep: async () => {}, timeoutMs: 200, retries: 0 });
    await expect(target.listObjects(calendarAt(server.url))).rejects.toBeInstanceOf(CaldavTimeoutError);
  });

  it('reports a refused connection as CaldavNetworkError after the retries', async () => {
    const port = await findFreePort();
    const { sleeps, sleep } = recordSleeps();
    const target = createCaldavTarget({ url: `http://127.0.0.1:${port}/`, sleep, retries: 2 });
    const error: unknown = await target.listObjects(calendarAt(`http://127.0.0.1:${port}/`)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CaldavNetworkError);
    expect(error).toMatchObject({ attempts: 3 });
    expect((error as Error).message).toMatch(/ECONNREFUSED/);
    expect(sleeps).toHaveLength(2);
  });
});

describe('authentication', () => {
  it('sends Basic credentials, or the bearer token when one is set', async () => {
    server = await startScriptedServer((_request, response) => {
      response.writeHead(200);
      response.end();
    });
    await createCaldavFetch({ username: 'anna', password: 'pä:ss' })(server.url);
    await createCaldavFetch({ username: 'anna', password: 'x', bearerToken: 'tok-123' })(server.url);
    await createCaldavFetch({})(server.url);
    expect(server.requests.map((request) => request.headers.authorization)).toEqual([
      `Basic ${Buffer.from('anna:pä:ss', 'utf8').toString('base64')}`,
      'Bearer tok-123',
      undefined,
    ]);
  });

  it('maps 401 and a bare 403 to CaldavAuthError without retrying', async () => {
    server = await startScriptedServer((request, response) => {
      response.writeHead(request.path === '/forbidden' ? 403 : 401, { 'Content-Type': 'text/plain' });
      response.end('no');
    });
    const davFetch = createCaldavFetch({ sleep: async () => {} });
    await expect(davFetch(`${server.url}forbidden`, { method: 'PROPFIND' })).rejects.toMatchObject({ name: 'CaldavAuthError', status: 403 });
    await expect(davFetch(`${server.url}login`, { method: 'PROPFIND' })).rejects.toBeInstanceOf(CaldavAuthError);
    expect(server.requests).toHaveLength(2);
  });
});

describe('write concurrency under overload (SOGo drops connections beyond its workers)', () => {
  /** A server with `workers` that resets every request arriving while more than that are in flight. */
  const resettingServer = (workers: number) => {
    let inFlight = 0;
    let peakServed = 0;
    const calls: string[] = [];
    const fetchFake: typeof fetch = async (input, init) => {
      calls.push(`${init?.method} ${String(input)}`);
      inFlight += 1;
      const arrivedWith = inFlight;
      // Let every request of this round arrive before any is answered.
      await new Promise((resolve) => setImmediate(resolve));
      inFlight -= 1;
      if (arrivedWith > workers) throw new TypeError('fetch failed', { cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }) });
      peakServed = Math.max(peakServed, arrivedWith);
      return new Response(null, { status: 201 });
    };
    return { fetchFake, calls, peakServed: () => peakServed };
  };
  const setup = (initial: number, workers: number, retries: number) => {
    let clock = 0;
    const now = () => clock;
    const sleep = async (ms: number) => {
      clock += ms;
    };
    const controller = createAdaptiveConcurrency({ initial, now });
    const gate = createConcurrencyGate(controller, sleep);
    const server = resettingServer(workers);
    const davFetch = createCaldavFetch({ fetch: server.fetchFake, retries, sleep, now, writeGate: gate, onLoad: (signal) => controller.record(signal) });
    return { davFetch, controller, server };
  };

  it('retries a write reset beside others beyond its own budget, each retry queued under the lowered limit', async () => {
    const { davFetch, controller, server } = setup(8, 2, 1);
    const puts = Array.from({ length: 16 }, (_, i) => davFetch(`http://dav.test/cal/${i}.ics`, { method: 'PUT', body: 'x' }));
    const answers = await Promise.all(puts);
    expect(answers.map((answer) => answer.status)).toEqual(Array(16).fill(201));
    expect(controller.limit()).toBeLessThanOrEqual(2);
    expect(server.peakServed()).toBeLessThanOrEqual(2);
  });

  it('tells the controller each write\'s latency, and a read\'s answer without one', async () => {
    let clock = 100;
    const signals: unknown[] = [];
    const fetchFake = (async (_input: unknown, init?: RequestInit) => {
      clock += init?.method === 'PUT' ? 7 : 3;
      return new Response(init?.method === 'PUT' ? null : '<d:multistatus xmlns:d="DAV:"/>', { status: init?.method === 'PUT' ? 201 : 207 });
    }) as typeof fetch;
    const davFetch = createCaldavFetch({ fetch: fetchFake, elapsed: () => clock, onLoad: (signal) => signals.push(signal) });
    await davFetch('http://dav.test/cal/a.ics', { method: 'PUT', body: 'x' });
    await davFetch('http://dav.test/cal/', { method: 'PROPFIND', body: '<x/>' });
    expect(signals).toEqual([{ kind: 'ok', latencyMs: 7 }, { kind: 'ok' }]);
  });

  it('gives a write reset while nothing else is in flight only its own retries', async () => {
    const { davFetch, server } = setup(4, 0, 2);
    await expect(davFetch('http://dav.test/cal/a.ics', { method: 'PUT', body: 'x' })).rejects.toBeInstanceOf(CaldavNetworkError);
    expect(server.calls).toHaveLength(3);
  });

  it('ends a write the server never takes, however crowded, after its budget and the bounded contention retries', async () => {
    const { davFetch, server } = setup(8, 0, 1);
    const results = await Promise.allSettled(Array.from({ length: 4 }, (_, i) => davFetch(`http://dav.test/cal/${i}.ics`, { method: 'PUT', body: 'x' })));
    expect(results.every((result) => result.status === 'rejected' && result.reason instanceof CaldavNetworkError)).toBe(true);
    expect(server.calls.length).toBeLessThanOrEqual(4 * (1 + 1 + MAX_CONTENTION_RETRIES));
  });

  it('does not gate reads: a PROPFIND goes out while a write waits for its slot', async () => {
    const { davFetch, server } = setup(1, 5, 0);
    const answers = await Promise.all([
      davFetch('http://dav.test/cal/a.ics', { method: 'PUT', body: 'x' }),
      davFetch('http://dav.test/cal/b.ics', { method: 'PUT', body: 'x' }),
      davFetch('http://dav.test/cal/', { method: 'PROPFIND' }),
    ]);
    expect(answers.map((answer) => answer.status)).toEqual([201, 201, 201]);
    expect(server.calls.indexOf('PROPFIND http://dav.test/cal/')).toBeLessThan(server.calls.indexOf('PUT http://dav.test/cal/b.ics'));
  });
});
