import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CalendarRef } from '../../src/caldav/calendar-target.js';
import { createCaldavTarget } from '../../src/caldav/caldav-target.js';
import { startRadicale, type RunningAuthServer } from '../support/caldav-servers.js';
import { renderTestEvent } from './render-test-event.js';

/** A fetch that notes each request's method and lets a test wait for the n-th answer, read whole. */
function createCountingFetch() {
  const methods: string[] = [];
  const waiting: Array<{ count: number; resolve: () => void }> = [];
  let answered = 0;
  const countingFetch: typeof fetch = async (input, init) => {
    methods.push(init?.method ?? 'GET');
    const response = await fetch(input, init);
    const body = await response.arrayBuffer();
    answered += 1;
    for (const waiter of waiting.filter((entry) => entry.count <= answered)) waiter.resolve();
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
  /** Resolves once `count` answers are in; fails after 20 s so a missing request cannot hang the test. */
  const answers = (count: number): Promise<void> =>
    answered >= count
      ? Promise.resolve()
      : new Promise((resolve, reject) => {
          const guard = setTimeout(() => reject(new Error(`only ${answered} of ${count} answers came`)), 20_000);
          waiting.push({ count, resolve: () => (clearTimeout(guard), resolve()) });
        });
  return { countingFetch, methods, answers };
}

describe('reading a calendar ahead (prefetchChanges) against Radicale', () => {
  let server: RunningAuthServer;
  let calendar: CalendarRef;
  let token: string | null;
  const writer = () => createCaldavTarget({ url: server.url, username: server.username, password: server.password });

  beforeAll(async () => {
    server = await startRadicale();
    calendar = await writer().ensureCalendar({ path: 'ahead', displayName: 'Ahead' });
    await writer().createObject(calendar, 'first.ics', renderTestEvent('first@test'));
    token = (await writer().fetchChanges(calendar, null)).syncToken;
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('answers the confirmation and the changes from the early reads (one PROPFIND, one REPORT), and a change after them is seen from the token they returned', async () => {
    const { countingFetch, methods, answers } = createCountingFetch();
    const target = createCaldavTarget({ url: server.url, username: server.username, password: server.password, fetch: countingFetch });
    target.prefetchChanges!(calendar.url, token);
    await answers(2);
    await writer().createObject(calendar, 'later.ics', renderTestEvent('later@test'));

    expect(await target.confirmCalendar!(calendar.url)).toMatchObject({ ctag: expect.any(String) });
    const early = await target.fetchChanges(calendar, token);
    expect(early.changed).toEqual([]);
    // The REPORT follows the PROPFIND's answer: a getctag stored with the token was read before the changes.
    expect(methods).toEqual(['PROPFIND', 'REPORT']);

    const next = await target.fetchChanges(calendar, early.syncToken);
    expect(next.changed.map((object) => object.href)).toEqual([`${calendar.url}later.ics`]);
    expect(methods.slice(2)).toEqual(['REPORT']);
    token = next.syncToken;
  });

  it('reads again when the run asks from another token, and takes each early answer only once', async () => {
    const { countingFetch, methods, answers } = createCountingFetch();
    const target = createCaldavTarget({ url: server.url, username: server.username, password: server.password, fetch: countingFetch });
    target.prefetchChanges!(calendar.url, token);
    await answers(2);
    expect(await target.confirmCalendar!(calendar.url)).not.toBeNull();
    expect(await target.confirmCalendar!(calendar.url)).not.toBeNull();
    const full = await target.fetchChanges(calendar, null);
    expect(full.complete).toBe(true);
    expect(full.changed.map((object) => object.href).sort()).toEqual([`${calendar.url}first.ics`, `${calendar.url}later.ics`]);
    expect([...methods.slice(0, 2)].sort()).toEqual(['PROPFIND', 'REPORT']);
    expect(methods.slice(2)).toEqual(['PROPFIND', 'REPORT']);
  });

  it('answers a calendar that is not there as missing, and sends no REPORT to it with a token or without', async () => {
    const { countingFetch, methods, answers } = createCountingFetch();
    const target = createCaldavTarget({ url: server.url, username: server.username, password: server.password, fetch: countingFetch });
    const gone = `${server.calendarHomeUrl}never-made/`;
    target.prefetchChanges!(gone, null);
    await answers(1);
    expect(await target.confirmCalendar!(gone)).toBeNull();
    expect(methods).toEqual(['PROPFIND']);

    const alsoGone = `${server.calendarHomeUrl}also-never-made/`;
    target.prefetchChanges!(alsoGone, token);
    await answers(2);
    expect(await target.confirmCalendar!(alsoGone)).toBeNull();
    // The early REPORT waits for the PROPFIND, which found nothing: it never goes out.
    expect(methods.slice(1)).toEqual(['PROPFIND']);
  });

  it('sends no REPORT when the getctag is the trusted one, and reads the changes when it moved', async () => {
    const reader = writer();
    const current = (await reader.confirmCalendar!(calendar.url))!.ctag!;
    const { countingFetch, methods, answers } = createCountingFetch();
    const target = createCaldavTarget({ url: server.url, username: server.username, password: server.password, fetch: countingFetch });
    target.prefetchChanges!(calendar.url, token, current);
    await answers(1);
    expect(await target.confirmCalendar!(calendar.url)).toMatchObject({ ctag: current });
    expect(methods).toEqual(['PROPFIND']);

    await writer().createObject(calendar, 'moved.ics', renderTestEvent('moved@test'));
    const again = createCountingFetch();
    const next = createCaldavTarget({ url: server.url, username: server.username, password: server.password, fetch: again.countingFetch });
    next.prefetchChanges!(calendar.url, token, current);
    await again.answers(2);
    const confirmed = await next.confirmCalendar!(calendar.url);
    expect(confirmed?.ctag).not.toBe(current);
    const changes = await next.fetchChanges(calendar, token);
    expect(changes.changed.map((object) => object.href)).toContain(`${calendar.url}moved.ics`);
    expect(again.methods).toEqual(['PROPFIND', 'REPORT']);
  });

  it('looks a calendar up ahead (prefetchCalendar) without creating it; ensureCalendar takes the lookup up once', async () => {
    // The requests of finding and creating a calendar without a lookup ahead: discovery, PROPFIND, MKCALENDAR, PROPFIND.
    const plain = createCountingFetch();
    await createCaldavTarget({ url: server.url, username: server.username, password: server.password, fetch: plain.countingFetch }).ensureCalendar({ path: 'plain-new', displayName: 'New' });
    const lookUp = plain.methods.indexOf('MKCALENDAR');
    expect(lookUp).toBeGreaterThan(0);

    const { countingFetch, methods, answers } = createCountingFetch();
    const target = createCaldavTarget({ url: server.url, username: server.username, password: server.password, fetch: countingFetch });
    target.prefetchCalendar!({ path: 'ahead-new', displayName: 'New' });
    await answers(lookUp);
    expect(methods).toEqual(plain.methods.slice(0, lookUp));
    // Nothing was made ahead: the calendar is still missing.
    expect((await writer().findCalendar({ path: 'ahead-new', displayName: 'New' })).calendar).toBeNull();
    const made = await target.ensureCalendar({ path: 'ahead-new', displayName: 'New' });
    expect(made).toMatchObject({ url: `${server.calendarHomeUrl}ahead-new/`, created: true });
    expect(methods.slice(lookUp)).toEqual(plain.methods.slice(lookUp));

    // A calendar that is there is answered from the lookup, with the time its answer came.
    const before = Date.now();
    target.prefetchCalendar!({ path: 'ahead', displayName: 'Ahead' });
    await answers(methods.length + 1);
    const asked = methods.length;
    const found = await target.ensureCalendar({ path: 'ahead', displayName: 'Ahead' });
    expect(found).toMatchObject({ url: calendar.url, ctagReadAt: expect.any(Number) });
    expect(found.ctagReadAt!).toBeGreaterThanOrEqual(before);
    expect(methods.length).toBe(asked);
    // Taken up once: the next lookup asks again.
    await target.findCalendar({ path: 'ahead', displayName: 'Ahead' });
    expect(methods.slice(asked)).toEqual(['PROPFIND']);
  });
});
