import { DateTime } from 'luxon';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import type { Config } from '../../src/config/config-schema.js';
import { createFeedTokenRepository } from '../../src/feed/feed-token-repository.js';
import { openStateStore } from '../../src/store/open-state-store.js';
import { startFeedServer } from '../../src/feed/start-feed-server.js';
import { warmFeedCache } from '../../src/feed/warm-feed-cache.js';
import { createFeedCache } from '../../src/feed/create-feed-cache.js';
import { planFeedWindow } from '../../src/feed/select-feed-appointments.js';
import { FEED_ZONE, generateFeedRecords } from './generate-feed-records.js';
import { createCapturedLogger, openTempStore, storeRecords, type TempStore } from './feed-test-store.js';

const NOW = DateTime.fromISO('2026-03-15T09:00:00Z');
let clock = NOW.toJSDate();
const now = (): Date => clock;

let temp: TempStore;
let token: string;

function createConfig(overrides: { feed?: Record<string, unknown>; ical?: Record<string, unknown>; timezone?: string } = {}): Config {
  return parseConfig({
    onoffice: { token: 't', secret: 's' },
    timezone: overrides.timezone ?? FEED_ZONE,
    stateDb: ':memory:',
    ical: overrides.ical ?? {},
    feeds: [{ name: 'team', privateAppointments: 'busy', pastDays: 60, futureDays: 200, ...overrides.feed }],
  });
}

interface Served {
  readonly etag: string;
  readonly body: string;
  /** The handler's 'feed rendered' line: how many records it parsed and events it rendered. */
  readonly render: { parsed: number; rendered: number } | undefined;
  /** How many stored appointments the handler reported as no longer parsing. */
  readonly skipped: unknown;
}

/** One GET from a new server (a restart) over the same state db. */
async function serveFresh(config: Config): Promise<Served> {
  const captured = createCapturedLogger();
  const server = await startFeedServer({ store: temp.store, config, logger: captured.logger, now, host: '127.0.0.1', port: 0 });
  try {
    const response = await fetch(`${server.url}/feeds/team.ics?token=${token}`, { headers: { 'Accept-Encoding': 'identity' } });
    expect(response.status).toBe(200);
    const line = captured.lines.find((entry) => entry.msg === 'feed rendered');
    return {
      etag: response.headers.get('etag')!,
      body: await response.text(),
      render: line && { parsed: line.parsed as number, rendered: line.rendered as number },
      skipped: captured.lines.find((entry) => entry.msg === 'stored appointments that no longer parse were left out of the feeds')?.skipped,
    };
  } finally {
    await server.close();
  }
}

const eventsIn = (body: string): number => body.match(/^BEGIN:VEVENT\r$/gm)?.length ?? 0;
const cachedRows = (): number => (temp.store.db.prepare('SELECT COUNT(*) AS n FROM feed_events').get() as { n: number }).n;

function changeOne(id: number, description: string): void {
  const record = generateFeedRecords(400, NOW).find((candidate) => candidate.id === id)!;
  record.elements.description = description;
  record.elements.modified = NOW.toUTC().minus({ minutes: 1 }).toFormat('yyyy-MM-dd HH:mm:ss');
  storeRecords(temp.store, [record]);
}

/** An appointment of the generated set that every 'team' feed here shows in full. */
function shownInFull(): number {
  const day = NOW.setZone(FEED_ZONE).startOf('day');
  return generateFeedRecords(400, NOW).find((record) => {
    const start = DateTime.fromFormat(String(record.elements.start_dt), 'yyyy-MM-dd HH:mm:ss', { zone: FEED_ZONE });
    return record.elements.private === '0' && record.elements.abgesagt === false && !record.elements.rp_flag && start > day && start < day.plus({ days: 30 });
  })!.id as number;
}

beforeEach(() => {
  clock = NOW.toJSDate();
  temp = openTempStore(now);
  storeRecords(temp.store, generateFeedRecords(400, NOW));
  token = createFeedTokenRepository(temp.store.db, now).create('team');
});

afterEach(() => {
  temp.dispose();
});

