import { describe, expect, it } from 'vitest';
import { planBatch, planDensity, planRangesFromStarts, planRecut, type PendingRange } from '../../src/onoffice/plan-windows.js';

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
});
