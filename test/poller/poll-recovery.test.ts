import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MODIFIED_CURSOR } from '../../src/onoffice/poll-changes.js';
import { openStateStore } from '../../src/store/open-state-store.js';
import { compareWithEmulator, startPollHarness, type PollHarness } from './poll-harness.js';

let harness: PollHarness | undefined;
let dir: string | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('a run that dies between a read and its commit', () => {
  it('keeps the cursor when the commit throws, and the next run recovers everything', async () => {
    harness = await startPollHarness({ count: 300 });
    await harness.poll();
    harness.advance(120);
    const ids = harness.emulator.data.list().slice(0, 5).map((r) => r.id);
    for (const id of ids) harness.emulator.data.update(id, { note: 'changed' });
    const added = harness.emulator.data.insert({ start_dt: '2026-11-05 09:00:00', end_dt: '2026-11-05 10:00:00', description: 'new' });
    harness.advance(30);
    const cursorBefore = harness.store.cursors.get(MODIFIED_CURSOR)?.value;

    const real = harness.store;
    let failed = false;
    harness.store = {
      ...real,
      transaction: <T>(fn: () => T): T => {
        if (!failed) {
          failed = true;
          throw new Error('disk I/O error');
        }
        return real.transaction(fn);
      },
    };
    await expect(harness.poll()).rejects.toThrow('disk I/O error');
    harness.store = real;
    expect(harness.store.cursors.get(MODIFIED_CURSOR)?.value).toBe(cursorBefore);
    expect(harness.store.appointments.get(added)).toBeUndefined();
    expect(harness.store.runs.recentRuns(1)[0]?.error).toBe('disk I/O error');

    const result = await harness.poll();
    expect(result).toMatchObject({ created: 1, updated: 5 });
    expect(compareWithEmulator(harness, harness.emulator.data.list())).toEqual({ missing: [], stale: [], extra: [] });
  });

  it('survives the database being closed mid-run: the cursor stops at the last committed batch', async () => {
    dir = mkdtempSync(join(tmpdir(), 'oos-poll-'));
    const path = join(dir, 'state.db');
    harness = await startPollHarness({ count: 3000, storePath: path, poll: { batchSize: 2 } });
    harness.store.cursors.set(MODIFIED_CURSOR, '2025-01-01 00:00:00');
    await expect(
      harness.poll({
        onProgress: (progress) => {
          if (progress.records > 500 && harness!.store.db.open) harness!.store.close();
        },
      }),
    ).rejects.toThrow(/not open/);
    harness.store = openStateStore(path, { now: harness.now });
    const cursor = harness.store.cursors.get(MODIFIED_CURSOR)!.value;
    expect(cursor > '2025-01-01 00:00:00').toBe(true);
    expect(cursor < '2026-11-01 11:59:50').toBe(true);
    const partial = harness.store.appointments.counts();
    expect(partial.active + partial.cancelled).toBeGreaterThan(0);
    expect(partial.active + partial.cancelled).toBeLessThan(3000);

    await harness.poll();
    expect(compareWithEmulator(harness, harness.emulator.data.list())).toEqual({ missing: [], stale: [], extra: [] });
  });
});
