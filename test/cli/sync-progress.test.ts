import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSyncRuntime } from '../../src/app/create-sync-runtime.js';
import { runSync } from '../../src/app/run-sync.js';
import { createMemoryCalendarTarget } from '../../src/caldav/memory-calendar-target.js';
import type { Emulator } from '../../src/emulator/start-emulator.js';
import { createSilentLogger } from '../../src/log/create-logger.js';
import { createTempDir, createTestConfig, startEmulator } from '../support/sync-fixture.js';

let emulator: Emulator;
let temp: { dir: string; remove(): void };

beforeAll(async () => {
  emulator = await startEmulator({ appointments: 700, seed: 9 });
  temp = createTempDir('oos-sync-progress-');
});
afterAll(async () => {
  await emulator.close();
  temp.remove();
});

describe('sync progress', () => {
  it('reports the poll with its share covered and the push one appointment at a time, for every target', async () => {
    const config = createTestConfig({ emulator, caldavUrl: 'http://127.0.0.1:9/', stateDb: join(temp.dir, 'state.db') });
    const runtime = createSyncRuntime(config, createSilentLogger());
    const targetConfig = config.caldav[0]!;
    const targets = [
      { config: targetConfig, target: createMemoryCalendarTarget() },
      { config: { ...targetConfig, name: 'second' }, target: createMemoryCalendarTarget() },
    ];
    const reports: Array<{ phase: string; done: number; total: number | null; share?: number | null }> = [];
    try {
      await runSync({ ...runtime, targets }, { onProgress: (progress) => reports.push({ ...progress }) });
    } finally {
      runtime.store.close();
    }
    const sweep = reports.filter((r) => r.phase === 'sweep');
    expect(sweep.length).toBeGreaterThan(0);
    expect(sweep.at(-1)).toMatchObject({ done: 700, share: 1 });
    for (const [i, r] of sweep.entries()) {
      expect(r.share).toBeGreaterThanOrEqual(0);
      expect(r.share).toBeLessThanOrEqual(1);
      if (i > 0) expect(r.share!).toBeGreaterThanOrEqual(sweep[i - 1]!.share!);
    }
    // The first target's push follows the first run's poll (app/run-sync.ts), but its progress is told
    // once the poll's is over (a display shows one phase after the other); its total grows with what
    // the poll has stored, and ends at every appointment; it never goes back.
    expect(reports.findIndex((r) => r.phase === 'push default')).toBeGreaterThan(reports.map((r) => r.phase).lastIndexOf('sweep'));
    const following = reports.filter((r) => r.phase === 'push default');
    expect(following.at(-1)!.total).toBe(700);
    expect(following.at(-1)!.done).toBe(700);
    for (const [i, r] of following.entries()) {
      expect(r.done).toBeLessThanOrEqual(r.total!);
      if (i > 0) expect(r.done).toBeGreaterThanOrEqual(following[i - 1]!.done);
      if (i > 0) expect(r.total!).toBeGreaterThanOrEqual(following[i - 1]!.total!);
    }
    // The second target is pushed after the poll, a chunk at a time, its total known from the start.
    const push = reports.filter((r) => r.phase === 'push second');
    const total = push[0]!.total!;
    expect(total).toBeGreaterThan(500);
    // One appointment at a time up to the total, but for a step per chunk where its planning counts the
    // appointments with nothing to write (four chunks: 25, 100 and 375 of the first 500, then 200).
    const steps = push.slice(1).map((r, i) => r.done - push[i]!.done);
    expect(steps.filter((step) => step !== 1).length).toBeLessThanOrEqual(4);
    expect(push.at(-1)!.done).toBe(total);
    expect(push.length).toBeGreaterThan(total / 2);
  });
});
