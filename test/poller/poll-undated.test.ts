import { afterEach, describe, expect, it } from 'vitest';
import { formatUtcTimestamp } from '../../src/emulator/emulator-database.js';
import { compareWithEmulator, horizonOf, isInHorizon, startPollHarness, type PollHarness } from './poll-harness.js';

let harness: PollHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe('backfill and records no date period returns', () => {
  it('reports (quarantines) every record with both dates 0000-00-00 that a modified window returns, and nothing else changes', async () => {
    harness = await startPollHarness({ count: 2000 });
    const day = 86_400_000;
    // Modified anywhere in the horizon's past days, up to the lag before now: where a modified window reaches.
    const undated = Array.from({ length: 30 }, (_, i) =>
      harness!.emulator.data.insert(
        { start_dt: '0000-00-00 00:00:00', end_dt: '0000-00-00 00:00:00' },
        { modified: formatUtcTimestamp(harness!.clock - 60_000 - Math.floor((i / 30) * 89 * day)) },
      ),
    );
    const result = await harness.poll();
    expect(result.mode).toBe('backfill');
    expect(harness.store.appointments.listQuarantine().map((q) => Number(q.recordId)).sort((a, b) => a - b)).toEqual(undated);
    const expected = harness.emulator.data.list().filter((r) => !undated.includes(r.id) && isInHorizon(r, horizonOf(harness!)));
    expect(compareWithEmulator(harness, expected)).toMatchObject({ missing: [], stale: [] });
    expect(harness.store.appointments.counts().active + harness.store.appointments.counts().cancelled).toBe(expected.length);
    // The cursor stays where the sweep put it.
    expect(harness.store.cursors.get('onoffice:modified')?.value).toBe('2026-11-01 11:59:50');
  });
});
