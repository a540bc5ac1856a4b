import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log/create-logger.js';
import { computeHmacV2 } from '../../src/onoffice/hmac.js';
import { ACTION_IDS, createOnOfficeClient, type OnOfficeClientOptions } from '../../src/onoffice/onoffice-client.js';
import {
  OnOfficeActionError,
  OnOfficeAuthError,
  OnOfficeClockSkewError,
  OnOfficeNetworkError,
  OnOfficeProtocolError,
  OnOfficeServerError,
  OnOfficeTimeoutError,
} from '../../src/onoffice/onoffice-errors.js';
import { rejection } from '../support/rejection.js';

/**
 * A throw-away onOffice stand-in: it records every request and answers with whatever the test's
 * handler returns, so the client's handling of each answer can be checked over real HTTP.
 */
interface SentAction {
  actionid: string;
  identifier: string;
  resourceid: string;
  resourcetype: string;
  timestamp: number;
  hmac: string;
  hmac_version: string;
  parameters: Record<string, unknown>;
}
interface SentRequest {
  method: string;
  headers: IncomingHttpHeaders;
  raw: string;
  token: string;
  actions: SentAction[];
}
type Answer =
  | { status?: number; headers?: Record<string, string>; json?: unknown; text?: string }
  | 'hang';
type Handler = (request: SentRequest, attempt: number) => Answer;

const TOKEN = 'tok-0123456789abcdef0123456789ab';
const SECRET = 'sec-0123456789abcdef0123456789abcdef0123456789abcdef0123456789ab';
const T0 = Date.UTC(2026, 10, 21, 12, 0, 0);

