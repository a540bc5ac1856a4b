import Database from 'better-sqlite3';
import type { Config } from '../../src/config/config-schema.js';
import { createCaldavTarget } from '../../src/caldav/caldav-target.js';
import type { CalendarRef } from '../../src/caldav/calendar-target.js';
import type { Emulator } from '../../src/emulator/start-emulator.js';
import { createSilentLogger } from '../../src/log/create-logger.js';
import { openStateStore } from '../../src/store/open-state-store.js';
import { readTwoWayStatus, type TwoWayStatus } from '../../src/store/two-way-repository.js';
import { createSyncRuntime } from '../../src/app/create-sync-runtime.js';
import { runSync, type SyncOptions, type SyncSummary } from '../../src/app/run-sync.js';
import { WRITE_METHODS } from '../support/sync-fixture.js';

export const ONOFFICE_WRITES = ['create:calendar', 'modify:calendar', 'delete:calendar', 'do:appointmentAffirmation'];

/** onOffice writes the emulator received since its log was last reset, by kind. */
export function countOnOfficeWrites(emulator: Emulator): Record<string, number> {
  return Object.fromEntries(ONOFFICE_WRITES.map((key) => [key, emulator.log.count(key)]));
}

/** Every row of every table of the state database, for a before/after comparison. */
export function dumpState(path: string): Record<string, unknown[]> {
  const db = new Database(path, { readonly: true });
  try {
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as Array<{ name: string }>).map((row) => row.name);
    return Object.fromEntries(tables.map((table) => [table, db.prepare(`SELECT * FROM "${table}"`).all()]));
  } finally {
    db.close();
  }
}

export interface SyncRun {
  readonly summary: SyncSummary;
  /** CalDAV PUT/DELETE/MKCALENDAR/… requests of the run. */
  readonly caldavWrites: Array<{ method: string; url: string }>;
}

/** One run as `onoffice-sync sync` does it, with fresh adapters; `onofficeFetch` can break answers. */
export async function syncWith(config: Config, options: SyncOptions & { onofficeFetch?: typeof fetch } = {}): Promise<SyncRun> {
  const caldavWrites: Array<{ method: string; url: string }> = [];
  const caldavFetch: typeof fetch = (input, init) => {
    const method = init?.method ?? 'GET';
    if (WRITE_METHODS.has(method)) caldavWrites.push({ method, url: String(input) });
    return fetch(input, init);
  };
  const runtime = createSyncRuntime(config, createSilentLogger(), { caldavFetch, onofficeFetch: options.onofficeFetch });
  try {
    return { summary: await runSync(runtime, options), caldavWrites };
  } finally {
    runtime.store.close();
  }
}

/**
 * A fetch towards onOffice that lets requests holding `action` reach the server and then fails as a
 * reset connection would: the write took effect, its answer is lost.
 */
export function createAnswerLosingFetch(action: 'create' | 'do', times = 1): typeof fetch {
  let left = times;
  return async (input, init) => {
    const response = await fetch(input, init);
    if (left > 0 && typeof init?.body === 'string' && init.body.includes(`smartml:action:${action}"`)) {
      left -= 1;
      await response.text();
      throw new TypeError('fetch failed', { cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }) });
    }
    return response;
  };
}

export function readStatusOf(config: Config): TwoWayStatus {
  const store = openStateStore(config.stateDb);
  try {
    return readTwoWayStatus(store.db);
  } finally {
    store.close();
  }
}

/** The synced calendar of the config's first target, and a raw client for it (as a phone would be). */
export async function openCalendar(config: Config): Promise<{
  calendar: CalendarRef;
  put(filename: string, ics: string): Promise<void>;
  remove(filename: string): Promise<void>;
  list(): Promise<Array<{ href: string; etag: string | null; data: string }>>;
}> {
  const targetConfig = config.caldav[0]!;
  const target = createCaldavTarget({ url: targetConfig.url, username: targetConfig.username || undefined, password: targetConfig.password || undefined });
  const calendar = await target.ensureCalendar({ path: targetConfig.calendar, displayName: targetConfig.displayName });
  const authorization = `Basic ${Buffer.from(`${targetConfig.username}:${targetConfig.password}`).toString('base64')}`;
  const urlOf = (filename: string): string => new URL(filename, calendar.url.endsWith('/') ? calendar.url : `${calendar.url}/`).href;
  return {
    calendar,
    async put(filename, ics) {
      const response = await fetch(urlOf(filename), { method: 'PUT', headers: { authorization, 'content-type': 'text/calendar; charset=utf-8' }, body: ics });
      if (!response.ok) throw new Error(`PUT ${filename}: HTTP ${response.status}`);
    },
    async remove(filename) {
      const response = await fetch(urlOf(filename), { method: 'DELETE', headers: { authorization } });
      if (!response.ok) throw new Error(`DELETE ${filename}: HTTP ${response.status}`);
    },
    async list() {
      const listed = await target.listObjects(calendar);
      const objects = await target.fetchObjects(calendar, listed.map((object) => object.href));
      return objects.map((object) => ({ href: object.href, etag: object.etag, data: object.data ?? '' }));
    },
  };
}

const BERLIN = [
  'BEGIN:VTIMEZONE',
  'TZID:Europe/Berlin',
  'BEGIN:DAYLIGHT',
  'TZOFFSETFROM:+0100',
  'TZOFFSETTO:+0200',
  'TZNAME:CEST',
  'DTSTART:19700329T020000',
  'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU',
  'END:DAYLIGHT',
  'BEGIN:STANDARD',
  'TZOFFSETFROM:+0200',
  'TZOFFSETTO:+0100',
  'TZNAME:CET',
  'DTSTART:19701025T030000',
  'RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU',
  'END:STANDARD',
  'END:VTIMEZONE',
];

/** An event as a phone writes it: its own UID and PRODID, a Berlin VTIMEZONE; `lines` go into the VEVENT. */
export function renderPhoneEvent(uid: string, lines: readonly string[], stamp = '20261120T090000Z'): string {
  return [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Apple Inc.//iPhone OS 18.1//EN',
    'CALSCALE:GREGORIAN',
    ...BERLIN,
    'BEGIN:VEVENT',
    `UID:${uid}`,
    `DTSTAMP:${stamp}`,
    `LAST-MODIFIED:${stamp}`,
    ...lines,
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');
}
