import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSeededRandom } from '../../src/emulator/create-seeded-random.js';
import { generateAppointments } from '../../src/emulator/generate-appointments.js';
import type { Emulator } from '../../src/emulator/start-emulator.js';
import { startRadicale, type RunningAuthServer } from '../support/caldav-servers.js';
import { createTempDir, startEmulator } from '../support/sync-fixture.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import { createRawConfig, describeResult, findCalendarProblems, readJournal, runCli, sleep, spawnCli, writeConfigFile } from './fault-harness.js';
import { mutateEmulator } from './mutate-emulator.js';

const APPOINTMENTS = 300;
const KILLS = 22;

/**
 * `onoffice-sync sync` SIGKILLed at 22 seeded points spread over each run's expected duration (measured
 * first on a calendar of its own), with appointments modified, cancelled, deleted and added in onOffice
 * between kills. After a final clean run and `sync --full` the calendar must be exactly right.
 */
describe('kill -9 of sync', () => {
  let radicale: RunningAuthServer;
  let emulator: Emulator;
  let temp: ReturnType<typeof createTempDir>;

  beforeAll(async () => {
    radicale = await startRadicale();
    emulator = await startEmulator({ port: 0, seed: 21 });
    emulator.data.insertMany(generateAppointments({ count: APPOINTMENTS, seed: 21 }));
    temp = createTempDir('oos-kill-sync-');
  });

  afterAll(async () => {
    await emulator?.close();
    await radicale?.stop();
    temp?.remove();
  });

  it('leaves exactly the right objects after 22 kills at random points', async () => {
    const server = { emulator, caldavUrl: radicale.url, username: radicale.username, password: radicale.password };
    // The run's duration, measured on a calendar and state of its own: a backfill, then a run with nothing to do.
    const measure = writeConfigFile(temp.dir, createRawConfig({ ...server, stateDb: `${temp.dir}/measure.db`, target: { calendar: 'measure' } }), 'measure.yaml');
    let started = Date.now();
    const backfill = await runCli(['sync', '--config', measure.file]);
    const backfillMs = Date.now() - started;
    expect(backfill.code, describeResult(backfill)).toBe(0);
    started = Date.now();
    const idle = await runCli(['sync', '--config', measure.file]);
    const fixedMs = Date.now() - started;
    expect(idle.code, describeResult(idle)).toBe(0);
    const msPerWrite = Math.max(5, (backfillMs - fixedMs) / APPOINTMENTS);

    const { file, config } = writeConfigFile(temp.dir, createRawConfig({ ...server, stateDb: `${temp.dir}/state.db` }));
    const random = createSeededRandom(4242);
    const outcomes: Array<{ delayMs: number; phase: 'startup/poll' | 'push'; outbox: number; lockLeft: boolean }> = [];
    const completed: number[] = [];
    let pendingWrites = APPOINTMENTS;
    let cycle = 0;
    while (outcomes.length < KILLS) {
      cycle += 1;
      if (cycle > 4 && cycle % 2 === 1) pendingWrites += mutateEmulator(emulator, random, { modify: 25, cancel: 3, remove: 2, add: 5, seed: cycle });
      const args = cycle % 5 === 0 ? ['sync', '--full', '--config', file] : ['sync', '--config', file];
      const delayMs = Math.round(fixedMs * 0.4 + random.next() * (fixedMs * 0.6 + pendingWrites * msPerWrite));
      const run = spawnCli(args);
      const timer = setTimeout(() => run.child.kill('SIGKILL'), delayMs);
      const result = await run.result;
      clearTimeout(timer);
      if (result.signal === 'SIGKILL') {
        const journal = readJournal(`${temp.dir}/state.db`);
        outcomes.push({ delayMs, phase: delayMs < fixedMs ? 'startup/poll' : 'push', outbox: journal.outbox, lockLeft: journal.locks > 0 });
        pendingWrites = Math.max(pendingWrites - Math.max(0, delayMs - fixedMs) / msPerWrite, 30);
      } else {
        // The run finished before its kill: it must have succeeded; a stale lock would be exit 3.
        expect(result.code, describeResult(result)).toBe(0);
        completed.push(delayMs);
        pendingWrites = 30;
      }
    }

    const clean = await runCli(['sync', '--config', file]);
    expect(clean.code, describeResult(clean)).toBe(0);
    const full = await runCli(['sync', '--full', '--json', '--config', file]);
    expect(full.code, describeResult(full)).toBe(0);

    const { problems, objects, expected } = await findCalendarProblems(config, emulator);
    expect(problems, problems.join("\n")).toEqual([]);
    expect(objects).toBe(expected);
    expect(readJournal(`${temp.dir}/state.db`)).toMatchObject({ outbox: 0, failures: 0, locks: 0 });

    const inPush = outcomes.filter((outcome) => outcome.phase === 'push');
    // The kills hit where they should: several while writes were in flight (journal rows left — the
    // phase guess from the delay is only approximate on a loaded machine), some before the push, and the
    // lock a killed run left behind was taken over by the next run every time (no exit 3 above).
    expect(outcomes.length).toBeGreaterThanOrEqual(20);
    expect(outcomes.filter((outcome) => outcome.outbox > 0).length).toBeGreaterThanOrEqual(5);
    expect(outcomes.filter((outcome) => outcome.outbox === 0).length).toBeGreaterThan(0);
    expect(outcomes.filter((outcome) => outcome.lockLeft).length).toBeGreaterThan(0);
    console.info(
      `kill-sync: ${outcomes.length} kills (${inPush.length} in the push, ${outcomes.filter((o) => o.outbox > 0).length} with journal rows left, ` +
        `${outcomes.filter((o) => o.lockLeft).length} left the lock), ${completed.length} runs finished first; backfill ${backfillMs} ms, idle run ${fixedMs} ms; ` +
        `calendar ${objects} objects = ${expected} expected`,
    );
  }, 600_000);
  it('removes an object whose create was in flight at the kill when the appointment is gone by the next run', async () => {
    // Every PUT reaches Radicale but its answer never comes back: at the kill, the objects exist on the
    // server while the state knows only the journal rows.
    const proxy = await startFaultProxy({ target: radicale.url, seed: 5, faults: { timeoutRate: 1, afterForwardShare: 1, methods: ['PUT'] } });
    try {
      const flight = await startEmulator({ port: 0, seed: 22 });
      try {
        flight.data.insertMany(generateAppointments({ count: 12, seed: 22 }).map((elements) => ({ ...elements, abgesagt: false, status: 'active' as const })));
        const credentials = { emulator: flight, username: radicale.username, password: radicale.password, stateDb: `${temp.dir}/in-flight.db`, target: { calendar: 'in-flight' } };
        const { file } = writeConfigFile(temp.dir, createRawConfig({ ...credentials, caldavUrl: proxy.url }), 'in-flight.yaml');
        const direct = writeConfigFile(temp.dir, createRawConfig({ ...credentials, caldavUrl: radicale.url }), 'in-flight-direct.yaml');
        const run = spawnCli(['sync', '--config', file]);
        for (let waited = 0; readJournal(`${temp.dir}/in-flight.db`).outbox === 0 && waited < 100; waited += 1) await sleep(100);
        await sleep(500);
        run.child.kill('SIGKILL');
        await run.result;
        const inFlight = readJournal(`${temp.dir}/in-flight.db`).outbox;
        expect(inFlight).toBeGreaterThan(0);
        expect((await findCalendarProblems(direct.config, flight)).objects).toBeGreaterThan(0);

        for (const record of flight.data.list()) flight.data.cancel(record.id);
        proxy.clearFaults();
        const next = await runCli(['sync', '--config', file]);
        expect(next.code, describeResult(next)).toBe(0);
        const full = await runCli(['sync', '--full', '--config', file]);
        expect(full.code, describeResult(full)).toBe(0);
        const { problems, objects } = await findCalendarProblems(direct.config, flight);
        expect(problems, problems.join('\n')).toEqual([]);
        expect(objects).toBe(0);
        expect(readJournal(`${temp.dir}/in-flight.db`)).toMatchObject({ outbox: 0, failures: 0, locks: 0 });
      } finally {
        await flight.close();
      }
    } finally {
      await proxy.close();
    }
  }, 60_000);
});
