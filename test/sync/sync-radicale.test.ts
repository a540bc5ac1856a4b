import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/config-schema.js';
import { generateAppointments } from '../../src/emulator/generate-appointments.js';
import type { Emulator } from '../../src/emulator/start-emulator.js';
import { startRadicale, type RunningAuthServer } from '../support/caldav-servers.js';
import {
  WRITE_METHODS,
  compareEvent,
  createTempDir,
  createTestConfig,
  readCalendarEvents,
  readEmulatorAppointments,
  startEmulator,
  syncOnce,
} from '../support/sync-fixture.js';

/** Records the first poll reads; more than one capped answer (500) of them share one `modified` second. */
const RECORDS = 560;
/** Of those, the ones still active: the calendar objects written (the large shapes are in bench/). */
const ACTIVE_AT_MOST = 60;

/**
 * The main job end to end over real HTTP: the emulator's generated appointments (series, all-day,
 * cancelled, private, a same-second burst larger than one capped answer) synced into a real Radicale,
 * then changed and synced again. Most of the burst is cancelled, so the poll reads across the cap while
 * the push writes only tens of objects.
 */
describe('sync into Radicale', () => {
  let radicale: RunningAuthServer;
  let emulator: Emulator;
  let temp: ReturnType<typeof createTempDir>;
  let config: Config;

  beforeAll(async () => {
    radicale = await startRadicale();
    emulator = await startEmulator({ port: 0 });
    const burstModified = '2026-10-30 08:15:42';
    const generated = generateAppointments({ count: RECORDS, seed: 7, burst: { size: 520, modified: burstModified } });
    emulator.data.insertMany(generated.map((elements, index) => (index < ACTIVE_AT_MOST ? elements : { ...elements, abgesagt: true })));
    temp = createTempDir('oos-sync-radicale-');
    config = createTestConfig({ emulator, caldavUrl: radicale.url, username: radicale.username, password: radicale.password, stateDb: `${temp.dir}/state.db` });
  });

  afterAll(async () => {
    await emulator?.close();
    await radicale?.stop();
    temp?.remove();
  });

  const expectCalendarMatchesEmulator = async (): Promise<void> => {
    const expected = readEmulatorAppointments(emulator).filter((appointment) => !appointment.cancelled);
    const events = await readCalendarEvents(config);
    const ids = events.map(({ event }) => String(event['ONOFFICE-ID']));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.sort()).toEqual(expected.map((appointment) => String(appointment.id)).sort());
    const byId = new Map(expected.map((appointment) => [String(appointment.id), appointment]));
    const problems = events.flatMap(({ event }) => compareEvent(event, byId.get(String(event['ONOFFICE-ID']))!).map((problem) => `${event['ONOFFICE-ID']}: ${problem}`));
    expect(problems).toEqual([]);
  };

  it('writes exactly one correct object per appointment', async () => {
    const { summary } = await syncOnce(config);
    expect(summary.failed).toEqual([]);
    expect(summary.poll.records).toBeGreaterThanOrEqual(RECORDS);
    const cancelled = readEmulatorAppointments(emulator).filter((appointment) => appointment.cancelled).length;
    expect(cancelled).toBeGreaterThan(RECORDS - ACTIVE_AT_MOST);
    expect(summary.targets[0]!.created).toBe(RECORDS - cancelled);
    await expectCalendarMatchesEmulator();
  }, 120_000);

  it('makes one onOffice request and no CalDAV write when nothing changed', async () => {
    emulator.log.reset();
    const { summary, caldavRequests } = await syncOnce(config);
    expect(emulator.log.httpRequests).toBe(1);
    expect(caldavRequests.filter((request) => WRITE_METHODS.has(request.method))).toEqual([]);
    // One PROPFIND to check the known calendar, one sync-collection REPORT for changes behind our back.
    expect(caldavRequests.map((request) => request.method).sort()).toEqual(['PROPFIND', 'REPORT']);
    expect(summary.targets[0]!.plan).toMatchObject({ create: 0, update: 0, delete: 0 });
  }, 120_000);

  it('carries exactly 10 modifications, 3 cancellations and 5 deletions over', async () => {
    const active = emulator.data.list().filter((record) => !record.elements.abgesagt);
    const modified = active.slice(0, 10);
    const cancelled = active.slice(10, 13);
    const deleted = active.slice(13, 18);
    for (const record of modified) emulator.data.update(record.id, { description: `${record.elements.description} (geändert)`, note: 'neu; mit, Zeichen' });
    for (const record of cancelled) emulator.data.cancel(record.id);
    for (const record of deleted) emulator.data.remove(record.id);

    const incremental = await syncOnce(config);
    expect(incremental.summary.targets[0]).toMatchObject({ updated: 10, deleted: 3, created: 0 });

    // onOffice sends no tombstones: deletions are found by the reconciliation sweep (nightly, or --full).
    const full = await syncOnce(config, { full: true });
    expect(full.summary.poll.deleted).toBe(5);
    expect(full.summary.targets[0]).toMatchObject({ updated: 0, deleted: 5, created: 0 });
    await expectCalendarMatchesEmulator();
    const events = await readCalendarEvents(config);
    const changed = events.filter(({ event }) => modified.some((record) => String(record.id) === String(event['ONOFFICE-ID'])));
    expect(changed).toHaveLength(10);
    for (const { event } of changed) expect(String(event.summary)).toContain('(geändert)');
  }, 120_000);
});