describe('the feed cache in the state db', () => {
  it('lets a restarted server serve the identical body without parsing or rendering anything', async () => {
    const config = createConfig();
    const first = await serveFresh(config);
    expect(first.render!.rendered).toBe(eventsIn(first.body));
    expect(first.render!.rendered).toBeGreaterThan(100);
    expect(cachedRows()).toBe(first.render!.rendered);

    const restarted = await serveFresh(config);
    expect(restarted.render).toEqual({ parsed: 0, rendered: 0 });
    expect(restarted.etag).toBe(first.etag);
    expect(restarted.body).toBe(first.body);
  });

  it('parses and renders a changed appointment again and nothing else, in this process or the next', async () => {
    const config = createConfig();
    const captured = createCapturedLogger();
    const server = await startFeedServer({ store: temp.store, config, logger: captured.logger, now, host: '127.0.0.1', port: 0 });
    const renders = (): Array<Record<string, unknown>> => captured.lines.filter((line) => line.msg === 'feed rendered');
    try {
      const get = async (): Promise<string> => (await fetch(`${server.url}/feeds/team.ics?token=${token}`)).text();
      await get();
      const id = shownInFull();
      changeOne(id, 'Geändert im Prozess');
      const changed = await get();
      expect(changed).toContain('SUMMARY:Geändert im Prozess');
      expect(renders().at(-1)).toMatchObject({ parsed: 1, rendered: 1 });

      changeOne(id, 'Geändert vor dem Neustart');
      const restarted = await serveFresh(config);
      expect(restarted.render).toEqual({ parsed: 1, rendered: 1 });
      expect(restarted.body).toContain('SUMMARY:Geändert vor dem Neustart');
      // The first server learns the change from the rows the second one wrote.
      expect(await get()).toBe(restarted.body);
      expect(renders().at(-1)).toMatchObject({ parsed: 0, rendered: 0 });
    } finally {
      await server.close();
    }
  });

  it('hands the write of what a read learnt to deferWrite, so the answer need not wait for the rows', () => {
    const config = createConfig();
    const pending: Array<() => void> = [];
    const cache = createFeedCache(temp.store.db, config, { deferWrite: (write) => pending.push(write) });
    const feed = config.feeds[0]!;
    const window = planFeedWindow(NOW, config.timezone, feed);
    const first = cache.read(feed, window);
    expect(first.rendered).toBeGreaterThan(100);
    expect(cachedRows()).toBe(0);
    // A read before the write finds nothing stored, renders again and answers the same.
    const early = cache.read(feed, window);
    expect(early.rendered).toBe(first.rendered);
    expect(pending).toHaveLength(2);
    for (const write of pending.splice(0)) write();
    expect(cachedRows()).toBe(first.rendered);

    const warm = cache.read(feed, window);
    expect(warm).toMatchObject({ parsed: 0, rendered: 0 });
    expect(pending).toHaveLength(0);
    expect(Buffer.concat(warm.events.map((event) => event.body))).toEqual(Buffer.concat(first.events.map((event) => event.body)));
  });

  it('builds the same body from incrementally updated rows as from an empty cache', async () => {
    const config = createConfig();
    await serveFresh(config);
    changeOne(shownInFull(), 'Erste Änderung');
    const second = generateFeedRecords(400, NOW)[7]!;
    second.elements.private = second.elements.private === '1' ? '0' : '1';
    storeRecords(temp.store, [second]);
    temp.store.appointments.markDeleted([1003, 1004]);
    const incremental = await serveFresh(config);
    expect(incremental.render!.rendered).toBeLessThanOrEqual(2);

    temp.store.db.exec('DELETE FROM feed_cache_state; DELETE FROM feed_appointments; DELETE FROM feed_events; DELETE FROM feed_bodies');
    const rebuilt = await serveFresh(config);
    expect(rebuilt.render!.rendered).toBe(eventsIn(rebuilt.body));
    expect(rebuilt.body).toBe(incremental.body);
  });

  it('renders every event again when a render option changes, and keeps each privacy variant apart', async () => {
    const first = await serveFresh(createConfig());
    const otherDomain = await serveFresh(createConfig({ ical: { uidDomain: 'cal.example.com' } }));
    expect(otherDomain.render!.rendered).toBe(eventsIn(otherDomain.body));
    expect(otherDomain.body).toContain('@cal.example.com\r\n');
    expect(otherDomain.body).not.toContain('@onoffice-sync\r\n');

    // busy-only needs the 'busy' variant of every appointment; most exist only in 'full' so far.
    const busy = await serveFresh(createConfig({ feed: { privacy: 'busy-only' } }));
    expect(busy.render!.rendered).toBeGreaterThan(eventsIn(busy.body) / 2);
    expect(busy.body).not.toMatch(/^SUMMARY:(?!Busy\r$)/m);
    const busyAgain = await serveFresh(createConfig({ feed: { privacy: 'busy-only' } }));
    expect(busyAgain.render).toEqual({ parsed: 0, rendered: 0 });

    // Back to the first options: the uidDomain change replaced the 'full' rows, so they are rendered again.
    const back = await serveFresh(createConfig());
    expect(back.body).toBe(first.body);
    expect(back.render!.rendered).toBeGreaterThan(0);
    expect(back.render!.parsed).toBe(back.render!.rendered);
  });

  it('reads every record again in another zone', async () => {
    await serveFresh(createConfig());
    const elsewhere = await serveFresh(createConfig({ timezone: 'America/New_York' }));
    expect(elsewhere.render!.parsed).toBe(400);
    expect(elsewhere.render!.rendered).toBe(eventsIn(elsewhere.body));
    expect(elsewhere.body).toContain('X-WR-TIMEZONE:America/New_York\r\n');
    expect(elsewhere.body).not.toContain(FEED_ZONE);
  });

  it('leaves out and counts records that no longer parse in the configured zone, from the cache as well', async () => {
    // Fine in Berlin; in New York 02:30 falls into the spring gap and moves to 03:30, after the end.
    const record = generateFeedRecords(1, NOW, 3)[0]!;
    Object.assign(record, { id: 5000 });
    Object.assign(record.elements, { start_dt: '2026-03-08 02:30:00', end_dt: '2026-03-08 03:10:00', rp_flag: false, ganztags: false, abgesagt: false });
    storeRecords(temp.store, [record]);
    const config = createConfig({ timezone: 'America/New_York' });
    const first = await serveFresh(config);
    expect(first.skipped).toBe(1);
    expect(first.body).not.toContain('onoffice-5000@');
    const restarted = await serveFresh(config);
    expect(restarted.render).toEqual({ parsed: 0, rendered: 0 });
    expect(restarted.skipped).toBe(1);
    expect(restarted.body).toBe(first.body);
  });

  it('rebuilds itself when the appointments were changed behind change_seq', async () => {
    const config = createConfig();
    const first = await serveFresh(config);
    const id = shownInFull();
    // An edit that bypassed the store: the row's change_seq no longer matches what the cache saw.
    temp.store.db.prepare('UPDATE appointments SET change_seq = 0 WHERE id = ?').run(id);
    temp.store.db.prepare('DELETE FROM feed_events WHERE id = ?').run(id);
    // The stored body is keyed by the store's change_seq, which such an edit does not move: it goes too, so the rows are read.
    temp.store.db.exec('DELETE FROM feed_bodies');
    const repaired = await serveFresh(config);
    expect(repaired.render!.parsed).toBe(400);
    expect(repaired.body).toBe(first.body);
    expect((await serveFresh(config)).render).toEqual({ parsed: 0, rendered: 0 });
  });

  it('renders only the series again when the day moves on in expand mode', async () => {
    const config = createConfig({ ical: { recurrence: 'expand' } });
    const first = await serveFresh(config);
    const withoutZone = (body: string): string => body.replace(/BEGIN:VTIMEZONE[\s\S]*END:VTIMEZONE\r\n/, '');
    expect(withoutZone(first.body)).not.toMatch(/^RRULE:/m);
    clock = NOW.plus({ days: 1 }).toJSDate();
    const nextDay = await serveFresh(config);
    const series = new Set(nextDay.body.match(/^X-ONOFFICE-ID:\d+(?=\r\nX-ONOFFICE-OCCURRENCE)/gm));
    expect(series.size).toBeGreaterThan(5);
    expect(nextDay.render!.rendered).toBeGreaterThanOrEqual(series.size);
    expect(nextDay.render!.rendered).toBeLessThan(eventsIn(first.body) / 4);
  });

  it('shares the rows between processes: what the sync warms, the server uses, and the other way round', async () => {
    const config = createConfig();
    const sync = openStateStore(temp.path, { now });
    try {
      const captured = createCapturedLogger();
      const server = await startFeedServer({ store: temp.store, config, logger: captured.logger, now, host: '127.0.0.1', port: 0 });
      const get = async (): Promise<string> => (await fetch(`${server.url}/feeds/team.ics?token=${token}`)).text();
      const lastRender = (): Record<string, unknown> | undefined => captured.lines.filter((line) => line.msg === 'feed rendered').at(-1);
      try {
        await get();
        const id = shownInFull();
        const record = generateFeedRecords(400, NOW).find((candidate) => candidate.id === id)!;
        record.elements.description = 'Vom Sync';
        storeRecords(sync, [record]);
        expect(warmFeedCache(sync, config, now)).toEqual({ parsed: 1, rendered: 1 });
        expect(await get()).toContain('SUMMARY:Vom Sync');
        expect(lastRender()).toMatchObject({ parsed: 0, rendered: 0 });

        record.elements.description = 'Vom Sync, ungewärmt';
        storeRecords(sync, [record]);
        expect(await get()).toContain('SUMMARY:Vom Sync\\, ungewärmt');
        expect(lastRender()).toMatchObject({ parsed: 1, rendered: 1 });
        expect(warmFeedCache(sync, config, now)).toEqual({ parsed: 0, rendered: 0 });
      } finally {
        await server.close();
      }
    } finally {
      sync.close();
    }
  });

  it('is warmed by warmFeedCache, after which a server renders nothing and warming again does nothing', async () => {
    const config = createConfig();
    const warmed = warmFeedCache(temp.store, config, now);
    expect(warmed.parsed).toBe(400);
    expect(warmed.rendered).toBeGreaterThan(100);
    const served = await serveFresh(config);
    expect(served.render).toEqual({ parsed: 0, rendered: 0 });
    expect(eventsIn(served.body)).toBe(warmed.rendered);
    expect(warmFeedCache(temp.store, config, now)).toEqual({ parsed: 0, rendered: 0 });

    changeOne(shownInFull(), 'Nach dem Sync');
    expect(warmFeedCache(temp.store, { ...config, feeds: [] }, now)).toEqual({ parsed: 0, rendered: 0 });
    expect(warmFeedCache(temp.store, config, now)).toEqual({ parsed: 1, rendered: 1 });
  });
});
