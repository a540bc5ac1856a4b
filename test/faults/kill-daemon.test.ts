import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSeededRandom } from '../../src/emulator/create-seeded-random.js';
import { generateAppointments } from '../../src/emulator/generate-appointments.js';
import type { Emulator } from '../../src/emulator/start-emulator.js';
import { startRadicale, type RunningAuthServer } from '../support/caldav-servers.js';
import { createTempDir, startEmulator } from '../support/sync-fixture.js';
import { createRawConfig, describeResult, findCalendarProblems, readJournal, runCli, sleep, spawnCli, writeConfigFile } from './fault-harness.js';
import { mutateEmulator } from './mutate-emulator.js';

const KILLS = 20;

/**
 * `onoffice-sync daemon` on a two-second schedule, SIGKILLed at 20 seeded points (during its first
 * backfill, during scheduled runs, while idle) with onOffice changing between kills. Then a daemon runs
 * until ready and stops on SIGTERM with exit 0, and after `sync --full` the calendar is exactly right.
 */
describe('kill -9 of the daemon', () => {
  let radicale: RunningAuthServer;
  let emulator: Emulator;
  let temp: ReturnType<typeof createTempDir>;

  beforeAll(async () => {
    radicale = await startRadicale();
    emulator = await startEmulator({ port: 0, seed: 71 });
    emulator.data.insertMany(generateAppointments({ count: 150, seed: 71 }));
    temp = createTempDir('oos-kill-daemon-');
  });

  afterAll(async () => {
    await emulator?.close();
    await radicale?.stop();
    temp?.remove();
  });

  it('leaves exactly the right objects after 20 kills and stops cleanly on SIGTERM', async () => {
    const stateDb = `${temp.dir}/state.db`;
    const raw = createRawConfig({ emulator, caldavUrl: radicale.url, username: radicale.username, password: radicale.password, stateDb, daemon: { schedule: '*/2 * * * * *' } });
    const { file, config } = writeConfigFile(temp.dir, { ...raw, logLevel: 'info' });
    const random = createSeededRandom(7171);
    const delays: number[] = [];
    let lockLeft = 0;
    for (let kill = 1; kill <= KILLS; kill += 1) {
      if (kill > 3 && kill % 3 === 0) mutateEmulator(emulator, random, { modify: 15, cancel: 2, remove: 1, add: 3, seed: 700 + kill });
      const delayMs = Math.round(300 + random.next() * 4000);
      const daemon = spawnCli(['daemon', '--config', file]);
      await sleep(delayMs);
      daemon.child.kill('SIGKILL');
      const result = await daemon.result;
      expect(result.signal, describeResult(result)).toBe('SIGKILL');
      delays.push(delayMs);
      if (readJournal(stateDb).locks > 0) lockLeft += 1;
    }

    const daemon = spawnCli(['daemon', '--config', file]);
    let url: string | undefined;
    let ready = false;
    for (let attempt = 0; attempt < 150 && !ready; attempt += 1) {
      await sleep(200);
      url ??= /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(daemon.stderr())?.[1];
      if (url) ready = (await fetch(`${url}/readyz`).catch(() => null))?.status === 200;
    }
    expect(ready, 'the daemon became ready after the kills').toBe(true);
    daemon.child.kill('SIGTERM');
    const stopped = await daemon.result;
    expect(stopped.code, describeResult(stopped)).toBe(0);

    const full = await runCli(['sync', '--full', '--config', file]);
    expect(full.code, describeResult(full)).toBe(0);
    const { problems, objects, expected } = await findCalendarProblems(config, emulator);
    expect(problems, problems.join("\n")).toEqual([]);
    expect(objects).toBe(expected);
    expect(readJournal(stateDb)).toMatchObject({ outbox: 0, failures: 0, locks: 0 });
    expect(lockLeft).toBeGreaterThan(0);
    console.info(`kill-daemon: ${delays.length} kills at ${Math.min(...delays)}–${Math.max(...delays)} ms after start, ${lockLeft} left the lock; SIGTERM exit 0; calendar ${objects} = ${expected}`);
  }, 180_000);
});
