import { afterEach, describe, expect, it } from 'vitest';
import { compareWithEmulator, horizonOf, isInHorizon, startPollHarness, type PollHarness } from './poll-harness.js';

let harness: PollHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe('backfill over HTTP against the emulator', () => {
  it('loads every appointment of the horizon exactly once, with few requests', async () => {
    harness = await startPollHarness({ count: 5000 });
    const result = await harness.poll();
    const expected = harness.emulator.data.list().filter((r) => isInHorizon(r, horizonOf(harness!)));
    expect(result.mode).toBe('backfill');
    expect(compareWithEmulator(harness, expected)).toEqual({ missing: [], stale: [], extra: [] });
    expect(result.created).toBe(expected.length);
    expect(harness.emulator.log.actions).toBe(result.actions);
    // Batching: far fewer HTTP requests than the 500-record reads a backfill needs at the least.
    expect(result.requests).toBeLessThanOrEqual(Math.ceil(expected.length / 500));
    expect(harness.store.cursors.get('onoffice:modified')?.value).toBe('2026-11-01 11:59:50');
  });
});
