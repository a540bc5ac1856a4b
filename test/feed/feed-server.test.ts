import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { DateTime } from 'luxon';
import ical from 'node-ical';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/config-schema.js';
import { expandOccurrences } from '../../src/domain/expand-occurrences.js';
import { createFeedStatsRepository } from '../../src/feed/feed-stats-repository.js';
import { createFeedTokenRepository } from '../../src/feed/feed-token-repository.js';
import { planFeedWindow } from '../../src/feed/select-feed-appointments.js';
import { startFeedServer, type FeedServer } from '../../src/feed/start-feed-server.js';
import { parseAppointment } from '../../src/onoffice/parse-appointment.js';
import { FEED_ZONE, generateFeedRecords } from './generate-feed-records.js';
import { createCapturedLogger, createFeedTestConfig, openTempStore, storeRecords, type TempStore } from './feed-test-store.js';

const NOW = DateTime.fromISO('2026-03-15T09:00:00Z');
/** Enough for a feed over Google's 1 MB and every kind of appointment; the 5,000-record shape is in bench/. */
const FEED_RECORDS = 2500;
let clock = NOW.toJSDate();
const now = (): Date => clock;

const FEEDS = [
  // Under the 1 MB Google accepts, 'everything' over it: the oversize test needs a feed on each side.
  { name: 'team', privateAppointments: 'busy', futureDays: 330 },
  { name: 'busy', privacy: 'busy-only', includeCancelled: true },
  { name: 'anna', users: [53], arts: ['Besichtigung'], privateAppointments: 'hide' },
  { name: 'everything', pastDays: 1000, futureDays: 1000, includeCancelled: true, privateAppointments: 'full' },
  { name: 'notoken' },
];

let temp: TempStore;
let config: Config;
let server: FeedServer;
let captured: ReturnType<typeof createCapturedLogger>;
const tokens: Record<string, string> = {};

interface Answer {
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  readonly body: Buffer;
}

