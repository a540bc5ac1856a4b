import { describe, expect, it } from 'vitest';
import { openStateStore } from '../../src/store/open-state-store.js';
import { createCaldavStateRepository } from '../../src/store/caldav-state-repository.js';
import { readCalendarEvents, syncOnce, useRadicaleSync } from '../support/sync-fixture.js';

/**
 * The first backfill into an empty Radicale calendar is one PUT on the calendar (after the probe PUT
 * that asks whether it takes one, and with the listing and the PROPPATCH that sets the colour again);
 * every object is there once under its UID, and a later change updates its object in place.
 */
describe('seeding an empty Radicale calendar', () => {
  const sync = useRadicaleSync({ count: 120, seed: 31, prefix: 'oos-seed-radicale-' });

  const calendarUrl = (): string => `${sync.radicale.url}${sync.radicale.username}/${sync.config.caldav[0]!.calendar}/`;
  const count = (requests: Array<{ method: string; url: string }>, method: string, collection: boolean): number =>
    requests.filter((request) => request.method === method && (request.url === calendarUrl()) === collection).length;

  it('backfills with one PUT on the collection, then updates in place', async () => {
    const first = await syncOnce(sync.config);
    expect(first.summary.failed).toEqual([]);
    // The probe (an If-Match that cannot match: 412, nothing written) and the seed.
    expect(count(first.caldavRequests, 'PUT', true)).toBe(2);
    expect(count(first.caldavRequests, 'PUT', false)).toBe(0);
    expect(count(first.caldavRequests, 'PROPPATCH', true)).toBe(1);

    const events = await readCalendarEvents(sync.config);
    const uids = events.filter((entry) => entry.event.recurrenceid === undefined).map((entry) => String(entry.event.uid));
    expect(new Set(uids).size).toBe(uids.length);
    const objects = new Set(events.map((entry) => entry.href));
    expect(objects.size).toBeGreaterThan(100);
    for (const entry of events) expect(decodeURIComponent(entry.href)).toBe(`${calendarUrl()}${String(entry.event.uid)}.ics`);

    // The replace kept the name (X-WR-CALNAME); the colour and the component set were set again.
    const response = await fetch(calendarUrl(), {
      method: 'PROPFIND',
      headers: { Depth: '0', 'Content-Type': 'application/xml', Authorization: `Basic ${Buffer.from(`${sync.radicale.username}:${sync.radicale.password}`).toString('base64')}` },
      body: '<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav" xmlns:a="http://apple.com/ns/ical/"><d:prop><d:displayname/><a:calendar-color/><c:supported-calendar-component-set/></d:prop></d:propfind>',
    });
    const props = await response.text();

    // The getctag read after the seed is stored with its token: the next idle runs settle it (and then
    // ask nothing) as after any push, instead of starting from no getctag at all.
    const getctag = await fetch(calendarUrl(), {
      method: 'PROPFIND',
      headers: { Depth: '0', 'Content-Type': 'application/xml', Authorization: `Basic ${Buffer.from(`${sync.radicale.username}:${sync.radicale.password}`).toString('base64')}` },
      body: '<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:cs="http://calendarserver.org/ns/"><d:prop><cs:getctag/></d:prop></d:propfind>',
    });
    const ctag = /<[^>]*getctag[^>]*>([^<]+)</.exec(await getctag.text())?.[1];
    expect(ctag).toBeTruthy();
    const store = openStateStore(sync.config.stateDb);
    try {
      const row = createCaldavStateRepository(store.db).readCalendar(`${sync.config.caldav[0]!.name}:${sync.config.caldav[0]!.calendar}`)!;
      expect(row.syncToken).not.toBeNull();
      expect(row.ctag?.value).toBe(ctag);
    } finally {
      store.close();
    }
    expect(props).toContain(`>${sync.config.caldav[0]!.displayName}<`);
    expect(props).toContain(sync.config.caldav[0]!.color.toUpperCase());
    expect(props).toMatch(/comp name="VEVENT"/);
    expect(props).not.toMatch(/VTODO/);

    const id = sync.emulator.data.list().map((record) => record.id).sort((a, b) => a - b)[5]!;
    sync.emulator.data.update(id, { description: 'Changed after the seed.' });
    const second = await syncOnce(sync.config);
    expect(second.summary.failed).toEqual([]);
    expect(count(second.caldavRequests, 'PUT', true)).toBe(0);
    const puts = second.caldavRequests.filter((request) => request.method === 'PUT');
    expect(puts.length).toBeGreaterThanOrEqual(1);
    for (const put of puts) expect(objects.has(put.url)).toBe(true);
    expect(second.caldavRequests.some((request) => request.method === 'REPORT')).toBe(true);
    const after = await readCalendarEvents(sync.config);
    expect(new Set(after.map((entry) => entry.href))).toEqual(objects);
    expect(after.filter((entry) => entry.ics.includes('Changed after the seed.')).length).toBeGreaterThanOrEqual(1);
  });
});
