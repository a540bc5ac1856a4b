import { describe, expect, it } from 'vitest';
import { prefetchCalendars } from '../../src/app/create-sync-runtime.js';
import { runSync } from '../../src/app/run-sync.js';
import type { CalendarTarget } from '../../src/caldav/calendar-target.js';
import type { CaldavTargetConfig } from '../../src/config/config-schema.js';
import { CTAG_SETTLE_MS } from '../../src/domain/trust-ctag.js';
import { startMemorySync } from '../support/sync-fixture.js';

const INTERVAL_MS = 30_000;

/**
 * Backfills the memory target and runs until its getctag is trusted, with a clock the test moves.
 * Returns a run at `at` ms past the start and the count of everything the target was asked.
 */
async function startSettled(prefix: string) {
  const fixture = await startMemorySync({ appointments: 8, seed: 12, prefix });
  const base = Date.now();
  let offset = 0;
  const now = () => new Date(base + offset);
  const run = (at: number, options: { full?: boolean; targetConfig?: Partial<CaldavTargetConfig> } = {}) => {
    offset = at;
    const targetConfig = { ...fixture.config.caldav[0]!, ...options.targetConfig };
    return runSync({ ...fixture.runtime, now, targets: [{ config: targetConfig, target: fixture.target }] }, { full: options.full });
  };
  const asked = () => Object.values(fixture.target.requestCounts).reduce((total, count) => total + count, 0);
  expect((await run(0)).targets[0]!.created).toBeGreaterThan(2);
  // Our writes moved the getctag: first seen at 1000, settled by the complete read at 1000 + CTAG_SETTLE_MS.
  await run(1000);
  await run(1000 + CTAG_SETTLE_MS);
  const checkedAt = 1000 + CTAG_SETTLE_MS;
  return { ...fixture, run, asked, now, checkedAt, setNow: (at: number) => (offset = at) };
}

describe('an idle run within idleCheckSeconds', () => {
  it('asks an unchanged one-way calendar nothing, and checks it with one request once the interval has passed', async () => {
    const { run, asked, target, checkedAt, close } = await startSettled('oos-idle-check-');
    try {
      let before = asked();
      const idle = await run(checkedAt + 1000);
      expect(asked() - before).toBe(0);
      expect(idle.targets[0]).toMatchObject({ created: 0, updated: 0, deleted: 0, driftRepaired: 0 });

      before = asked();
      const fetchesBefore = target.requestCounts.fetchChanges;
      await run(checkedAt + INTERVAL_MS);
      // The memory target has no confirmCalendar: its one look at the calendar is findCalendar (the PROPFIND).
      expect(asked() - before).toBe(1);
      expect(target.requestCounts.findCalendar).toBeGreaterThan(0);
      expect(target.requestCounts.fetchChanges - fetchesBefore).toBe(0);

      // That check counts: the interval starts again from it.
      before = asked();
      await run(checkedAt + INTERVAL_MS + 1000);
      expect(asked() - before).toBe(0);
    } finally {
      await close();
    }
  });

  it('repairs an edit by someone else at the first check after the interval, not before', async () => {
    const { run, target, config, checkedAt, close } = await startSettled('oos-idle-drift-');
    try {
      const calendar = await target.ensureCalendar({ path: config.caldav[0]!.calendar, displayName: config.caldav[0]!.displayName });
      const [object] = await target.fetchObjects(calendar, [(await target.listObjects(calendar))[0]!.href]);
      await target.updateObject(calendar, object!.href, object!.data!.replace(/^SUMMARY:.*$/m, 'SUMMARY:Edited by someone else'), object!.etag);

      expect((await run(checkedAt + 1000)).targets[0]).toMatchObject({ driftRepaired: 0, updated: 0 });
      expect((await run(checkedAt + INTERVAL_MS)).targets[0]).toMatchObject({ driftRepaired: 1, updated: 1 });
    } finally {
      await close();
    }
  });

  it('checks first when onOffice brought a change, and then writes it', async () => {
    const { run, asked, target, emulator, checkedAt, close } = await startSettled('oos-idle-change-');
    try {
      const [first] = emulator.data.list();
      emulator.data.update(first!.id, { description: 'moved to Tuesday' });
      const findsBefore = target.requestCounts.findCalendar;
      const before = asked();
      const changed = await run(checkedAt + 1000);
      expect(changed.targets[0]!.updated).toBe(1);
      expect(target.requestCounts.findCalendar - findsBefore).toBe(1);
      // The look at the calendar, then the PUT.
      expect(asked() - before).toBeGreaterThanOrEqual(2);
    } finally {
      await close();
    }
  });

  it('checks on every run with idleCheckSeconds 0, on a two-way target, on a full run, and when the clock went back', async () => {
    const { run, asked, target, checkedAt, close } = await startSettled('oos-idle-always-');
    try {
      let before = asked();
      const everyRun = await run(checkedAt + 1000, { targetConfig: { idleCheckSeconds: 0 } });
      expect(asked() - before).toBe(1);
      // The setting shapes no object: changing it is no configuration change that pushes everything again.
      expect(everyRun.targets[0]!.full).toBe(false);

      // The way back needs every run's look at the calendar (its changes are read when the getctag moved).
      const finds = target.requestCounts.findCalendar;
      await run(checkedAt + 2000, { targetConfig: { twoWay: true } });
      expect(target.requestCounts.findCalendar - finds).toBe(1);

      const fullFetches = target.requestCounts.fetchChanges;
      await run(checkedAt + 3000, { full: true });
      expect(target.requestCounts.fetchChanges - fullFetches).toBe(1);

      before = asked();
      await run(checkedAt - 1000);
      expect(asked() - before).toBeGreaterThan(0);
    } finally {
      await close();
    }
  });
});

describe("the one-shot sync's prefetch", () => {
  it('reads no calendar ahead that the run will leave unasked, and reads it once the interval has passed', async () => {
    const { runtime, target, now, checkedAt, setNow, close } = await startSettled('oos-idle-prefetch-');
    try {
      const prefetched: string[] = [];
      const prefetching: CalendarTarget = { ...target, prefetchChanges: (url) => prefetched.push(url) };
      const prefetchRuntime = { ...runtime, now, targets: [{ config: runtime.targets[0]!.config, target: prefetching }] };
      setNow(checkedAt + 1000);
      prefetchCalendars(prefetchRuntime);
      expect(prefetched).toEqual([]);
      setNow(checkedAt + INTERVAL_MS);
      prefetchCalendars(prefetchRuntime);
      expect(prefetched).toHaveLength(1);
    } finally {
      await close();
    }
  });

  it('looks up, on a first run, the calendar of each route that none resolved before, and reads no changes ahead', async () => {
    const { runtime, target, config, close } = await startMemorySync({ appointments: 3, seed: 13, prefix: 'oos-first-prefetch-' });
    try {
      const looked: string[] = [];
      const read: string[] = [];
      const prefetching: CalendarTarget = { ...target, prefetchCalendar: (spec) => looked.push(spec.path), prefetchChanges: (url) => read.push(url) };
      prefetchCalendars({ ...runtime, targets: [{ config: config.caldav[0]!, target: prefetching }] });
      expect(looked).toEqual([config.caldav[0]!.calendar]);
      expect(read).toEqual([]);
      // Once a run resolved it, the calendar is confirmed ahead instead of looked up.
      await runSync(runtime);
      looked.length = 0;
      prefetchCalendars({ ...runtime, targets: [{ config: config.caldav[0]!, target: prefetching }] });
      expect(looked).toEqual([]);
    } finally {
      await close();
    }
  });
});
