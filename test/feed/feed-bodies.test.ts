import { createHash } from 'node:crypto';
import { DateTime } from 'luxon';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import type { Config } from '../../src/config/config-schema.js';
import type { AppointmentRecord } from '../../src/domain/appointment-record.js';
import { createFeedBodyBuilder } from '../../src/feed/build-feed-body.js';
import { createFeedTokenRepository } from '../../src/feed/feed-token-repository.js';
import { renderFeedEvent } from '../../src/feed/render-feed.js';
import { planFeedWindow } from '../../src/feed/select-feed-appointments.js';
import { startFeedServer } from '../../src/feed/start-feed-server.js';
import { warmFeedCache } from '../../src/feed/warm-feed-cache.js';
import { parseAppointment } from '../../src/onoffice/parse-appointment.js';
import { FEED_ZONE, generateFeedRecords } from './generate-feed-records.js';
import { createCapturedLogger, openTempStore, storeRecords, type TempStore } from './feed-test-store.js';

const NOW = DateTime.fromISO('2026-03-15T09:00:00Z');
let clock = NOW.toJSDate();
const now = (): Date => clock;
const RECORDS = generateFeedRecords(300, NOW);

let temp: TempStore;

function createConfig(feed: Record<string, unknown> = {}, timezone = FEED_ZONE): Config {
  return parseConfig({
    onoffice: { token: 't', secret: 's' },
    timezone,
    stateDb: ':memory:',
    feeds: [{ name: 'team', privateAppointments: 'busy', pastDays: 60, futureDays: 200, ...feed }],
  });
}

/** The body a builder makes over empty feed tables: nothing stored, everything parsed and rendered now. */
function buildFromNothing(config: Config): Buffer {
  temp.store.db.exec('DELETE FROM feed_cache_state; DELETE FROM feed_appointments; DELETE FROM feed_events; DELETE FROM feed_bodies');
  const feed = config.feeds[0]!;
  const built = createFeedBodyBuilder(temp.store.db, config).build(feed, planFeedWindow(DateTime.fromJSDate(now()), config.timezone, feed));
  expect(built.stored).toBe(false);
  return built.body;
}

function build(config: Config): ReturnType<ReturnType<typeof createFeedBodyBuilder>['build']> {
  const feed = config.feeds[0]!;
  return createFeedBodyBuilder(temp.store.db, config).build(feed, planFeedWindow(DateTime.fromJSDate(now()), config.timezone, feed));
}

const storedBody = (): Buffer | undefined => temp.store.db.prepare('SELECT body FROM feed_bodies WHERE feed_name = ?').pluck().get('team') as Buffer | undefined;
const uidOf = (id: number): string => `UID:onoffice-${id}@`;

/** The nth single (not a series), not private, not cancelled, starting within the next 30 days. */
function plainUpcoming(nth = 0): AppointmentRecord {
  const day = NOW.setZone(FEED_ZONE).startOf('day');
  const upcoming = RECORDS.filter((record) => {
    const start = DateTime.fromFormat(String(record.elements.start_dt), 'yyyy-MM-dd HH:mm:ss', { zone: FEED_ZONE });
    return record.elements.private === '0' && record.elements.abgesagt === false && !record.elements.rp_flag && start > day && start < day.plus({ days: 30 });
  });
  return structuredClone(upcoming[nth]!);
}

beforeEach(() => {
  clock = NOW.toJSDate();
  temp = openTempStore(now);
  storeRecords(temp.store, RECORDS);
});

afterEach(() => {
  temp.dispose();
});

