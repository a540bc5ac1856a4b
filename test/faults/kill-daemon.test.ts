import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSeededRandom } from '../../src/emulator/create-seeded-random.js';
import { generateAppointments } from '../../src/emulator/generate-appointments.js';
import type { Emulator } from '../../src/emulator/start-emulator.js';
import { FAILPOINT_MARKER } from '../../src/failpoint/reach-failpoint.js';
import { startRadicale, type RunningAuthServer } from '../support/caldav-servers.js';
import { createTempDir, startEmulator } from '../support/sync-fixture.js';
import { createRawConfig, describeResult, findCalendarProblems, readJournal, runCli, spawnCli, stopChildren, waitForOutput, writeConfigFile } from './fault-harness.js';
import { mutateEmulator } from './mutate-emulator.js';

/** Where the daemon dies, one after the other, with onOffice changing in between. */
const KILLS = ['sync.after-poll', 'push.before-put@3', 'push.after-put@7', 'push.before-delete@1', 'push.after-delete@2', 'push.after-put@1'] as const;

/**
 * `onoffice-sync daemon` killed (SIGKILL) at a sequence of failpoints inside its runs, each kill on
 * the state the previous one left. Then a daemon syncs, stops on SIGTERM with exit 0, and after
 * `sync --full` the calendar is exactly right.
 */
describe('kill -9 of the daemon', () => {
  let radicale: RunningAuthServer;
  let emulator: Emulator;
  let temp: ReturnType<typeof createTempDir>;

  beforeAll(async () => {
    radicale = await startRadicale();
    emulator = await startEmulator({ port: 0, seed: 71 });
    emulator.data.insertMany(generateAppointments({ count: 30, seed: 71 }));
    temp = createTempDir('oos-kill-daemon-');
  });

  afterEach(async () => {
    await stopChildren();
  });

  afterAll(async () => {
    await emulator?.close();
    await radicale?.stop();
    temp?.remove();
  });

  it('leaves exactly the right objects after a kill at each point and stops cleanly on SIGTERM', async () => {
    const stateDb = `${temp.dir}/state.db`;
    const raw = createRawConfig({ emulator, caldavUrl: radicale.url, username: radicale.username, password: radicale.password, stateDb, daemon: { schedule: '0 0 1 1 *' } });
    const { file, config } = writeConfigFile(temp.dir, { ...raw, logLevel: 'info' });
    const random = createSeededRandom(7171);
    for (const [index, point] of KILLS.entries()) {
      // Cancellations give the delete points something to delete; modifications and additions, PUTs.
      if (index > 0) mutateEmulator(emulator, random, { modify: 4, cancel: 3, remove: 0, add: 2, seed: 700 + index });
      const daemon = await runCli(['daemon', '--config', file], { ONOFFICE_SYNC_FAILPOINT: point });
      expect(daemon.signal, describeResult(daemon)).toBe('SIGKILL');
      expect(daemon.stderr).toContain(`${FAILPOINT_MARKER} ${point.split('@')[0]}`);
    }

    const daemon = spawnCli(['daemon', '--config', file]);
    await waitForOutput(daemon, /sync run finished/);
    daemon.child.kill('SIGTERM');
    const stopped = await daemon.result;
    expect(stopped.code, describeResult(stopped)).toBe(0);

    const full = await runCli(['sync', '--full', '--config', file]);
    expect(full.code, describeResult(full)).toBe(0);
    const { problems, objects, expected } = await findCalendarProblems(config, emulator);
    expect(problems, problems.join('\n')).toEqual([]);
    expect(objects).toBe(expected);
    expect(readJournal(stateDb)).toMatchObject({ outbox: 0, failures: 0, locks: 0 });
    console.info(`kill-daemon: killed at ${KILLS.join(', ')}; SIGTERM exit 0; calendar ${objects} = ${expected}`);
  }, 180_000);
});
