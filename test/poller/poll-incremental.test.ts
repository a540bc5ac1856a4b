import { afterEach, describe, expect, it } from 'vitest';
import type { ReadCalendarParams } from '../../src/onoffice/onoffice-client.js';
import { FILTER_WITHOUT_PERIOD_ERROR_CODE, OnOfficeActionError } from '../../src/onoffice/onoffice-errors.js';
import { MODIFIED_CURSOR, type PollClient } from '../../src/onoffice/poll-changes.js';
import { compareWithEmulator, horizonOf, isInHorizon, startPollHarness, type PollHarness } from './poll-harness.js';

let harness: PollHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** A store that last read long before every generated `modified`: the next run reads them all by `modified`. */
function rewindCursor(h: PollHarness): void {
  h.store.cursors.set(MODIFIED_CURSOR, '2025-01-01 00:00:00');
}

describe('incremental reads by modified windows, over HTTP', () => {
  for (const capMode of ['arbitrary', 'sorted'] as const) {
    it(`loses and duplicates nothing across split windows (${capMode} capped answers)`, async () => {
      harness = await startPollHarness({ count: 4000, capMode, poll: { batchSize: 4 } });
      rewindCursor(harness);
      const result = await harness.poll();
      expect(result.mode).toBe('incremental');
      expect(result.splits).toBeGreaterThan(0);
      expect(compareWithEmulator(harness, harness.emulator.data.list())).toEqual({ missing: [], stale: [], extra: [] });
      expect(result.created).toBe(4000);
      expect(result.records).toBe(4000);
      expect(harness.store.appointments.maxChangeSeq()).toBe(4000);
      expect(harness.store.cursors.get(MODIFIED_CURSOR)?.value).toBe('2026-11-01 11:59:50');
    });
  }

  for (const capMode of ['arbitrary', 'sorted'] as const) {
    it(`cuts a 1,200-appointment same-second burst by start_dt, reads all of it in few requests and advances the cursor past it (${capMode})`, async () => {
      const burst = { size: 1200, modified: '2026-10-15 08:00:00' };
      harness = await startPollHarness({ count: 3000, burst, capMode });
      rewindCursor(harness);
      const result = await harness.poll();
      expect(result.overflowSeconds).toEqual([burst.modified]);
      expect(result.sweeps).toBe(0);
      const all = harness.emulator.data.list();
      expect(all.filter((r) => r.elements.modified === burst.modified).length).toBeGreaterThan(1100);
      // Every record, the burst's outside the horizon too (a date sweep would have read only the horizon).
      expect(compareWithEmulator(harness, all)).toEqual({ missing: [], stale: [], extra: [] });
      expect(harness.store.cursors.get(MODIFIED_CURSOR)?.value).toBe('2026-11-01 11:59:50');
    });
  }

  /** The harness's client, with onOffice answering a start_dt filter beside a modified window as `answer` says. */
  function withBurstFilter(h: PollHarness, answer: 'refused' | 'ignored'): PollClient {
    return {
      readCalendarBatch: (params) => {
        const isBurstPiece = (p: ReadCalendarParams): boolean => p.filter !== undefined && p.modifiedstart !== undefined;
        if (answer === 'ignored') return h.client.readCalendarBatch(params.map((p) => (isBurstPiece(p) ? { ...p, filter: undefined } : p)));
        return h.client.readCalendarBatch(params).then((pages) =>
          pages.map((page, i) => (isBurstPiece(params[i]!) ? new OnOfficeActionError('read calendar', FILTER_WITHOUT_PERIOD_ERROR_CODE, 'filter without date period') : page)),
        );
      },
    };
  }

  for (const answer of ['refused', 'ignored'] as const) {
    it(`falls back to a date sweep when onOffice ${answer === 'refused' ? 'refuses (241)' : 'ignores'} a filter beside a modified window, missing nothing in the horizon`, async () => {
      const burst = { size: 1200, modified: '2026-10-15 08:00:00' };
      harness = await startPollHarness({ count: 3000, burst });
      rewindCursor(harness);
      const result = await harness.poll({ client: withBurstFilter(harness, answer) });
      expect(result.overflowSeconds).toEqual([burst.modified]);
      expect(result.sweeps).toBe(1);
      const horizon = horizonOf(harness!);
      const expected = harness.emulator.data.list().filter((r) => r.elements.modified !== burst.modified || isInHorizon(r, horizon));
      const stored = new Set(harness.store.appointments.listByStatus('active', 'cancelled').map((a) => a.id));
      expect(expected.filter((r) => !stored.has(r.id)).map((r) => r.id)).toEqual([]);
      expect(compareWithEmulator(harness, expected).stale).toEqual([]);
      expect(harness.store.cursors.get(MODIFIED_CURSOR)?.value).toBe('2026-11-01 11:59:50');
    });
  }

  it('re-reads the overlap without counting twice or bumping revisions, and applies real changes once', async () => {
    harness = await startPollHarness({ count: 300 });
    await harness.poll();
    const [a, b, c] = harness.emulator.data.list();
    harness.advance(60);
    harness.emulator.data.update(a!.id, { description: 'moved to Tuesday' });
    harness.emulator.data.cancel(b!.id);
    harness.advance(30);
    const first = await harness.poll();
    expect(first).toMatchObject({ mode: 'incremental', created: 0, updated: 2 });
    expect(harness.store.appointments.get(a!.id)).toMatchObject({ revision: 1, status: 'active' });
    expect(harness.store.appointments.get(b!.id)).toMatchObject({ revision: 1, status: 'cancelled' });
    const seq = harness.store.appointments.maxChangeSeq();

    harness.advance(30);
    const again = await harness.poll();
    expect(again).toMatchObject({ created: 0, updated: 0, records: 2, unchanged: 2 });
    expect(harness.store.appointments.get(a!.id)?.revision).toBe(1);
    expect(harness.store.appointments.get(c!.id)?.revision).toBe(0);
    expect(harness.store.appointments.maxChangeSeq()).toBe(seq);
    expect(harness.store.appointments.listChangedSince(seq - 2).map((s) => s.id).sort()).toEqual([a!.id, b!.id].sort());
  });

  it('reads a change made a second ago at once, keeps the cursor lagSeconds behind, and re-reads it next time as a no-op', async () => {
    harness = await startPollHarness({ count: 200, poll: { lagSeconds: 10 } });
    await harness.poll();
    const [a] = harness.emulator.data.list();
    harness.advance(60);
    harness.emulator.data.update(a!.id, { description: 'changed just now' });
    harness.advance(1);
    const fresh = await harness.poll();
    // Within lagSeconds of now: read in this run, not only in the next one.
    expect(fresh).toMatchObject({ mode: 'incremental', updated: 1, records: 1 });
    expect(harness.store.appointments.get(a!.id)).toMatchObject({ revision: 1 });
    const at = (seconds: number): string => new Date(harness!.clock - seconds * 1000).toISOString().slice(0, 19).replace('T', ' ');
    expect(harness.store.cursors.get(MODIFIED_CURSOR)?.value).toBe(at(10));
    const seq = harness.store.appointments.maxChangeSeq();

    harness.advance(5);
    const again = await harness.poll();
    // The lag's seconds are read again; the unchanged record is no change.
    expect(again).toMatchObject({ records: 1, unchanged: 1, updated: 0 });
    expect(harness.store.appointments.get(a!.id)).toMatchObject({ revision: 1 });
    expect(harness.store.appointments.maxChangeSeq()).toBe(seq);
    expect(harness.store.cursors.get(MODIFIED_CURSOR)?.value).toBe(at(10));
  });

  it('quarantines a bad record while the rest syncs, does not re-report it, and releases it when fixed', async () => {
    harness = await startPollHarness({ count: 200 });
    await harness.poll();
    harness.advance(60);
    const bad = harness.emulator.data.insert({ start_dt: 'next Tuesday', end_dt: '2026-11-03 10:00:00', description: 'broken' });
    const good = harness.emulator.data.insert({ start_dt: '2026-11-03 09:00:00', end_dt: '2026-11-03 10:00:00', description: 'fine' });
    harness.advance(30);
    const first = await harness.poll();
    expect(first).toMatchObject({ created: 1, quarantined: 1 });
    expect(harness.store.appointments.get(good)?.status).toBe('active');
    expect(harness.store.appointments.get(bad)?.status).toBe('quarantined');
    expect(harness.store.appointments.listQuarantine().map((q) => q.recordId)).toEqual([String(bad)]);
    expect(harness.store.appointments.counts().quarantined).toBe(1);

    harness.advance(30);
    expect(await harness.poll()).toMatchObject({ quarantined: 0, created: 0 });
    expect(harness.store.appointments.counts().quarantined).toBe(1);

    harness.advance(60);
    harness.emulator.data.update(bad, { start_dt: '2026-11-03 09:30:00' });
    harness.advance(30);
    expect(await harness.poll()).toMatchObject({ released: 1, created: 1, quarantined: 0 });
    expect(harness.store.appointments.get(bad)).toMatchObject({ status: 'active', revision: 0 });
    expect(harness.store.appointments.counts().quarantined).toBe(0);
  });
});
