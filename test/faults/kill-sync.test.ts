import { describe, expect, it } from 'vitest';
import { createSeededRandom } from '../../src/emulator/create-seeded-random.js';
import { generateAppointments } from '../../src/emulator/generate-appointments.js';
import { startEmulator } from '../support/sync-fixture.js';
import type { Config } from '../../src/config/config-schema.js';
import type { Emulator } from '../../src/emulator/start-emulator.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import { describeResult, findCalendarProblems, readJournal, runCli, spawnCli, useFaultServers } from './fault-harness.js';
import { mutateEmulator } from './mutate-emulator.js';

const APPOINTMENTS = 40;
const KILLS = 8;

/**
 * Cancels every appointment of `source`, then runs `sync` and `sync --full`: each must succeed and leave
 * the calendar (read with `config`) without an object and the state without a journal row or lock.
 */
async function expectEmptyOnceAllCancelled(source: Emulator, run: { file: string; config: Config; stateDb: string }): Promise<void> {
  for (const record of source.data.list()) source.data.cancel(record.id);
  const next = await runCli(['sync', '--config', run.file]);
  expect(next.code, describeResult(next)).toBe(0);
  const full = await runCli(['sync', '--full', '--config', run.file]);
  expect(full.code, describeResult(full)).toBe(0);
  const { problems, objects } = await findCalendarProblems(run.config, source);
  expect(problems, problems.join('\n')).toEqual([]);
  expect(objects).toBe(0);
  expect(readJournal(run.stateDb)).toMatchObject({ outbox: 0, failures: 0, locks: 0 });
}

/**
 * The one random-kill test (the deterministic ones are in crash-points.test.ts): `onoffice-sync sync`
 * SIGKILLed after seeded delays, with onOffice changing between runs. Where the kills land depends on
 * the machine, so nothing is asserted about that: only that a run that outlived its kill succeeded, and
 * that after a clean run and `sync --full` the calendar and the journal are exactly right.
 */
describe('kill -9 of sync at random moments', () => {
  const servers = useFaultServers({ seed: 21, count: APPOINTMENTS });

  it('leaves exactly the right objects after kills at seeded random moments', async () => {
    const { file } = servers.configFor('random');
    // The spread of the delays: one backfill of a calendar of its own, as this machine runs it now.
    const measure = servers.configFor('measure');
    const started = Date.now();
    const backfill = await runCli(['sync', '--config', measure.file]);
    expect(backfill.code, describeResult(backfill)).toBe(0);
    const spreadMs = Date.now() - started;

    const random = createSeededRandom(4242);
    let killed = 0;
    for (let run = 1; run <= KILLS; run += 1) {
      if (run > 2) mutateEmulator(servers.emulator, random, { modify: 5, cancel: 1, remove: 1, add: 2, seed: run });
      const args = run % 4 === 0 ? ['sync', '--full', '--config', file] : ['sync', '--config', file];
      const sync = spawnCli(args);
      const timer = setTimeout(() => sync.child.kill('SIGKILL'), Math.round(random.next() * spreadMs));
      const result = await sync.result;
      clearTimeout(timer);
      if (result.signal === 'SIGKILL') killed += 1;
      // A run that finished before its kill must have succeeded: a lock or journal left by a kill would fail it.
      else expect(result.code, describeResult(result)).toBe(0);
    }

    const clean = await runCli(['sync', '--config', file]);
    expect(clean.code, describeResult(clean)).toBe(0);
    const full = await runCli(['sync', '--full', '--config', file]);
    expect(full.code, describeResult(full)).toBe(0);
    const objects = await servers.expectExact('random');
    console.info(`kill-sync: ${killed} of ${KILLS} runs killed within 0–${spreadMs} ms; calendar ${objects} objects, exact`);
  }, 300_000);

  it('removes an object whose create reached the server before the kill when the appointment is gone by the next run', async () => {
    const flight = await startEmulator({ port: 0, seed: 22 });
    try {
      flight.data.insertMany(generateAppointments({ count: 12, seed: 22 }).map((elements) => ({ ...elements, abgesagt: false, status: 'active' as const })));
      // Without the seed, which would take every create of the new calendar into one request.
      const { file, config, stateDb } = servers.configFor('in-flight', { source: flight, target: { seedEmptyCalendars: false } });
      // Killed after the sixth PUT was answered and before its row was recorded: the server holds objects
      // the state knows only as journal rows.
      const killedRun = await runCli(['sync', '--config', file], { ONOFFICE_SYNC_FAILPOINT: 'push.after-put@6' });
      expect(killedRun.signal, describeResult(killedRun)).toBe('SIGKILL');
      expect(readJournal(stateDb).outbox).toBeGreaterThan(0);
      expect((await findCalendarProblems(config, flight)).objects).toBeGreaterThanOrEqual(6);

      await expectEmptyOnceAllCancelled(flight, { file, config, stateDb });
    } finally {
      await flight.close();
    }
  }, 120_000);

  it('leaves nothing behind when a killed run\'s seed reaches the server only after the next run listed the calendar', async () => {
    const late = await startEmulator({ port: 0, seed: 23 });
    const proxy = await startFaultProxy({ target: servers.radicale.url, seed: 23 });
    try {
      late.data.insertMany(generateAppointments({ count: 12, seed: 23 }).map((elements) => ({ ...elements, abgesagt: false, status: 'active' as const })));
      const { file, stateDb } = servers.configFor('late-seed', { source: late, caldavUrl: proxy.url });
      // The seed (the one PUT carrying several events: its probe carries none, an object's PUT one) is held, and
      // the run that sent it is killed: the seed is journalled, and reaches Radicale later.
      proxy.holdWhen = ({ method, body }) => method === 'PUT' && body.split('BEGIN:VEVENT').length > 2;
      const seeding = spawnCli(['sync', '--config', file]);
      await proxy.waitForHeld(1);
      seeding.child.kill('SIGKILL');
      expect((await seeding.result).signal).toBe('SIGKILL');
      proxy.holdWhen = null;
      expect(readJournal(stateDb).outbox).toBe(12);

      // The next run lists a calendar without the seed's objects, journals its first writes and is killed
      // before sending one; then the seed lands (the calendar is still empty, so its If-Match holds).
      const listing = await runCli(['sync', '--config', file], { ONOFFICE_SYNC_FAILPOINT: 'push.before-put' });
      expect(listing.signal, describeResult(listing)).toBe('SIGKILL');
      expect(await proxy.releaseHeld()).toEqual([201]);
      const { config: direct } = servers.configFor('late-seed', { source: late });
      expect((await findCalendarProblems(direct, late)).objects).toBe(12);

      // Every appointment cancelled: the runs after must remove every object, wherever it was journalled.
      await expectEmptyOnceAllCancelled(late, { file, config: direct, stateDb });
    } finally {
      await proxy.close();
      await late.close();
    }
  }, 120_000);
});
