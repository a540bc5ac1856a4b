import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import type { Config } from '../../src/config/config-schema.js';
import { createCaldavTarget } from '../../src/caldav/caldav-target.js';
import type { Appointment } from '../../src/domain/appointment.js';
import { expandOccurrences } from '../../src/domain/expand-occurrences.js';
import { compareEvent as compareEventWith } from './compare-event.mjs';
import { startEmulator, type Emulator } from '../../src/emulator/start-emulator.js';
import { parseIcsObjects, type VEventLike } from '../../src/ical/parse-ics-objects.js';
import { createSilentLogger } from '../../src/log/create-logger.js';
import { parseAppointment } from '../../src/onoffice/parse-appointment.js';
import type { AppointmentRecord } from '../../src/domain/appointment-record.js';
import { createSyncRuntime } from '../../src/app/create-sync-runtime.js';
import { runSync, type SyncOptions, type SyncRuntime, type SyncSummary } from '../../src/app/run-sync.js';
import { createMemoryCalendarTarget, type MemoryCalendarTargetOptions } from '../../src/caldav/memory-calendar-target.js';
import { createOnOfficeClient } from '../../src/onoffice/onoffice-client.js';
import { openStateStore } from '../../src/store/open-state-store.js';
import { createCaldavStateRepository } from '../../src/store/caldav-state-repository.js';
import { CTAG_SETTLE_MS } from '../../src/domain/trust-ctag.js';
import { generateAppointments } from '../../src/emulator/generate-appointments.js';
import { startRadicale, type RunningAuthServer } from './caldav-servers.js';

export const ZONE = 'Europe/Berlin';

/** A config for the emulator and one CalDAV server, as a user would write it. */
export function createTestConfig(options: { emulator: Emulator; caldavUrl: string; username?: string; password?: string; stateDb: string; extra?: Record<string, unknown> }): Config {
  return parseConfig({
    timezone: ZONE,
    stateDb: options.stateDb,
    logLevel: 'silent',
    onoffice: { url: options.emulator.url, token: options.emulator.token, secret: options.emulator.secret, retries: 1 },
    // Tests change the emulator and sync at once: no lag behind now. The generator dates appointments
    // from 90 days before its fixed reference day, so the horizon reaches back a year.
    poll: { lagSeconds: 0, horizonPastDays: 365 },
    caldav: [{ name: 'default', url: options.caldavUrl, username: options.username ?? '', password: options.password ?? '', ...(options.extra ?? {}) }],
  });
}

