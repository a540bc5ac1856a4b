import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/start-emulator.js';
import { ACTION, buildBody, postRaw, readCalendar, send } from './signed-request.js';

describe('emulator fault injection and request log', () => {
  let emulator: Emulator;

  beforeAll(async () => {
    emulator = await startEmulator({ seed: 3 });
    emulator.data.insert({ start_dt: '2026-06-20 10:00:00', end_dt: '2026-06-20 11:00:00', user_ids: [53] });
  });
  afterAll(() => emulator.close());
  beforeEach(() => {
    emulator.faults.reset();
    emulator.log.reset();
  });

  const post = () => postRaw(emulator, buildBody(emulator, [readCalendar({ allusers: true })]));

  it('answers queued HTTP statuses first, then normally again', async () => {
    emulator.faults.queueHttpStatus(503, 2);
    emulator.faults.queueHttpStatus(502);
    expect(emulator.faults.pendingHttpStatuses).toBe(3);
    expect((await post()).status).toBe(503);
    expect((await post()).status).toBe(503);
    const bad = await post();
    expect(bad.status).toBe(502);
    expect(await bad.text()).toMatch(/emulator fault/);
    expect((await post()).status).toBe(200);
    expect(emulator.log.httpRequests).toBe(4);
    expect(emulator.log.actions).toBe(1);
  });

  it('answers about http500Rate of the requests with HTTP 500, and all with rate 1', async () => {
    emulator.faults.http500Rate = 0.5;
    const statuses = [];
    for (let i = 0; i < 40; i += 1) statuses.push((await post()).status);
    const failed = statuses.filter((status) => status === 500).length;
    expect(failed).toBeGreaterThan(8);
    expect(failed).toBeLessThan(32);
    expect(statuses.filter((status) => status !== 500 && status !== 200)).toEqual([]);
    emulator.faults.http500Rate = 1;
    expect((await post()).status).toBe(500);
  });

  it('truncates the JSON at malformedJsonRate 1, after the actions ran', async () => {
    emulator.faults.malformedJsonRate = 1;
    const body = JSON.stringify({ data: { start_dt: '2026-06-21 10:00:00', end_dt: '2026-06-21 11:00:00' } });
    const before = emulator.data.size;
    const response = await postRaw(emulator, buildBody(emulator, [{ actionid: ACTION.create, resourcetype: 'calendar', parameters: JSON.parse(body) }]));
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(() => JSON.parse(text)).toThrow();
    expect(emulator.data.size).toBe(before + 1);
  });

  it('answers the next N actions with a queued action error instead of running them', async () => {
    emulator.faults.queueActionErrors(500, 'simulated server error in action', 2);
    const answer = await send(emulator, [readCalendar({ allusers: true }), readCalendar({ allusers: true }), readCalendar({ allusers: true })]);
    expect(answer.status).toEqual({ code: 200, errorcode: 97, message: 'Error in action' });
    expect(answer.response.results.map((result) => result.status.errorcode)).toEqual([500, 500, 0]);
    expect(answer.response.results[0]?.status.message).toBe('simulated server error in action');
    expect(emulator.faults.pendingActionErrors).toBe(0);
    expect((await send(emulator, [readCalendar({ allusers: true })])).status.errorcode).toBe(0);
  });

  it('shifts the clock for the timestamp window and the Date header', async () => {
    emulator.faults.clockOffsetSeconds = 300;
    const skewed = await send(emulator, [readCalendar({ allusers: true })]);
    expect(skewed.status.errorcode).toBe(136);
    const ahead = await send(emulator, [readCalendar({ allusers: true })], { timestamp: Math.floor(Date.now() / 1000) + 300 });
    expect(ahead.status.errorcode).toBe(0);
    const response = await post();
    const skew = Date.parse(response.headers.get('date') ?? '') - Date.now();
    expect(skew).toBeGreaterThan(290_000);
    expect(skew).toBeLessThan(310_000);
  });

  it('delays answers by latencyMs: a slow request is overtaken by a later fast one', async () => {
    emulator.faults.latencyMs = 400;
    const order: string[] = [];
    const slow = post().then(() => order.push('slow'));
    await vi.waitFor(() => expect(emulator.log.httpRequests).toBe(1));
    emulator.faults.latencyMs = 0;
    await post().then(() => order.push('fast'));
    await slow;
    expect(order).toEqual(['fast', 'slow']);
  });

  it('counts requests and actions by verb and resourcetype, keeping their parameters', async () => {
    await send(emulator, [readCalendar({ allusers: true }), { actionid: ACTION.get, resourcetype: 'users', identifier: 'u' }]);
    await send(emulator, [readCalendar({ datestart: '2026-01-01', dateend: '2026-12-31', allusers: true })]);
    await send(emulator, [readCalendar({})], { token: 'wrong'.padEnd(32, '0') });
    expect(emulator.log.httpRequests).toBe(3);
    expect(emulator.log.actions).toBe(3);
    expect(emulator.log.count('read:calendar')).toBe(2);
    expect(emulator.log.count('get:users')).toBe(1);
    expect(emulator.log.received.map((action) => action.parameters)).toEqual([
      { allusers: true },
      {},
      { datestart: '2026-01-01', dateend: '2026-12-31', allusers: true },
    ]);
    expect(JSON.stringify(emulator.log.received)).not.toContain(emulator.token);
    emulator.log.reset();
    expect(emulator.log.actions).toBe(0);
    expect(emulator.log.received).toEqual([]);
  });
});
