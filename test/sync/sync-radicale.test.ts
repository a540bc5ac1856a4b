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

/**
 * The main job end to end over real HTTP: the emulator with 2,000 generated appointments (series, all-day,
 * cancelled, private, a same-second burst) synced into a real Radicale, then changed and synced again.
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
    emulator.data.insertMany(generateAppointments({ count: 2000, seed: 7, burst: { size: 600, modified: burstModified } }));
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
    expect(summary.poll.records).toBeGreaterThanOrEqual(2000);
    const cancelled = readEmulatorAppointments(emulator).filter((appointment) => appointment.cancelled).length;
    expect(cancelled).toBeGreaterThan(0);
    expect(summary.targets[0]!.created).toBe(2000 - cancelled);
    await expectCalendarMatchesEmulator();
  }, 400_000);

  it('makes one onOffice request and no CalDAV write when nothing changed', async () => {
    emulator.log.reset();
    const { summary, caldavRequests } = await syncOnce(config);
    expect(emulator.log.httpRequests).toBe(1);
    expect(caldavRequests.filter((request) => WRITE_METHODS.has(request.method))).toEqual([]);
    // One PROPFIND to check the known calendar, one sync-collection REPORT for changes behind our back.
    expect(caldavRequests.map((request) => request.method).sort()).toEqual(['PROPFIND', 'REPORT']);
    expect(summary.targets[0]!.plan).toMatchObject({ create: 0, update: 0, delete: 0 });
  }, 120_000);

  it('carries exactly 50 modifications, 10 cancellations and 20 deletions over', async () => {
    const active = emulator.data.list().filter((record) => !record.elements.abgesagt);
    const modified = active.slice(0, 50);
    const cancelled = active.slice(50, 60);
    const deleted = active.slice(60, 80);
    for (const record of modified) emulator.data.update(record.id, { description: `${record.elements.description} (geändert)`, note: 'neu; mit, Zeichen' });
    for (const record of cancelled) emulator.data.cancel(record.id);
    for (const record of deleted) emulator.data.remove(record.id);

    const incremental = await syncOnce(config);
    expect(incremental.summary.targets[0]).toMatchObject({ updated: 50, deleted: 10, created: 0 });

    // onOffice sends no tombstones: deletions are found by the reconciliation sweep (nightly, or --full).
    const full = await syncOnce(config, { full: true });
    expect(full.summary.poll.deleted).toBe(20);
    expect(full.summary.targets[0]).toMatchObject({ updated: 0, deleted: 20, created: 0 });
    await expectCalendarMatchesEmulator();
    const events = await readCalendarEvents(config);
    const changed = events.filter(({ event }) => modified.some((record) => String(record.id) === String(event['ONOFFICE-ID'])));
    expect(changed).toHaveLength(50);
    for (const { event } of changed) expect(String(event.summary)).toContain('(geändert)');
  }, 300_000);
});