/** node:http rather than fetch: fetch asks for and decodes gzip by itself, Google's fetcher does neither. */
function request(base: string, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${base}${path}`, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: { get: (name) => (res.headers[name.toLowerCase()] as string | undefined) ?? null },
          body: Buffer.concat(chunks),
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

const get = (path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Answer> =>
  request(server.url, path, headers, method);

const feedPath = (name: string, token = tokens[name]!): string => `/feeds/${name}.ics?token=${encodeURIComponent(token)}`;
const renders = (feed: string): number => captured.lines.filter((line) => line.msg === 'feed rendered' && line.feed === feed).length;

/** Unfolded VEVENT blocks as lists of [property name, full line]. */
function readVEvents(text: string): Array<Array<[string, string]>> {
  const lines = text.replace(/\r\n[ \t]/g, '').split('\r\n');
  const events: Array<Array<[string, string]>> = [];
  let current: Array<[string, string]> | null = null;
  let depth = 0;
  for (const line of lines) {
    if (line === 'BEGIN:VEVENT') {
      current = [];
      continue;
    }
    if (line === 'END:VEVENT') {
      events.push(current!);
      current = null;
      continue;
    }
    if (!current) continue;
    if (line.startsWith('BEGIN:')) depth++;
    if (line.startsWith('END:')) depth--;
    const name = /^[A-Z0-9-]+/.exec(line)?.[0] ?? line;
    current.push([depth > 0 || line.startsWith('END:') ? `nested:${name}` : name, line]);
  }
  return events;
}

beforeAll(() => {
  temp = openTempStore(now);
  storeRecords(temp.store, generateFeedRecords(FEED_RECORDS, NOW));
  config = createFeedTestConfig(FEEDS);
  const repository = createFeedTokenRepository(temp.store.db, now);
  for (const name of ['team', 'busy', 'anna', 'everything']) tokens[name] = repository.create(name);
});

afterAll(() => {
  temp.dispose();
});

describe('ICS feed server', () => {
  beforeAll(async () => {
    captured = createCapturedLogger();
    server = await startFeedServer({
      store: temp.store,
      config,
      logger: captured.logger,
      now,
      host: '127.0.0.1',
      port: 0,
      rateLimit: { burst: 10_000, perSecond: 1000 },
    });
  });
  afterAll(async () => {
    await server.close();
  });

  it('serves 2,500 stored appointments whose events and occurrences match the state within the window', async () => {
    const response = await get(feedPath('everything'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/calendar; charset=utf-8');
    expect(response.headers.get('etag')).toMatch(/^"[0-9a-f]{64}"$/);
    expect(response.headers.get('last-modified')).toBe(new Date(response.headers.get('last-modified')!).toUTCString());
    expect(response.headers.get('cache-control')).toBe('private, max-age=3600');
    const text = response.body.toString('utf8');
    expect(text).toContain('X-WR-CALNAME:everything\r\n');
    expect(text).toContain('NAME:everything\r\n');
    expect(text).toContain(`X-WR-TIMEZONE:${FEED_ZONE}\r\n`);
    expect(text).toContain('REFRESH-INTERVAL;VALUE=DURATION:PT60M\r\n');
    expect(text).toContain('X-PUBLISHED-TTL:PT60M\r\n');
    expect(text.match(/^BEGIN:VTIMEZONE\r$/gm)).toHaveLength(1);
    expect(text).toContain(`TZID:${FEED_ZONE}\r\n`);
    expect(text).toMatch(/^RRULE:FREQ=/m);

    const parsed = ical.sync.parseICS(text);
    const events = Object.values(parsed).filter((item): item is ical.VEvent => item?.type === 'VEVENT');

    const feed = config.feeds.find((f) => f.name === 'everything')!;
    const window = planFeedWindow(NOW, FEED_ZONE, feed);
    const stored = temp.store.appointments.listByStatus('active', 'cancelled').map((row) => {
      const outcome = parseAppointment(row.record, FEED_ZONE);
      if (!outcome.ok) throw new Error(outcome.reason);
      return outcome.appointment;
    });
    expect(stored.length).toBe(FEED_RECORDS);
    // Everything with an occurrence in the window is shown; beyond that only series whose span
    // overlaps the window (the documented reading: their RRULE yields nothing there).
    const expected = stored.filter((appointment) => expandOccurrences(appointment, window.from, window.to).length > 0);
    expect(expected.length).toBeGreaterThan(FEED_RECORDS * 0.8);
    const uidOf = (id: number): string => `onoffice-${id}@${config.ical.uidDomain}`;
    const byUid = new Map(events.map((event) => [event.uid, event]));
    const extra = stored.filter((appointment) => !expected.includes(appointment) && byUid.has(uidOf(appointment.id)));
    for (const appointment of extra) {
      expect(appointment.recurrence, `appointment ${appointment.id} without occurrences in the window`).not.toBeNull();
      expect(appointment.start < window.to).toBe(true);
    }
    expect(events).toHaveLength(expected.length + extra.length);

    let series = 0;
    for (const appointment of expected) {
      const event = byUid.get(uidOf(appointment.id));
      expect(event, `appointment ${appointment.id}`).toBeDefined();
      expect(event!.summary).toBe(appointment.summary);
      const instances = event!.rrule
        ? ical.expandRecurringEvent(event!, { from: window.from.toJSDate(), to: window.to.toJSDate() })
        : [{ start: event!.start, isFullDay: event!.datetype === 'date' }];
      const fromFeed = instances
        .filter((instance) => instance.start.getTime() < window.to.toMillis())
        .map((instance) => (instance.isFullDay ? localDate(instance.start) : instance.start.toISOString()));
      const fromState = expandOccurrences(appointment, window.from, window.to)
        .filter((occurrence) => occurrence.start >= window.from)
        .map((occurrence) => (appointment.allDay ? occurrence.start.toISODate()! : occurrence.start.toUTC().toISO({ suppressMilliseconds: false })!));
      if (appointment.recurrence && appointment.recurrence.frequency !== 'daily' && appointment.recurrence.frequency !== 'weekly' && appointment.start.day > 28) {
        // node-ical 0.26 (rrule-temporal) clamps a missing 29th–31st to the month's last day and then
        // stays on that day; RFC 5545 §3.3.10 skips such months, as expandOccurrences and Google do.
        expect(fromFeed.slice(0, 1), `first occurrence of appointment ${appointment.id}`).toEqual(fromState.slice(0, 1));
        continue;
      }
      expect(fromFeed, `occurrences of appointment ${appointment.id}`).toEqual(fromState);
      if (appointment.recurrence) series++;
    }
    expect(series).toBeGreaterThan(100);
  });

  it('answers a wrong token, a missing token, an unknown feed and a feed without a token with the same 404', async () => {
    const answers = await Promise.all([
      get(feedPath('team', 'x'.repeat(43))),
      get('/feeds/team.ics'),
      get(feedPath('nosuchfeed', tokens.team)),
      get(feedPath('notoken', tokens.team)),
      get(feedPath('team', tokens.anna)),
      get(`/feeds/team/${'y'.repeat(43)}.ics`),
    ]);
    for (const answer of answers) {
      expect(answer.status).toBe(404);
      expect(answer.body.toString('utf8')).toBe('Not found\n');
      expect(answer.headers.get('etag')).toBeNull();
    }
  });

  it('leaves paths outside /feeds/ to the other handlers', async () => {
    expect((await get('/healthz')).status).toBe(404);
  });

  it('accepts the token as a path segment for clients that drop query strings', async () => {
    const query = await get(feedPath('team'));
    const path = await get(`/feeds/team/${tokens.team}.ics`);
    expect(path.status).toBe(200);
    expect(path.headers.get('etag')).toBe(query.headers.get('etag'));
    expect(path.body.equals(query.body)).toBe(true);
  });

  it('answers a conditional GET with 304 and no body, by ETag and by date', async () => {
    const first = await get(feedPath('team'));
    const etag = first.headers.get('etag')!;
    const lastModified = first.headers.get('last-modified')!;
    const byEtag = await get(feedPath('team'), { 'If-None-Match': etag });
    expect(byEtag.status).toBe(304);
    expect(byEtag.body.length).toBe(0);
    expect(byEtag.headers.get('etag')).toBe(etag);
    const byDate = await get(feedPath('team'), { 'If-Modified-Since': lastModified });
    expect(byDate.status).toBe(304);
    expect(byDate.body.length).toBe(0);
    const olderDate = new Date(new Date(lastModified).getTime() - 1000).toUTCString();
    expect((await get(feedPath('team'), { 'If-Modified-Since': olderDate })).status).toBe(200);
    // If-None-Match wins over If-Modified-Since (RFC 9110 §13.2.2).
    expect((await get(feedPath('team'), { 'If-None-Match': '"other"', 'If-Modified-Since': lastModified })).status).toBe(200);
  });

  it('answers HEAD with the headers of GET and no body', async () => {
    const full = await get(feedPath('team'));
    const head = await get(feedPath('team'), {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect(head.headers.get('etag')).toBe(full.headers.get('etag'));
    expect(head.headers.get('content-length')).toBe(String(full.body.length));
    expect(head.headers.get('content-type')).toBe('text/calendar; charset=utf-8');
  });

  it('gzips when the client accepts it, with its own strong ETag, and not for clients that send no Accept-Encoding', async () => {
    const plain = await get(feedPath('team'));
    expect(plain.headers.get('content-encoding')).toBeNull();
    const response = await get(feedPath('team'), { 'Accept-Encoding': 'br;q=1.0, gzip;q=0.8, *;q=0.1' });
    expect(response.headers.get('content-encoding')).toBe('gzip');
    expect(response.headers.get('vary')).toBe('Accept-Encoding');
    expect(response.headers.get('etag')).toBe(plain.headers.get('etag')!.replace(/"$/, '-gzip"'));
    expect(response.body.length).toBeLessThan(plain.body.length / 3);
    expect(response.headers.get('content-length')).toBe(String(response.body.length));
    expect(gunzipSync(response.body).equals(plain.body)).toBe(true);
    const revalidated = await get(feedPath('team'), { 'Accept-Encoding': 'gzip', 'If-None-Match': response.headers.get('etag')! });
    expect(revalidated.status).toBe(304);
    const refused = await get(feedPath('team'), { 'Accept-Encoding': 'gzip;q=0, identity' });
    expect(refused.headers.get('content-encoding')).toBeNull();
  });

  it('writes busy-only feeds with nothing but the time of each appointment', async () => {
    const response = await get(feedPath('busy'));
    expect(response.status).toBe(200);
    const text = response.body.toString('utf8');
    const events = readVEvents(text);
    expect(events.length).toBeGreaterThan(1000);
    const allowed = new Set([
      'UID', 'SEQUENCE', 'DTSTAMP', 'DTSTART', 'DTEND', 'SUMMARY', 'STATUS', 'CLASS', 'LAST-MODIFIED', 'RRULE', 'EXDATE',
      'X-ONOFFICE-ID', 'X-MICROSOFT-CDO-ALLDAYEVENT', 'X-MICROSOFT-MSNCALENDAR-ALLDAYEVENT',
    ]);
    for (const event of events) {
      for (const [name, line] of event) expect(allowed.has(name), line).toBe(true);
      expect(event.find(([name]) => name === 'SUMMARY')?.[1]).toBe('SUMMARY:Busy');
    }
    expect(text).not.toMatch(/Termin \d+|Beisenweg|Notiz|Besichtigung|Konferenzraum|Tester|example\.com/);
    expect(ical.sync.parseICS(text)).toBeDefined();
  });

  it('shows private appointments as busy, hides them, or shows them in full as configured', async () => {
    const records = generateFeedRecords(FEED_RECORDS, NOW);
    const privateIds = new Set(records.filter((r) => r.elements.private === '1').map((r) => Number(r.id)));
    const idOf = (event: Array<[string, string]>): number => Number(/onoffice-(\d+)@/.exec(event.find(([n]) => n === 'UID')![1])![1]);
    const team = readVEvents((await get(feedPath('team'))).body.toString('utf8'));
    const teamPrivate = team.filter((event) => privateIds.has(idOf(event)));
    expect(teamPrivate.length).toBeGreaterThan(10);
    for (const event of teamPrivate) {
      expect(event.find(([n]) => n === 'SUMMARY')?.[1]).toBe('SUMMARY:Busy');
      expect(event.some(([n]) => n === 'DESCRIPTION' || n === 'LOCATION' || n === 'CATEGORIES')).toBe(false);
    }
    expect(team.filter((event) => !privateIds.has(idOf(event))).every((e) => e.some(([n, l]) => n === 'SUMMARY' && l !== 'SUMMARY:Busy'))).toBe(true);

    const anna = readVEvents((await get(feedPath('anna'))).body.toString('utf8'));
    expect(anna.length).toBeGreaterThan(10);
    expect(anna.some((event) => privateIds.has(idOf(event)))).toBe(false);
    for (const event of anna) expect(event.some(([n, l]) => n === 'CATEGORIES' && l === 'CATEGORIES:Besichtigung')).toBe(true);

    const everything = readVEvents((await get(feedPath('everything'))).body.toString('utf8'));
    expect(everything.filter((event) => privateIds.has(idOf(event))).every((e) => e.some(([n, l]) => n === 'SUMMARY' && l !== 'SUMMARY:Busy'))).toBe(true);
  });

  it('renders once per state version and changes the ETag when the state changes', async () => {
    const before = await get(feedPath('team'));
    const rendersBefore = renders('team');
    for (let i = 0; i < 5; i++) expect((await get(feedPath('team'), { 'Accept-Encoding': i % 2 ? 'gzip' : '' })).status).toBe(200);
    expect(renders('team')).toBe(rendersBefore);

    const changed = generateFeedRecords(1, NOW, 99)[0]!;
    changed.elements.description = 'Neuer Termin';
    changed.elements.start_dt = NOW.setZone(FEED_ZONE).plus({ days: 3 }).toFormat('yyyy-MM-dd 10:00:00');
    changed.elements.end_dt = NOW.setZone(FEED_ZONE).plus({ days: 3 }).toFormat('yyyy-MM-dd 11:00:00');
    changed.elements.private = '0';
    changed.elements.abgesagt = false;
    changed.elements.modified = NOW.toUTC().minus({ minutes: 5 }).toFormat('yyyy-MM-dd HH:mm:ss');
    changed.id = 999_999;
    storeRecords(temp.store, [changed]);

    const after = await get(feedPath('team'), { 'If-None-Match': before.headers.get('etag')! });
    expect(after.status).toBe(200);
    expect(after.headers.get('etag')).not.toBe(before.headers.get('etag'));
    expect(after.body.toString('utf8')).toContain('SUMMARY:Neuer Termin');
    expect(new Date(after.headers.get('last-modified')!).getTime()).toBe(NOW.minus({ minutes: 5 }).toMillis());
    expect(renders('team')).toBe(rendersBefore + 1);
  });

  it('moves Last-Modified forward when an appointment is deleted, so If-Modified-Since clients refetch', async () => {
    const before = await get(feedPath('team'));
    const lastModified = before.headers.get('last-modified')!;
    clock = NOW.plus({ minutes: 30 }).toJSDate();
    try {
      expect(temp.store.appointments.markDeleted([999_999])).toBe(1);
      const after = await get(feedPath('team'), { 'If-Modified-Since': lastModified });
      expect(after.status).toBe(200);
      expect(after.body.toString('utf8')).not.toContain('Neuer Termin');
      expect(new Date(after.headers.get('last-modified')!).getTime()).toBe(clock.getTime());
    } finally {
      clock = NOW.toJSDate();
    }
  });

  it('stops serving the old token as soon as the feed is rotated', async () => {
    const repository = createFeedTokenRepository(temp.store.db, now);
    const old = tokens.anna!;
    expect((await get(feedPath('anna', old))).status).toBe(200);
    tokens.anna = repository.rotate('anna');
    expect((await get(feedPath('anna', old))).status).toBe(404);
    expect((await get(`/feeds/anna/${old}.ics`)).status).toBe(404);
    expect((await get(feedPath('anna'))).status).toBe(200);
  });

  it('warns and records it when a feed is larger than Google accepts', async () => {
    const response = await get(feedPath('everything'));
    expect(response.body.length).toBeGreaterThan(1_000_000);
    const warning = captured.lines.find((line) => line.level === 'warn' && line.feed === 'everything');
    expect(warning?.msg).toMatch(/Google.*pastDays\/futureDays/);
    expect(createFeedStatsRepository(temp.store.db).read('everything')).toMatchObject({ oversize: true, sizeBytes: response.body.length });
    expect(createFeedStatsRepository(temp.store.db).read('team')).toMatchObject({ oversize: false });
    expect(captured.lines.some((line) => line.level === 'warn' && line.feed === 'team')).toBe(false);
  });

  it('never writes a token into the log', () => {
    const log = JSON.stringify(captured.lines);
    for (const token of Object.values(tokens)) expect(log).not.toContain(token);
  });
});

describe('ICS feed rate limiting', () => {
  async function withServer(options: { rateLimit: { burst: number; perSecond: number; maxClients?: number }; trustedProxies?: string[] }, run: (url: string, lines: Array<Record<string, unknown>>) => Promise<void>): Promise<void> {
    const logged = createCapturedLogger();
    const limited = await startFeedServer({
      store: temp.store,
      config: createFeedTestConfig(FEEDS, { trustedProxies: options.trustedProxies ?? [] }),
      logger: logged.logger,
      now,
      host: '127.0.0.1',
      port: 0,
      rateLimit: options.rateLimit,
    });
    try {
      await run(limited.url, logged.lines);
    } finally {
      await limited.close();
    }
  }
  const statusOf = async (base: string, path: string, headers: Record<string, string> = {}): Promise<number> => (await request(base, path, headers)).status;

  it('answers 429 with Retry-After once a client used up its burst of wrong tokens', async () => {
    await withServer({ rateLimit: { burst: 3, perSecond: 0.5 } }, async (url) => {
      const statuses: number[] = [];
      let retryAfter: string | null = null;
      for (let i = 0; i < 5; i++) {
        const response = await request(url, feedPath('team', `guess${i}`));
        statuses.push(response.status);
        if (response.status === 429) retryAfter = response.headers.get('retry-after');
      }
      expect(statuses).toEqual([404, 404, 404, 429, 429]);
      expect(retryAfter).toBe('2');
    });
  });

  it('never refuses the right token, however many wrong ones came from the same address', async () => {
    await withServer({ rateLimit: { burst: 3, perSecond: 0.01 } }, async (url) => {
      for (let i = 0; i < 75; i++) await statusOf(url, feedPath('team', `guess${i}`));
      expect(await statusOf(url, feedPath('team', 'one-more-guess'))).toBe(429);
      expect(await statusOf(url, feedPath('team'))).toBe(200);
      expect(await statusOf(url, `/feeds/team/${tokens.team}.ics`)).toBe(200);
    });
  });

  it('limits wrong tokens per feed, and per client only behind a trusted proxy', async () => {
    const forwarded = (address: string) => ({ 'X-Forwarded-For': `203.0.113.77, ${address}` });
    // Without trusted proxies X-Forwarded-For is ignored: anyone could send it.
    await withServer({ rateLimit: { burst: 2, perSecond: 0.01 } }, async (url) => {
      for (let i = 0; i < 2; i++) await statusOf(url, feedPath('team', `guess${i}`), forwarded('198.51.100.1'));
      expect(await statusOf(url, feedPath('team', 'guess'), forwarded('198.51.100.2'))).toBe(429);
      expect(await statusOf(url, feedPath('busy', 'guess'), forwarded('198.51.100.2'))).toBe(404);
    });
    await withServer({ rateLimit: { burst: 2, perSecond: 0.01 }, trustedProxies: ['127.0.0.0/8', '::1'] }, async (url) => {
      for (let i = 0; i < 2; i++) await statusOf(url, feedPath('team', `guess${i}`), forwarded('198.51.100.1'));
      expect(await statusOf(url, feedPath('team', 'guess'), forwarded('198.51.100.1'))).toBe(429);
      expect(await statusOf(url, feedPath('team', 'guess'), forwarded('198.51.100.2'))).toBe(404);
      // The left-most entry is what the client claimed; the proxy's own entry (right-most) counts.
      expect(await statusOf(url, feedPath('team', 'guess'), { 'X-Forwarded-For': '198.51.100.9, 198.51.100.1' })).toBe(429);
    });
  });

  it('keeps its memory bounded, and a flood of new addresses does not reset a limited client', async () => {
    await withServer({ rateLimit: { burst: 2, perSecond: 0.001, maxClients: 50 }, trustedProxies: ['127.0.0.1'] }, async (url) => {
      const from = (address: string) => ({ 'X-Forwarded-For': address });
      for (let i = 0; i < 2; i++) await statusOf(url, feedPath('team', `guess${i}`), from('198.51.100.1'));
      expect(await statusOf(url, feedPath('team', 'guess'), from('198.51.100.1'))).toBe(429);
      const flood: number[] = [];
      for (let i = 0; i < 300; i++) flood.push(await statusOf(url, feedPath('team', 'guess'), from(`10.0.${Math.floor(i / 250)}.${i % 250}`)));
      expect(await statusOf(url, feedPath('team', 'guess'), from('198.51.100.1'))).toBe(429);
      // The newest of the flood share one bucket once the table is full, so they are limited too.
      expect(flood.slice(-10)).toEqual(Array(10).fill(429));
      expect(await statusOf(url, feedPath('team'), from('10.0.1.49'))).toBe(200);
    });
  });

  it('answers a request whose URL cannot be parsed with 400 and logs no token', async () => {
    await withServer({ rateLimit: { burst: 3, perSecond: 0.5 } }, async (url, lines) => {
      const { port } = new URL(url);
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = connect(Number(port), '127.0.0.1');
        let text = '';
        socket.on('data', (chunk) => (text += chunk.toString('latin1')));
        socket.on('end', () => resolve(text));
        socket.on('error', reject);
        socket.write(`GET http://[x/feeds/team.ics?token=${tokens.team} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      });
      expect(answer).toMatch(/^HTTP\/1\.1 400 /);
      expect(lines.length).toBeGreaterThan(0);
      expect(JSON.stringify(lines)).not.toContain(tokens.team!);
    });
  });
});

function localDate(date: Date): string {
  return `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}-${String(date.getDate()).padStart(2, '0')}`;
}
