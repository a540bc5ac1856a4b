import { describe, expect, it } from 'vitest';
import {
  BURST_PIECES,
  EARLIEST_WALL,
  LATEST_WALL,
  PROFILE_BINS,
  planBatch,
  planBurstRanges,
  planDensity,
  planProfile,
  planRangesFromStarts,
  planRecut,
  planSplit,
  planTarget,
  weighWindow,
  type PendingRange,
  type ReadWindow,
} from '../../src/onoffice/plan-windows.js';

const range = (from: number, to: number, limit: number | null = null): PendingRange => ({ kind: 'modified', from, to, measured: true, fixed: false, limit });

describe('window planning', () => {
  it('cuts windows that touch without gap or overlap and cover the range', () => {
    const { windows, rest } = planBatch([range(0, 9_999_999)], 0.001, 10);
    expect(windows).toHaveLength(10);
    expect(windows[0]).toMatchObject({ from: 0, to: 399_999 });
    for (let i = 1; i < windows.length; i++) expect(windows[i]!.from).toBe(windows[i - 1]!.to + 1);
    expect(rest[0]!.from).toBe(windows.at(-1)!.to + 1);
  });

  it('probes an unknown density with doubling windows up to the limit', () => {
    const { windows } = planBatch([range(0, 1_000_000, 1024)], null, 4);
    expect(windows.map((w) => w.to - w.from + 1)).toEqual([128, 256, 512, 1024]);
  });

  it('reads a never-tried range whole, and refuses to cut one second', () => {
    expect(planBatch([range(5, 500)], null, 10).windows).toEqual([{ kind: 'modified', from: 5, to: 500, measured: true }]);
    expect(planRecut({ kind: 'modified', from: 7, to: 7, measured: true })).toBeNull();
    expect(planRecut({ kind: 'modified', from: 0, to: 999, measured: true })).toMatchObject({ limit: 800 });
    expect(planRecut({ kind: 'modified', from: 0, to: 1, measured: true })).toMatchObject({ limit: 1 });
  });

  it('estimates the density near the front and forgets it when only capped windows came back', () => {
    const w = (from: number, to: number) => ({ kind: 'modified' as const, from, to, measured: true });
    expect(planDensity(null, [{ window: w(0, 999), records: 0 }, { window: w(1000, 1999), records: 440 }], [])).toBeCloseTo(0.44);
    expect(planDensity(0.1, [{ window: w(0, 9), records: 0 }], [w(10, 19)])).toBeNull();
    expect(planDensity(0.1, [], [])).toBe(0.1);
  });

  it('plans fixed ranges from known start times', () => {
    const starts = Array.from({ length: 1000 }, (_, i) => i * 10);
    const ranges = planRangesFromStarts('start', 0, 20_000, starts);
    expect(ranges.map((r) => [r.from, r.to])).toEqual([[0, 3999], [4000, 7999], [8000, 20_000]]);
  });

  it('runs a window on into a range that continues it, never past a limit', () => {
    const queue = [range(0, 99, 1000), range(100, 10_000), range(10_001, 20_000)];
    const { windows, rest } = planBatch(queue, 1, 1, { target: 400 });
    expect(windows).toEqual([{ kind: 'modified', from: 0, to: 399, measured: true }]);
    expect(rest[0]).toMatchObject({ from: 400, to: 10_000 });
    const limited = planBatch([range(0, 99, 150), range(100, 10_000)], 1, 1, { target: 400 });
    expect(limited.windows[0]).toMatchObject({ from: 0, to: 149 });
    const fixed = planBatch([range(0, 99), { ...range(100, 10_000), fixed: true }], 1, 1, { target: 400 });
    expect(fixed.windows[0]).toMatchObject({ from: 0, to: 99 });
  });

  it('ends a request after one group of probes, and at the planned record bound', () => {
    const probe: PendingRange = { ...range(0, 1_000_000), probeLimit: 1600 };
    expect(planBatch([probe], null, 10).windows.map((w) => w.to - w.from + 1)).toEqual([100, 200, 400, 800, 1600]);
    expect(planBatch([range(0, 1_000_000)], 0.1, 10, { target: 400, maxRecords: 2000 }).windows).toHaveLength(5);
  });

  it('splits a capped window where its answer shows the records, tiling it exactly', () => {
    const window: ReadWindow = { kind: 'start', from: 1000, to: 1999, measured: true };
    const tiles = (pieces: PendingRange[]) => pieces.map((p) => [p.from, p.to]);
    const lump = [...Array.from({ length: 450 }, (_, i) => 1100 + (i % 20)), ...Array.from({ length: 50 }, (_, i) => 1200 + i * 10)];
    const pieces = planSplit(window, lump, 2)!;
    expect(pieces[0]!.from).toBe(1000);
    expect(pieces.at(-1)!.to).toBe(1999);
    for (let i = 1; i < pieces.length; i++) expect(pieces[i]!.from).toBe(pieces[i - 1]!.to + 1);
    expect(pieces.every((p) => p.fixed && p.to - p.from < 999)).toBe(true);
    const burst = planSplit(window, Array.from({ length: 500 }, () => 1500), 2)!;
    expect(tiles(burst)).toEqual([[1000, 1499], [1500, 1500], [1501, 1999]]);
    expect(tiles(planSplit(window, [], 2)!)).toEqual([[1000, 1499], [1500, 1999]]);
    expect(tiles(planSplit(window, [5, 1_000_000], 2)!)).toEqual([[1000, 1499], [1500, 1999]]);
    expect(planSplit({ ...window, to: 1000 }, [1000], 2)).toBeNull();
  });

  it('weighs windows by where in the day records fall', () => {
    const counts = Array.from({ length: PROFILE_BINS }, (_, bin) => (bin >= 32 && bin < 76 ? 10 : 0));
    const profile = planProfile(counts)!;
    const day = 86_400 * 20_000;
    expect(weighWindow({ from: day, to: day + 86_399 }, profile)).toBeCloseTo(86_400, 3);
    expect(weighWindow({ from: day, to: day + 6 * 3600 - 1 }, profile)).toBeLessThan(86_400 * 0.01);
    expect(weighWindow({ from: day + 8 * 3600, to: day + 19 * 3600 - 1 }, profile)).toBeGreaterThan(86_400 * 0.95);
    expect(planProfile(Array.from({ length: PROFILE_BINS }, () => 1))).toBeNull();
    const { windows } = planBatch([range(day, day + 100 * 86_400)], 100 / 86_400, 3, { profile, target: 50 });
    for (const w of windows) expect(weighWindow(w, profile) * (100 / 86_400)).toBeCloseTo(50, 0);
  });

  it('plans fewer records per window the more counts strayed from the plan', () => {
    expect(planTarget(1)).toBeGreaterThan(430);
    expect(planTarget(3)).toBeGreaterThanOrEqual(390);
    expect(planTarget(3)).toBeLessThanOrEqual(400);
    expect(planTarget(100)).toBe(250);
  });

  it('cuts a capped modified second into start_dt pieces that tile every start time, at the quantiles of the capped answer', () => {
    const second = Date.UTC(2026, 9, 15, 8) / 1000;
    const day = Date.UTC(2027, 0, 10) / 1000;
    const starts = Array.from({ length: 500 }, (_, i) => day + i * 3600);
    const pieces = planBurstRanges(second, starts);
    expect(pieces).toHaveLength(BURST_PIECES);
    expect(pieces[0]!.from).toBe(EARLIEST_WALL);
    expect(pieces.at(-1)!.to).toBe(LATEST_WALL);
    for (const [i, piece] of pieces.entries()) {
      expect(piece).toMatchObject({ kind: 'start', second, fixed: true, measured: false });
      if (i > 0) expect(piece.from).toBe(pieces[i - 1]!.to + 1);
      // Each piece holds its share of the answer's start times.
      expect(starts.filter((start) => start >= piece.from && start <= piece.to).length).toBe(500 / BURST_PIECES);
    }
    // A batch keeps the second with each window it plans.
    expect(planBatch(pieces, null, 10).windows.map((window) => window.second)).toEqual(pieces.map(() => second));
  });
});