describe('the prepared feed bodies and event texts', () => {
  it('stores each event as a fresh render of its record writes it, and the body as a build from nothing does', () => {
    const config = createConfig();
    const feed = config.feeds[0]!;
    const window = planFeedWindow(NOW, config.timezone, feed);
    const warmed = warmFeedCache(temp.store, config, now);
    expect(warmed.rendered).toBeGreaterThan(50);

    const rows = temp.store.db
      .prepare('SELECT e.id, e.visibility, e.body, a.revision, a.raw_json FROM feed_events e JOIN appointments a ON a.id = e.id')
      .all() as Array<{ id: number; visibility: 'full' | 'busy'; body: Buffer; revision: number; raw_json: string }>;
    expect(rows).toHaveLength(warmed.rendered);
    expect(new Set(rows.map((row) => row.visibility))).toEqual(new Set(['full', 'busy']));
    for (const row of rows) {
      const outcome = parseAppointment(JSON.parse(row.raw_json) as AppointmentRecord, config.timezone);
      if (!outcome.ok) throw new Error(`record ${row.id} no longer parses`);
      expect(row.body.equals(renderFeedEvent(outcome.appointment, row.visibility, row.revision, config, window).body)).toBe(true);
    }

    const prepared = storedBody()!;
    const stored = build(config);
    expect(stored).toMatchObject({ stored: true, parsed: 0, rendered: 0 });
    expect(stored.body.equals(prepared)).toBe(true);
    expect(stored.hash).toBe(createHash('sha256').update(prepared).digest('hex'));
    expect(buildFromNothing(config).equals(prepared)).toBe(true);
  });

  it('builds the body again when a record changes, and only that record', () => {
    const config = createConfig();
    warmFeedCache(temp.store, config, now);
    const record = plainUpcoming();
    record.elements.description = 'Nach dem Warmlaufen geändert';
    storeRecords(temp.store, [record]);

    const changed = build(config);
    expect(changed).toMatchObject({ stored: false, parsed: 1, rendered: 1 });
    expect(changed.body.toString('utf8')).toContain('SUMMARY:Nach dem Warmlaufen geändert\r\n');
    expect(storedBody()!.equals(changed.body)).toBe(true);
    expect(build(config)).toMatchObject({ stored: true });
    expect(buildFromNothing(config).equals(changed.body)).toBe(true);
  });

  it.each([
    ['privacy', { privacy: 'busy-only' }],
    ['private appointments', { privateAppointments: 'hide' }],
    ['cancelled appointments', { includeCancelled: true }],
    ['window', { pastDays: 10 }],
    ['refresh hint', { refreshMinutes: 15 }],
    ['categories', { arts: ['Notartermin'] }],
  ])('does not serve the stored body once the feed option %s changes', (_name, option) => {
    const before = createConfig();
    warmFeedCache(temp.store, before, now);
    const preparedBefore = storedBody()!;
    const after = createConfig(option);
    const built = build(after);
    expect(built.stored).toBe(false);
    expect(built.body.equals(preparedBefore)).toBe(false);
    expect(buildFromNothing(after).equals(built.body)).toBe(true);
  });

  it('does not serve the stored body in another zone', () => {
    warmFeedCache(temp.store, createConfig(), now);
    const elsewhere = build(createConfig({}, 'America/New_York'));
    expect(elsewhere).toMatchObject({ stored: false, parsed: RECORDS.length });
    expect(elsewhere.body.toString('utf8')).toContain('TZID:America/New_York\r\n');
  });

  it('drops a deleted appointment and one that ended before the window as it moves on', () => {
    const config = createConfig();
    const record = plainUpcoming();
    const id = record.id as number;
    warmFeedCache(temp.store, config, now);
    expect(storedBody()!.toString('utf8')).toContain(uidOf(id));

    temp.store.appointments.markDeleted([id]);
    warmFeedCache(temp.store, config, now);
    expect(storedBody()!.toString('utf8')).not.toContain(uidOf(id));
    expect(build(config).stored).toBe(true);

    // Another one is shown until the window's start (60 days back) passes its end.
    const ending = plainUpcoming(1);
    expect(storedBody()!.toString('utf8')).toContain(uidOf(ending.id as number));
    const end = DateTime.fromFormat(String(ending.elements.end_dt), 'yyyy-MM-dd HH:mm:ss', { zone: FEED_ZONE });
    clock = end.plus({ days: 61 }).toJSDate();
    const later = build(config);
    expect(later.stored).toBe(false);
    expect(later.body.toString('utf8')).not.toContain(uidOf(ending.id as number));
    expect(buildFromNothing(config).equals(later.body)).toBe(true);
  });

  it('serves a prepared body with the bytes, ETag and Last-Modified a request-time build gives', async () => {
    const config = createConfig();
    const serve = async (): Promise<{ body: string; etag: string | null; lastModified: string | null; render: Record<string, unknown> | undefined }> => {
      const captured = createCapturedLogger();
      const token = createFeedTokenRepository(temp.store.db, now).create('team');
      const server = await startFeedServer({ store: temp.store, config, logger: captured.logger, now, host: '127.0.0.1', port: 0 });
      try {
        const response = await fetch(`${server.url}/feeds/team.ics?token=${token}`, { headers: { 'Accept-Encoding': 'identity' } });
        expect(response.status).toBe(200);
        return {
          body: await response.text(),
          etag: response.headers.get('etag'),
          lastModified: response.headers.get('last-modified'),
          render: captured.lines.find((line) => line.msg === 'feed rendered'),
        };
      } finally {
        await server.close();
      }
    };
    const atRequest = await serve();
    expect(atRequest.render).toMatchObject({ stored: false });

    // A second state db with the same appointments, prepared by the sync before any request.
    temp.dispose();
    temp = openTempStore(now);
    storeRecords(temp.store, RECORDS);
    warmFeedCache(temp.store, config, now);
    const prepared = await serve();
    expect(prepared.render).toMatchObject({ stored: true, parsed: 0, rendered: 0 });
    expect(prepared.body).toBe(atRequest.body);
    expect(prepared.etag).toBe(atRequest.etag);
    expect(prepared.lastModified).toBe(atRequest.lastModified);
  });

  it("moves a running server's window on as the days pass", async () => {
    const config = createConfig();
    const token = createFeedTokenRepository(temp.store.db, now).create('team');
    const server = await startFeedServer({ store: temp.store, config, logger: createCapturedLogger().logger, now, host: '127.0.0.1', port: 0 });
    const get = async (): Promise<string> => (await fetch(`${server.url}/feeds/team.ics?token=${token}`)).text();
    try {
      const ending = plainUpcoming(1);
      expect(await get()).toContain(uidOf(ending.id as number));
      const end = DateTime.fromFormat(String(ending.elements.end_dt), 'yyyy-MM-dd HH:mm:ss', { zone: FEED_ZONE });
      clock = end.plus({ days: 61 }).toJSDate();
      expect(await get()).not.toContain(uidOf(ending.id as number));
    } finally {
      await server.close();
    }
  });
});
