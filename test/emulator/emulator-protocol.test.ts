import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMULATOR_SECRET, EMULATOR_TOKEN, startEmulator, type Emulator } from '../../src/emulator/start-emulator.js';
import { ACTION, buildBody, postRaw, readCalendar, send, sendOne, signHmacV2 } from './signed-request.js';

const NOW = Date.UTC(2026, 5, 15, 12, 0, 0);
const NOW_SECONDS = NOW / 1000;

describe('emulator protocol: authentication, HMAC v2, timestamp window, envelope', () => {
  let emulator: Emulator;

  beforeAll(async () => {
    emulator = await startEmulator({ now: () => NOW });
    emulator.data.insert({ start_dt: '2026-06-20 10:00:00', end_dt: '2026-06-20 11:00:00', description: 'Eins', user_ids: [53] });
  });
  afterAll(() => emulator.close());

  it('listens on a loopback port under the stable API path with the demo credentials', () => {
    expect(emulator.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/stable\/api\.php$/);
    expect(emulator.token).toBe(EMULATOR_TOKEN);
    expect(emulator.secret).toBe(EMULATOR_SECRET);
    expect(EMULATOR_TOKEN).toHaveLength(32);
    expect(EMULATOR_SECRET).toHaveLength(64);
  });

  it('answers a well-signed request with root status 200/0 and the docs envelope', async () => {
    const answer = await send(emulator, [readCalendar({ allusers: true })], { timestamp: NOW_SECONDS });
    expect(answer.status).toEqual({ code: 200, errorcode: 0, message: 'OK' });
    const result = answer.response.results[0];
    expect(result).toMatchObject({
      actionid: ACTION.read,
      resourceid: '',
      resourcetype: 'calendar',
      cacheable: true,
      identifier: '',
      data: { meta: { cntabsolute: 1 } },
      status: { errorcode: 0, message: 'OK' },
    });
    expect(result?.data.records[0]).toMatchObject({ type: 'calendar', elements: { description: 'Eins' } });
  });

  it('rejects an unknown or missing token with root 400/13 and no results', async () => {
    const wrong = await send(emulator, [readCalendar({ allusers: true })], { timestamp: NOW_SECONDS, token: 'x'.repeat(32) });
    expect(wrong.status).toEqual({ code: 400, errorcode: 13, message: 'not authenticated' });
    expect(wrong.response.results).toEqual([]);
    const body = JSON.parse(buildBody(emulator, [readCalendar({})], { timestamp: NOW_SECONDS })) as Record<string, unknown>;
    delete body.token;
    const missing = (await (await postRaw(emulator, JSON.stringify(body))).json()) as { status: unknown };
    expect(missing.status).toEqual({ code: 400, errorcode: 13, message: 'not authenticated' });
  });

  it('rejects a wrong HMAC, a HMAC made with another secret and a missing hmac_version with 137', async () => {
    const expected = { code: 400, errorcode: 137, message: 'HMAC invalid' };
    const garbage = await send(emulator, [readCalendar({ allusers: true })], { timestamp: NOW_SECONDS, hmac: 'bm90IGEgaG1hYw==' });
    expect(garbage.status).toEqual(expected);
    expect(garbage.response.results).toEqual([]);
    const otherSecret = await send(emulator, [readCalendar({ allusers: true })], { timestamp: NOW_SECONDS, secret: 'y'.repeat(64) });
    expect(otherSecret.status).toEqual(expected);
    const noVersion = await send(emulator, [readCalendar({ allusers: true })], { timestamp: NOW_SECONDS, hmacVersion: null });
    expect(noVersion.status).toEqual(expected);
  });

  it('checks the HMAC over timestamp + token + resourcetype + actionid, per action', async () => {
    const good = signHmacV2(emulator.secret, NOW_SECONDS, emulator.token, 'calendar', ACTION.read);
    const swapped = signHmacV2(emulator.secret, NOW_SECONDS, emulator.token, ACTION.read, 'calendar');
    expect(good).not.toBe(swapped);
    const body = JSON.parse(buildBody(emulator, [readCalendar({ allusers: true }), readCalendar({ allusers: true })], { timestamp: NOW_SECONDS }));
    body.request.actions[1].hmac = swapped;
    const answer = (await (await postRaw(emulator, JSON.stringify(body))).json()) as { status: { errorcode: number } };
    expect(answer.status.errorcode).toBe(137);
  });

  it('accepts a timestamp 119 s off either way and answers 136 at 121 s', async () => {
    for (const offset of [-119, 119, 120, -120]) {
      const ok = await send(emulator, [readCalendar({ allusers: true })], { timestamp: NOW_SECONDS + offset });
      expect(ok.status.errorcode, `offset ${offset}`).toBe(0);
    }
    for (const offset of [-121, 121, 3600]) {
      const late = await send(emulator, [readCalendar({ allusers: true })], { timestamp: NOW_SECONDS + offset });
      expect(late.status, `offset ${offset}`).toEqual({ code: 400, errorcode: 136, message: 'timestamp invalid' });
      expect(late.response.results).toEqual([]);
    }
  });

  it('sends a Date header from the emulator clock', async () => {
    const response = await postRaw(emulator, buildBody(emulator, [readCalendar({ allusers: true })], { timestamp: NOW_SECONDS }));
    expect(Date.parse(response.headers.get('date') ?? '')).toBe(NOW);
  });

  it('runs batched actions in order and echoes each identifier; an action error sets root 97', async () => {
    const answer = await send(
      emulator,
      [
        { ...readCalendar({ allusers: true }), identifier: 'first' },
        { ...readCalendar({}, '999999'), identifier: 'second' },
        { actionid: ACTION.get, resourcetype: 'users', identifier: 'third' },
        { actionid: ACTION.get, resourcetype: 'estateCategories', identifier: 'fourth' },
      ],
      { timestamp: NOW_SECONDS },
    );
    expect(answer.status).toEqual({ code: 200, errorcode: 97, message: 'Error in action' });
    expect(answer.response.results.map((result) => result.identifier)).toEqual(['first', 'second', 'third', 'fourth']);
    expect(answer.response.results.map((result) => result.status.errorcode)).toEqual([0, 169, 0, 31]);
    expect(answer.response.results[1]?.resourceid).toBe('999999');
    expect(answer.response.results[3]?.status.message).toMatch(/unknown action/);
    expect(answer.response.results[2]?.cacheable).toBe(true);
  });

  it('answers an unknown verb as action error 31', async () => {
    const result = await sendOne(emulator, { actionid: 'urn:onoffice-de-ns:smart:2.5:smartml:action:frobnicate', resourcetype: 'calendar' }, { timestamp: NOW_SECONDS });
    expect(result.status.errorcode).toBe(31);
  });

  it('accepts the PHP-style empty parameters array', async () => {
    const result = await sendOne(emulator, { ...readCalendar({}, '1'), parameters: [] }, { timestamp: NOW_SECONDS });
    expect(result.status.errorcode).toBe(0);
    expect(result.data.records[0]?.id).toBe(1);
  });

  it('answers invalid JSON and a wrong structure with a root error (HTTP 200)', async () => {
    const broken = await postRaw(emulator, '{"token": ');
    expect(broken.status).toBe(200);
    expect(((await broken.json()) as { status: { errorcode: number } }).status).toMatchObject({ code: 500, errorcode: 21 });
    const noActions = await postRaw(emulator, JSON.stringify({ token: emulator.token, request: {} }));
    expect(((await noActions.json()) as { status: { message: string } }).status.message).toMatch(/request\.actions/);
  });

  it('serves only POST on the API path', async () => {
    const get = await fetch(emulator.url);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    const other = await fetch(emulator.url.replace('/api/stable/api.php', '/elsewhere'), { method: 'POST', body: '{}' });
    expect(other.status).toBe(404);
  });
});