const servers: Server[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function startFakeApi(handler: Handler): Promise<{ url: string; requests: SentRequest[] }> {
  const requests: SentRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const parsed = JSON.parse(raw) as { token: string; request: { actions: SentAction[] } };
      const request = { method: req.method ?? '', headers: req.headers, raw, token: parsed.token, actions: parsed.request.actions };
      requests.push(request);
      const answer = handler(request, requests.length);
      if (answer === 'hang') return;
      res.writeHead(answer.status ?? 200, { 'content-type': 'application/json', ...answer.headers });
      res.end(answer.text ?? JSON.stringify(answer.json));
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/api/stable/api.php`, requests };
}

function ok(results: unknown[]): Answer {
  return { json: { status: { code: 200, errorcode: 0, message: 'OK' }, response: { results } } };
}

function result(action: SentAction, records: unknown[] = [], cntabsolute: number | null = records.length): unknown {
  return {
    actionid: action.actionid,
    resourceid: action.resourceid,
    resourcetype: action.resourcetype,
    identifier: action.identifier,
    cacheable: true,
    data: { meta: { cntabsolute }, records },
    status: { errorcode: 0, message: 'OK' },
  };
}

function failed(action: SentAction, errorcode: number, message: string): unknown {
  return { ...(result(action) as object), data: [], status: { errorcode, message } };
}

function echo(records: (action: SentAction, index: number) => unknown[] = () => []): Handler {
  return (request) => ok(request.actions.map((action, index) => result(action, records(action, index))));
}

/** A clock the backoff moves: each sleep advances it by a full second, so every retry is a new second. */
function fakeTime() {
  const time = { clock: T0, delays: [] as number[] };
  return {
    time,
    now: () => time.clock,
    sleep: async (ms: number) => {
      time.delays.push(ms);
      time.clock += 1000;
    },
  };
}

function client(url: string, options: Partial<OnOfficeClientOptions> = {}) {
  const { now, sleep } = fakeTime();
  return createOnOfficeClient({ url, token: TOKEN, secret: SECRET, now, sleep, random: () => 0.5, ...options });
}

describe('onOffice client: the request', () => {
  it('sends all reads in one signed POST with unique identifiers and sorted parameters', async () => {
    const api = await startFakeApi(echo((_, index) => [{ id: 100 + index, type: 'calendar', elements: { description: `r${index}` } }]));
    const pages = await client(api.url).readCalendarBatch([
      { modifiedstart: '2026-11-21 10:00:00', modifiedend: '2026-11-21 11:00:00', allusers: true, showcancelled: true },
      { datestart: '2026-11-01', dateend: '2026-11-30', users: [3, 4] },
      { datestart: '2026-12-01', dateend: '2026-12-31', filter: { art: [{ op: '=', val: 'Besichtigung' }] } },
    ]);

    expect(api.requests).toHaveLength(1);
    const [request] = api.requests;
    expect(request!.method).toBe('POST');
    expect(request!.headers['content-type']).toBe('application/json');
    expect(request!.token).toBe(TOKEN);
    expect(request!.actions.map((a) => a.identifier)).toEqual(['a0', 'a1', 'a2']);
    for (const action of request!.actions) {
      expect(action).toMatchObject({ actionid: ACTION_IDS.read, resourcetype: 'calendar', resourceid: '', hmac_version: '2' });
      expect(action.timestamp).toBe(T0 / 1000);
      expect(action.hmac).toBe(
        computeHmacV2({ secret: SECRET, token: TOKEN, timestamp: T0 / 1000, resourcetype: 'calendar', actionid: ACTION_IDS.read }),
      );
    }
    expect(Object.keys(request!.actions[0]!.parameters)).toEqual(['allusers', 'modifiedend', 'modifiedstart', 'showcancelled']);
    expect(request!.actions[1]!.parameters).toEqual({ dateend: '2026-11-30', datestart: '2026-11-01', users: [3, 4] });
    expect(request!.actions[2]!.parameters.filter).toEqual({ art: [{ op: '=', val: 'Besichtigung' }] });

    expect(pages).toEqual([
      { records: [{ id: 100, type: 'calendar', elements: { description: 'r0' } }], cntabsolute: 1 },
      { records: [{ id: 101, type: 'calendar', elements: { description: 'r1' } }], cntabsolute: 1 },
      { records: [{ id: 102, type: 'calendar', elements: { description: 'r2' } }], cntabsolute: 1 },
    ]);
  });

  it('creates, modifies, deletes, confirms and lists users with the documented actions', async () => {
    const api = await startFakeApi((request) =>
      ok(
        request.actions.map((action) => {
          if (action.actionid === ACTION_IDS.create) return result(action, [{ id: 2779, type: 'calendar', elements: [] }], null);
          if (action.resourcetype === 'users') {
            return result(action, [
              { id: 25, type: null, elements: { id: 25, username: 'paulprobe', firstname: 'Paul', lastname: 'Probe', email: 'p@example.com' } },
              { id: 17, type: null, elements: { id: 17, username: 'theotest', firstname: 'Theo', lastname: 'Test' } },
            ]);
          }
          return result(action);
        }),
      ),
    );
    const onoffice = client(api.url);
    const write = {
      data: { start_dt: '2026-11-22 10:00:00', end_dt: '2026-11-22 11:00:00', description: 'Besichtigung' },
      subscribers: { users: [14] },
      relatedEstateId: 608,
    };

    expect(await onoffice.createAppointment(write)).toBe(2779);
    await onoffice.modifyAppointment(2779, { data: { note: 'x' } });
    await onoffice.deleteAppointment(2779);
    await onoffice.sendAppointmentConfirmation(2779, true);
    expect(await onoffice.getUsers()).toEqual([
      { id: 25, username: 'paulprobe', firstname: 'Paul', lastname: 'Probe', email: 'p@example.com' },
      { id: 17, username: 'theotest', firstname: 'Theo', lastname: 'Test', email: '' },
    ]);

    const sent = api.requests.map((r) => r.actions[0]!);
    expect(sent[0]).toMatchObject({ actionid: ACTION_IDS.create, resourcetype: 'calendar', resourceid: '' });
    expect(Object.keys(sent[0]!.parameters)).toEqual(['data', 'relatedEstateId', 'subscribers']);
    expect(sent[0]!.parameters.data).toEqual(write.data);
    expect(sent[1]).toMatchObject({ actionid: ACTION_IDS.modify, resourcetype: 'calendar', resourceid: '2779', parameters: { data: { note: 'x' } } });
    expect(sent[2]).toMatchObject({ actionid: ACTION_IDS.delete, resourcetype: 'calendar', resourceid: '2779', parameters: {} });
    expect(sent[3]).toMatchObject({
      actionid: ACTION_IDS.do,
      resourcetype: 'appointmentAffirmation',
      parameters: { calendarId: 2779, useDefaultMailAccount: true },
    });
    expect(sent[4]).toMatchObject({ actionid: ACTION_IDS.get, resourcetype: 'users', parameters: {} });
  });
});

describe('onOffice client: answers that do not match', () => {
  it.each([
    ['a result missing', (actions: SentAction[]) => actions.slice(1).map((a) => result(a)), /1 result\(s\) for 2 action\(s\)/],
    ['an extra result', (actions: SentAction[]) => [...actions, actions[0]!].map((a) => result(a)), /3 result\(s\) for 2 action\(s\)/],
    ['results swapped', (actions: SentAction[]) => [...actions].reverse().map((a) => result(a)), /identifier "a1" where "a0"/],
  ])('throws OnOfficeProtocolError for %s', async (_, answer, pattern) => {
    const api = await startFakeApi((request) => ok(answer(request.actions)));
    const error = await rejection(client(api.url).readCalendarBatch([{ datestart: '2026-11-01' }, { datestart: '2026-12-01' }]));
    expect(error).toBeInstanceOf(OnOfficeProtocolError);
    expect(error.name).toBe('OnOfficeProtocolError');
    expect(error.message).toMatch(pattern);
    expect(error.message).toContain('read calendar ×2');
    expect(api.requests).toHaveLength(1);
  });

  it.each([
    ['a body that is not JSON', { text: '<html>oops</html>' }, /not JSON/],
    ['no status at the root', { json: { response: { results: [] } } }, /no status object/],
    ['no results list', { json: { status: { code: 200, errorcode: 0 }, response: {} } }, /results is not a list/],
    [
      'a rejected request structure',
      { json: { status: { code: 500, errorcode: 21, message: 'invalid request' }, response: { results: [] } } },
      /rejected with errorcode 21 \(invalid request\)/,
    ],
  ])('throws OnOfficeProtocolError for %s, without retrying', async (_, answer, pattern) => {
    const api = await startFakeApi(() => answer);
    const error = await rejection(client(api.url).getUsers());
    expect(error).toBeInstanceOf(OnOfficeProtocolError);
    expect(error.message).toMatch(pattern);
    expect(error.message).toContain('get users');
    expect(api.requests).toHaveLength(1);
  });
});

describe('onOffice client: action errors', () => {
  it('puts a failed action in its slot and keeps the others', async () => {
    const api = await startFakeApi((request) => ({
      json: {
        status: { code: 200, errorcode: 97, message: 'Error in action' },
        response: {
          results: [
            result(request.actions[0]!, [{ id: 1, type: 'calendar', elements: {} }]),
            failed(request.actions[1]!, 241, 'filter without date period'),
          ],
        },
      },
    }));
    const pages = await client(api.url).readCalendarBatch([{ datestart: '2026-11-01' }, { filter: { art: [{ op: '=', val: 'x' }] } }]);
    expect(pages[0]).toEqual({ records: [{ id: 1, type: 'calendar', elements: {} }], cntabsolute: 1 });
    const error = pages[1] as OnOfficeActionError;
    expect(error).toBeInstanceOf(OnOfficeActionError);
    expect(error).toMatchObject({ name: 'OnOfficeActionError', code: 241, action: 'read calendar' });
    expect(error.message).toContain('read calendar');
    expect(error.message).toContain('datestart and dateend');
  });

  it('reads a missing appointment as null, deletes it as done, and throws for a modify', async () => {
    const api = await startFakeApi((request) => ({
      json: {
        status: { code: 200, errorcode: 97, message: 'Error in action' },
        response: { results: [failed(request.actions[0]!, 169, 'appointment not found')] },
      },
    }));
    const onoffice = client(api.url);
    expect(await onoffice.readAppointment(407)).toBeNull();
    await onoffice.deleteAppointment(407);
    const error = await rejection(onoffice.modifyAppointment(407, { data: { note: 'n' } }));
    expect(error).toBeInstanceOf(OnOfficeActionError);
    expect(error).toMatchObject({ code: 169, action: 'modify calendar', resourceid: '407' });
    expect(error.message).toMatch(/modify calendar.*169.*does not exist/);
    expect(api.requests).toHaveLength(3);
  });
});

describe('onOffice client: authentication and clock', () => {
  it.each([
    [13, /ONOFFICE_TOKEN \/ ONOFFICE_SECRET \(token 32 chars, secret 64/],
    [137, /secret\/HMAC is wrong/],
  ])('turns root status 400 with errorcode %i into OnOfficeAuthError, without retrying', async (code, pattern) => {
    const api = await startFakeApi(() => ({
      json: { status: { code: 400, errorcode: code, message: 'not authenticated' }, response: { results: [] } },
    }));
    const error = await rejection(client(api.url).readCalendarBatch([{ datestart: '2026-11-01' }]));
    expect(error).toBeInstanceOf(OnOfficeAuthError);
    expect(error).toMatchObject({ name: 'OnOfficeAuthError', code, action: 'read calendar' });
    expect(error.message).toMatch(pattern);
    expect(error.message).not.toContain(SECRET);
    expect(api.requests).toHaveLength(1);
  });

  it('treats an auth error code on one action as a failure of the whole request', async () => {
    const api = await startFakeApi((request) => ({
      json: {
        status: { code: 200, errorcode: 97, message: 'Error in action' },
        response: { results: request.actions.map((action) => failed(action, 22, 'token invalid')) },
      },
    }));
    const error = await rejection(client(api.url).getUsers());
    expect(error).toBeInstanceOf(OnOfficeAuthError);
    expect(error).toMatchObject({ code: 22 });
  });

  it('reports clock skew with the offset measured from the server Date header', async () => {
    const serverTime = new Date(T0 + 600_000).toUTCString();
    const api = await startFakeApi(() => ({
      headers: { date: serverTime },
      json: { status: { code: 400, errorcode: 136, message: 'timestamp invalid' }, response: { results: [] } },
    }));
    const onoffice = client(api.url);
    expect(onoffice.lastClockOffsetSeconds()).toBeNull();
    const error = await rejection(onoffice.readCalendarBatch([{ modifiedstart: '2026-11-21 11:59:00' }]));
    expect(error).toBeInstanceOf(OnOfficeClockSkewError);
    expect(error).toMatchObject({ name: 'OnOfficeClockSkewError', offsetSeconds: 600 });
    expect(error.message).toMatch(/read calendar.*clock skew.*600 s behind.*timedatectl/);
    expect(onoffice.lastClockOffsetSeconds()).toBe(600);
    expect(api.requests).toHaveLength(1);
  });
});

describe('onOffice client: retries', () => {
  it('retries a 5xx with a fresh timestamp and HMAC on every attempt, then succeeds', async () => {
    const api = await startFakeApi((request, attempt) => (attempt <= 2 ? { status: 502, text: 'bad gateway' } : echo()(request, attempt)));
    const { time, now, sleep } = fakeTime();
    const pages = await client(api.url, { now, sleep }).readCalendarBatch([{ datestart: '2026-11-01' }]);
    expect(pages).toEqual([{ records: [], cntabsolute: 0 }]);
    expect(api.requests).toHaveLength(3);
    const sent = api.requests.map((r) => r.actions[0]!);
    expect(sent.map((a) => a.timestamp)).toEqual([T0 / 1000, T0 / 1000 + 1, T0 / 1000 + 2]);
    for (const action of sent) {
      expect(action.hmac).toBe(
        computeHmacV2({ secret: SECRET, token: TOKEN, timestamp: action.timestamp, resourcetype: 'calendar', actionid: ACTION_IDS.read }),
      );
    }
    expect(new Set(sent.map((a) => a.hmac)).size).toBe(3);
    expect(time.delays).toHaveLength(2);
  });

  it('gives up after `retries` more attempts with a bounded, growing backoff', async () => {
    const api = await startFakeApi(() => ({ status: 503, text: '' }));
    const { time, now, sleep } = fakeTime();
    const error = await rejection(client(api.url, { now, sleep, retries: 7, random: () => 1 }).getUsers());
    expect(error).toBeInstanceOf(OnOfficeServerError);
    expect(error).toMatchObject({ name: 'OnOfficeServerError', status: 503 });
    expect(error.message).toContain('get users');
    expect(api.requests).toHaveLength(8);
    expect(time.delays).toEqual([250, 500, 1000, 2000, 4000, 8000, 8000]);
  });

  it('jitters each delay between half and all of its ceiling', async () => {
    const api = await startFakeApi(() => ({ status: 500, text: '' }));
    const { time, now, sleep } = fakeTime();
    await rejection(client(api.url, { now, sleep, retries: 3, random: () => 0 }).getUsers());
    expect(time.delays).toEqual([125, 250, 500]);
  });

  it('retries root status 500 without an errorcode like an HTTP 5xx', async () => {
    const api = await startFakeApi((request, attempt) =>
      attempt === 1
        ? { json: { status: { code: 500, errorcode: 0, message: 'server error' }, response: { results: [] } } }
        : echo()(request, attempt),
    );
    expect(await client(api.url).getUsers()).toEqual([]);
    expect(api.requests).toHaveLength(2);
  });

  it('does not resend a create after a 5xx: it may have been created', async () => {
    const api = await startFakeApi(() => ({ status: 500, text: '' }));
    const error = await rejection(client(api.url).createAppointment({ data: { start_dt: 'x', end_dt: 'y' } }));
    expect(error).toBeInstanceOf(OnOfficeServerError);
    expect(error.message).toContain('create calendar');
    expect(api.requests).toHaveLength(1);
  });

  it('does not retry a 404 and points at the URL setting', async () => {
    const api = await startFakeApi(() => ({ status: 404, text: 'not found' }));
    const error = await rejection(client(api.url).getUsers());
    expect(error).toMatchObject({ name: 'OnOfficeServerError', status: 404 });
    expect(error.message).toContain('ONOFFICE_API_URL');
    expect(api.requests).toHaveLength(1);
  });

  it('times out a hanging request, retries it, then throws OnOfficeTimeoutError', async () => {
    const api = await startFakeApi(() => 'hang');
    const error = await rejection(client(api.url, { timeoutMs: 150, retries: 1 }).getUsers());
    expect(error).toBeInstanceOf(OnOfficeTimeoutError);
    expect(error).toMatchObject({ name: 'OnOfficeTimeoutError', timeoutMs: 150 });
    expect(api.requests).toHaveLength(2);
  });

  it('retries a refused connection, even for a create, then throws OnOfficeNetworkError', async () => {
    const api = await startFakeApi(() => 'hang');
    const closed = servers.pop()!;
    await new Promise((resolve) => closed.close(resolve));
    const { time, now, sleep } = fakeTime();
    const error = await rejection(client(api.url, { now, sleep, retries: 2 }).createAppointment({ data: {} }));
    expect(error).toBeInstanceOf(OnOfficeNetworkError);
    expect(error).toMatchObject({ name: 'OnOfficeNetworkError', causeCode: 'ECONNREFUSED' });
    expect(error.message).toContain('create calendar');
    expect(time.delays).toHaveLength(2);
  });
});

describe('onOffice client: logging', () => {
  it('logs each request at debug level under module onoffice, never the token, secret or HMAC', async () => {
    const api = await startFakeApi((request, attempt) => (attempt === 1 ? { status: 500, text: '' } : echo()(request, attempt)));
    const lines: string[] = [];
    const logger = createLogger({ level: 'trace', destination: { write: (line: string) => void lines.push(line) } });
    await client(api.url, { logger }).readCalendarBatch([{ datestart: '2026-11-01' }, { datestart: '2026-12-01' }]);
    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(entries.filter((e) => e.msg === 'onOffice request')).toEqual([
      expect.objectContaining({ module: 'onoffice', level: 'debug', actions: 'read calendar ×2', count: 2, attempt: 1, status: 500 }),
      expect.objectContaining({ module: 'onoffice', level: 'debug', actions: 'read calendar ×2', count: 2, attempt: 2, status: 200 }),
    ]);
    const captured = lines.join('');
    expect(captured).not.toContain(TOKEN);
    expect(captured).not.toContain(SECRET);
    for (const request of api.requests) for (const action of request.actions) expect(captured).not.toContain(action.hmac);
  });
});
