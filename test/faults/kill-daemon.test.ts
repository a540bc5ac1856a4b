import { describe, expect, it } from 'vitest';
import { createSeededRandom } from '../../src/emulator/create-seeded-random.js';
import { FAILPOINT_MARKER } from '../../src/failpoint/reach-failpoint.js';
import { describeResult, runCli, spawnCli, useFaultServers, waitForOutput } from './fault-harness.js';
import { mutateEmulator } from './mutate-emulator.js';

/** Where the daemon dies, one after the other, with onOffice changing in between. */
const KILLS = ['sync.after-poll', 'push.before-put@3', 'push.after-put@7', 'push.before-delete@1', 'push.after-delete@2', 'push.after-put@1'] as const;

/**
 * `onoffice-sync daemon` killed (SIGKILL) at a sequence of failpoints inside its runs, each kill on
 * the state the previous one left. Then a daemon syncs, stops on SIGTERM with exit 0, and after
 * `sync --full` the calendar is exactly right.
 */
describe('kill -9 of the daemon', () => {
  const servers = useFaultServers({ seed: 71, count: 30 });

  it('leaves exactly the right objects after a kill at each point and stops cleanly on SIGTERM', async () => {
    // Without the seed, which would take every create of the new calendar into one request: these
    // points are the per-object writes' (the seed's are in crash-points.test.ts).
    const { file } = servers.configFor('daemon', { target: { seedEmptyCalendars: false }, extra: { logLevel: 'info', daemon: { port: 0, schedule: '0 0 1 1 *' } } });
    const random = createSeededRandom(7171);
    for (const [index, point] of KILLS.entries()) {
      // Cancellations give the delete points something to delete; modifications and additions, PUTs.
      if (index > 0) mutateEmulator(servers.emulator, random, { modify: 4, cancel: 3, remove: 0, add: 2, seed: 700 + index });
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
    const objects = await servers.expectExact('daemon');
    console.info(`kill-daemon: killed at ${KILLS.join(', ')}; SIGTERM exit 0; calendar ${objects} objects, exact`);
  }, 180_000);
});