export function createTempDir(prefix: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** What useRadicaleSync gives a describe block once its beforeAll has run. */
export interface RadicaleSync {
  readonly radicale: RunningAuthServer;
  readonly emulator: Emulator;
  readonly config: Config;
}

/**
 * For one describe block: a real Radicale, the emulator holding `count` generated appointments and a
 * config syncing them into it with its state in a temp dir; started in beforeAll, stopped and removed
 * in afterAll. Read the fields inside the tests (they are set once beforeAll has run).
 */
export function useRadicaleSync(options: { count: number; seed: number; prefix: string }): RadicaleSync {
  const context = {} as { radicale: RunningAuthServer; emulator: Emulator; config: Config; temp: ReturnType<typeof createTempDir> };
  beforeAll(async () => {
    context.radicale = await startRadicale();
    context.emulator = await startEmulator({ port: 0 });
    context.emulator.data.insertMany(generateAppointments({ count: options.count, seed: options.seed }));
    context.temp = createTempDir(options.prefix);
    const { radicale, emulator } = context;
    context.config = createTestConfig({ emulator, caldavUrl: radicale.url, username: radicale.username, password: radicale.password, stateDb: `${context.temp.dir}/state.db` });
  });
  afterAll(async () => {
    await context.emulator?.close();
    await context.radicale?.stop();
    context.temp?.remove();
  });
  return context;
}

/** One sync run in-process with fresh adapters, as `onoffice-sync sync` does it; counts CalDAV requests. */
export async function syncOnce(config: Config, options: SyncOptions = {}): Promise<{ summary: SyncSummary; caldavRequests: Array<{ method: string; url: string }> }> {
  const caldavRequests: Array<{ method: string; url: string }> = [];
  const countingFetch: typeof fetch = (input, init) => {
    caldavRequests.push({ method: init?.method ?? 'GET', url: String(input) });
    return fetch(input, init);
  };
  const runtime = createSyncRuntime(config, createSilentLogger(), { caldavFetch: countingFetch });
  try {
    return { summary: await runSync(runtime, options), caldavRequests };
  } finally {
    runtime.store.close();
  }
}

/**
 * Makes the getctag the last run stored look settled (src/domain/trust-ctag.ts), as if first read
 * CTAG_SETTLE_MS before that run read it: the next run may then trust an equal one. Fails when the
 * server gave none.
 *
 * The forged age must not be a lie about the server: SOGo's getctag is the folder's last change in
 * whole seconds, so an edit in the same second as the write the value stands for would leave it as it
 * was (CI once made the edit of the test below within that second, and the run rightly trusted the
 * equal value). So this first waits, on the wall clock, until CTAG_SETTLE_MS have really passed since
 * the value was first read, the margin the product itself relies on; every change from then on lies in
 * a later second. A slow machine waits less; the wait is at most CTAG_SETTLE_MS.
 */
export async function settleStoredCtag(config: Config): Promise<void> {
  const store = openStateStore(config.stateDb);
  try {
    const repository = createCaldavStateRepository(store.db);
    const key = `${config.caldav[0]!.name}:${config.caldav[0]!.calendar}`;
    const row = repository.readCalendar(key);
    if (!row?.ctag) throw new Error(`no getctag stored for ${key}: the server reported none`);
    const settledAt = row.ctag.seenAt + CTAG_SETTLE_MS;
    if (Date.now() < settledAt) await sleep(settledAt - Date.now());
    repository.saveSyncToken(key, row.syncToken, { ...row.ctag, seenAt: row.ctag.readAt - CTAG_SETTLE_MS });
  } finally {
    store.close();
  }
}

export const WRITE_METHODS = new Set(['PUT', 'DELETE', 'MKCALENDAR', 'MKCOL', 'PROPPATCH']);

/** Every object of the synced calendar, read back through a fresh adapter and parsed with node-ical. */
export async function readCalendarEvents(config: Config): Promise<Array<{ href: string; event: VEventLike; ics: string }>> {
  const targetConfig = config.caldav[0]!;
  const target = createCaldavTarget({ url: targetConfig.url, username: targetConfig.username || undefined, password: targetConfig.password || undefined });
  const calendar = await target.ensureCalendar({ path: targetConfig.calendar, displayName: targetConfig.displayName });
  const listed = await target.listObjects(calendar);
  const objects = await target.fetchObjects(calendar, listed.map((object) => object.href));
  return objects.flatMap((object) => parseIcsObjects(object.data ?? '').map((event) => ({ href: object.href, event, ics: object.data ?? '' })));
}

/** The appointments the emulator holds, as the domain sees them. */
export function readEmulatorAppointments(emulator: Emulator): Appointment[] {
  const result: Appointment[] = [];
  for (const record of emulator.data.list()) {
    const parsed = parseAppointment(record as unknown as AppointmentRecord, ZONE);
    if (parsed.ok) result.push(parsed.appointment);
  }
  return result;
}

/**
 * Checks one calendar event against its appointment: start and end as instants (dates for all-day),
 * and for a series the occurrences node-ical expands over the next year against expandOccurrences.
 * Returns a list of differences (empty when equal).
 */
export function compareEvent(event: VEventLike, appointment: Appointment): string[] {
  return compareEventWith(event, appointment, { expandOccurrences });
}

export { startEmulator };

/**
 * The emulator with `appointments` generated ones, a state store in a temp dir and one in-memory CalDAV
 * target ('office'), wired into a SyncRuntime for runSync; `close` stops and removes all of it.
 */
export async function startMemorySync(options: { appointments: number; seed: number; prefix: string; target?: MemoryCalendarTargetOptions }) {
  const emulator = await startEmulator({ port: 0, appointments: options.appointments, seed: options.seed });
  const temp = createTempDir(options.prefix);
  const store = openStateStore(`${temp.dir}/state.db`);
  const config = parseConfig({
    stateDb: `${temp.dir}/state.db`,
    onoffice: { url: emulator.url, token: emulator.token, secret: emulator.secret },
    poll: { lagSeconds: 0, horizonPastDays: 365 },
    caldav: [{ name: 'office', url: 'http://calendar.memory.invalid/' }],
  });
  const target = createMemoryCalendarTarget(options.target);
  const runtime: SyncRuntime = {
    config,
    logger: createSilentLogger(),
    store,
    client: createOnOfficeClient({ url: emulator.url, token: emulator.token, secret: emulator.secret }),
    targets: [{ config: config.caldav[0]!, target }],
    now: () => new Date(),
  };
  const close = async (): Promise<void> => {
    store.close();
    temp.remove();
    await emulator.close();
  };
  return { emulator, store, config, target, runtime, close };
}
