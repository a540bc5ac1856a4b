import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { classifyError } from '../../src/domain/classify-error.js';
import { HttpTransportError, sendHttpRequest } from '../../src/http/send-http-request.js';
import { createOnOfficeClient } from '../../src/onoffice/onoffice-client.js';
import { OnOfficeNetworkError, OnOfficeTimeoutError } from '../../src/onoffice/onoffice-errors.js';
import { createCaldavFetch } from '../../src/caldav/caldav-fetch.js';
import { CaldavNetworkError } from '../../src/caldav/caldav-errors.js';
import { rejection } from '../support/rejection.js';

interface LocalServer {
  url: string;
  /** TCP connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

const servers: LocalServer[] = [];

afterEach(async () => {
  vi.unstubAllGlobals();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** A node:http server on a free loopback port; `handle` gets the request with its body read. */
async function startServer(handle: (request: IncomingMessage, body: string, response: ServerResponse) => void): Promise<LocalServer> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => handle(request, Buffer.concat(chunks).toString('utf8'), response));
  });
  server.on('connection', (socket) => {
    accepted += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const local: LocalServer = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    connections: () => accepted,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  servers.push(local);
  return local;
}

/** A fetch that must not be called: proves the code under test sends through node:http. */
function forbidFetch(): void {
  vi.stubGlobal('fetch', () => {
    throw new TypeError('global fetch was called');
  });
}

describe('sendHttpRequest', () => {
  it('sends method, headers and body and reads status, repeated headers and UTF-8 text split across chunks', async () => {
    let seen: { method?: string; header?: string; body?: string; length?: string } = {};
    const server = await startServer((request, body, response) => {
      seen = { method: request.method, header: request.headers['x-test'] as string, body, length: request.headers['content-length'] };
      response.writeHead(201, 'Made', [['X-Many', 'a'], ['X-Many', 'b'], ['Content-Type', 'text/plain; charset=utf-8']]);
      const text = Buffer.from('Grüße € 🙂', 'utf8');
      // One byte at a time: every multi-byte character is cut between chunks.
      for (let index = 0; index < text.length; index++) response.write(text.subarray(index, index + 1));
      response.end();
    });
    const answer = await sendHttpRequest(server.url, { method: 'POST', headers: { 'x-test': 'yes' }, body: 'Ä body' });
    expect(seen).toEqual({ method: 'POST', header: 'yes', body: 'Ä body', length: String(Buffer.byteLength('Ä body')) });
    expect(answer.status).toBe(201);
    expect(answer.statusText).toBe('Made');
    expect(answer.headers.get('x-many')).toBe('a, b');
    expect(answer.headers.get('Content-Type')).toBe('text/plain; charset=utf-8');
    expect(answer.headers.get('absent')).toBeNull();
    expect(answer.body).toEqual({ text: 'Grüße € 🙂' });
  });

  it('decodes a gzip answer', async () => {
    const server = await startServer((request, _body, response) => {
      expect(request.headers['accept-encoding']).toContain('gzip');
      response.writeHead(200, { 'Content-Encoding': 'gzip' });
      response.end(gzipSync('{"packed":true}'));
    });
    expect((await sendHttpRequest(server.url, { method: 'GET' })).body).toEqual({ text: '{"packed":true}' });
  });

  it('reuses one keep-alive connection for requests one after another', async () => {
    const server = await startServer((_request, _body, response) => response.end('ok'));
    for (let index = 0; index < 3; index++) await sendHttpRequest(server.url, { method: 'GET' });
    expect(server.connections()).toBe(1);
  });

  it('answers tooLarge for a Content-Length over the limit and for a longer chunked body', async () => {
    const server = await startServer((request, _body, response) => {
      if (request.url === '/declared') {
        response.writeHead(200, { 'Content-Length': '100' });
        response.end('x'.repeat(100));
        return;
      }
      response.write('x'.repeat(60));
      response.end('y'.repeat(60));
    });
    expect((await sendHttpRequest(`${server.url}declared`, { method: 'GET', maxBodyBytes: 99 })).body).toEqual({ tooLarge: true, bytes: 100 });
    const chunked = await sendHttpRequest(`${server.url}chunked`, { method: 'GET', maxBodyBytes: 100 });
    expect(chunked.body).toMatchObject({ tooLarge: true });
  });

  it('rejects with a transient HttpTransportError when the connection breaks off mid-body', async () => {
    const server = await startServer((_request, _body, response) => {
      response.writeHead(200, { 'Content-Length': '1000' });
      response.write('partial', () => response.socket?.destroy());
    });
    const error = await rejection(sendHttpRequest(server.url, { method: 'GET' }));
    expect(error).toBeInstanceOf(HttpTransportError);
    expect(classifyError(error)).toBe('transient');
  });

  it("rejects with the signal's reason (a TimeoutError) when the answer does not come", async () => {
    const server = await startServer(() => {
      // never answers
    });
    const error = await rejection(sendHttpRequest(server.url, { method: 'GET', signal: AbortSignal.timeout(50) }));
    expect(error.name).toBe('TimeoutError');
  });

  it('rejects with the code of a refused connection', async () => {
    const server = await startServer(() => undefined);
    await server.close();
    servers.splice(servers.indexOf(server), 1);
    const error = await rejection(sendHttpRequest(server.url, { method: 'GET' }));
    expect((error as { code?: string }).code).toBe('ECONNREFUSED');
  });

  it('follows a redirect (a 303 as a GET without body) unless told manual, and drops credentials for another origin', async () => {
    const other = await startServer((request, body, response) => response.end(JSON.stringify({ method: request.method, body, auth: request.headers.authorization ?? null })));
    const server = await startServer((request, body, response) => {
      if (request.url === '/see-other') response.writeHead(303, { Location: '/landed' }).end();
      else if (request.url === '/elsewhere') response.writeHead(307, { Location: `${other.url}there` }).end();
      else response.end(JSON.stringify({ method: request.method, body, auth: request.headers.authorization ?? null }));
    });
    const credential = `Bearer ${randomUUID()}`;
    const seeOther = await sendHttpRequest(`${server.url}see-other`, { method: 'POST', body: 'data', headers: { authorization: credential } });
    expect(JSON.parse((seeOther.body as { text: string }).text)).toEqual({ method: 'GET', body: '', auth: credential });
    expect(seeOther.url).toBe(`${server.url}landed`);
    const elsewhere = await sendHttpRequest(`${server.url}elsewhere`, { method: 'PUT', body: 'data', headers: { authorization: credential } });
    expect(JSON.parse((elsewhere.body as { text: string }).text)).toEqual({ method: 'PUT', body: 'data', auth: null });
    const manual = await sendHttpRequest(`${server.url}see-other`, { method: 'POST', body: 'data', redirect: 'manual' });
    expect([manual.status, manual.headers.get('location')]).toEqual([303, '/landed']);
  });
});

describe('the clients send through node:http, not fetch', () => {
  it('onOffice: a request is answered with fetch unavailable; a reset is a retried network error, a hang a timeout', async () => {
    forbidFetch();
    let calls = 0;
    const server = await startServer((request, _body, response) => {
      calls += 1;
      if (request.url === '/reset') {
        response.socket?.destroy();
        return;
      }
      if (request.url === '/hang') return;
      response.writeHead(200, { 'Content-Type': 'application/json', Date: new Date(0).toUTCString() });
      response.end(JSON.stringify({ status: { code: 200, errorcode: 0, message: 'OK' }, response: { results: [{ identifier: 'a0', status: { code: 200, errorcode: 0 }, data: { meta: { cntabsolute: 0 }, records: [] } }] } }));
    });
    const options = { token: randomUUID(), secret: randomUUID(), now: () => 0, sleep: async () => undefined, retries: 1 };
    const ok = createOnOfficeClient({ ...options, url: server.url });
    expect(await ok.readCalendarBatch([{}])).toEqual([{ records: [], cntabsolute: 0 }]);
    expect(ok.lastClockOffsetSeconds()).toBe(0);

    calls = 0;
    const reset = await rejection(createOnOfficeClient({ ...options, url: `${server.url}reset` }).readCalendarBatch([{}]));
    expect(reset).toBeInstanceOf(OnOfficeNetworkError);
    expect(classifyError(reset)).toBe('transient');
    expect(calls).toBe(2);

    const hang = await rejection(createOnOfficeClient({ ...options, url: `${server.url}hang`, timeoutMs: 50, retries: 0 }).readCalendarBatch([{}]));
    expect(hang).toBeInstanceOf(OnOfficeTimeoutError);
  });

  it('CalDAV: the answer comes back as a Response with status, headers and body; a reset is a CaldavNetworkError', async () => {
    forbidFetch();
    const server = await startServer((request, body, response) => {
      if (request.url === '/reset') {
        response.socket?.destroy();
        return;
      }
      response.writeHead(207, { 'Content-Type': 'application/xml', ETag: '"e1"' });
      response.end(`<echo method="${request.method}" depth="${String(request.headers.depth)}">${body}</echo>`);
    });
    const davFetch = createCaldavFetch({ username: 'u', password: randomUUID(), retries: 0 });
    const response = await davFetch(server.url, { method: 'PROPFIND', headers: { depth: '0' }, body: '<x/>' });
    expect([response.status, response.headers.get('etag'), await response.text()]).toEqual([207, '"e1"', '<echo method="PROPFIND" depth="0"><x/></echo>']);
    expect(response.url).toBe(server.url);
    const reset = await rejection(davFetch(`${server.url}reset`, { method: 'GET' }));
    expect(reset).toBeInstanceOf(CaldavNetworkError);
  });

  it('sends an idempotent request again on a new connection when the kept-alive one turns out closed, and leaves a POST to its caller', async () => {
    // Closes a connection when a second request comes in on it, without answering, as SOGo (which closes
    // after each answer without saying so) looks from the client when the request races the close.
    const perSocket = new WeakMap<object, number>();
    const server = await startServer((request, _body, response) => {
      const served = (perSocket.get(request.socket) ?? 0) + 1;
      perSocket.set(request.socket, served);
      if (served > 1) {
        request.socket.destroy();
        return;
      }
      response.end('ok');
    });
    const first = await sendHttpRequest(server.url, { method: 'PUT', body: 'one' });
    expect(first.status).toBe(200);
    const second = await sendHttpRequest(server.url, { method: 'PUT', body: 'two' });
    expect(second.status).toBe(200);
    expect(server.connections()).toBe(2);

    const error = await rejection(sendHttpRequest(server.url, { method: 'POST', body: 'three' }));
    expect((error as { code?: string }).code).toBe('ECONNRESET');
    expect(server.connections()).toBe(2);
  });

  it('sends to an origin that closes each connection after its answer without saying so on a new connection at once, once it has seen it three times', async () => {
    // As SOGo answers a PUT: no Connection: close in the answer, and the connection closed after it. The
    // server here closes when a second request comes in on a connection (the request races the close).
    const perSocket = new WeakMap<object, number>();
    let raced = 0;
    let askedToClose = 0;
    const server = await startServer((request, _body, response) => {
      const served = (perSocket.get(request.socket) ?? 0) + 1;
      perSocket.set(request.socket, served);
      if (request.headers.connection === 'close') askedToClose += 1;
      if (served > 1) {
        raced += 1;
        request.socket.destroy();
        return;
      }
      response.setHeader('Connection', 'keep-alive');
      response.end('ok');
    });
    for (let index = 0; index < 10; index++) expect((await sendHttpRequest(server.url, { method: 'PUT', body: `${index}` })).status).toBe(200);
    // Three requests met a closed connection (and were sent again); the seven after them asked for a new one.
    expect(raced).toBe(3);
    expect(askedToClose).toBe(7);
    expect(server.connections()).toBe(10);
  });
});
