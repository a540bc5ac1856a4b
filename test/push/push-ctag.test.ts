import { describe, expect, it } from 'vitest';
import { runSync } from '../../src/app/run-sync.js';
import type { CalendarRef, CalendarTarget } from '../../src/caldav/calendar-target.js';
import { CTAG_SETTLE_MS } from '../../src/domain/trust-ctag.js';
import { startMemorySync } from '../support/sync-fixture.js';

/**
 * A server whose getctag has whole seconds, as SOGo's: the test says when it moves. A change made within
 * the same second leaves it as it was, so only a settled getctag may stand for "nothing changed".
 */
function withCoarseCtag(target: CalendarTarget, ctag: () => string): CalendarTarget {
  const coarse = (calendar: CalendarRef): CalendarRef => ({ ...calendar, ctag: ctag() });
  return {
    ...target,
    findCalendar: async (spec) => {
      const found = await target.findCalendar(spec);
      return { ...found, calendar: found.calendar && coarse(found.calendar) };
    },
    ensureCalendar: async (spec) => coarse(await target.ensureCalendar(spec)),
  };
}

describe('an idle run and the getctag', () => {
  it('skips reading the changes only on a settled getctag, and so misses no change made in the same second', async () => {
    const fixture = await startMemorySync({ appointments: 8, seed: 11, prefix: 'oos-push-ctag-' });
    const { config, target, runtime, close } = fixture;
    try {
      let ctag = 's1';
      const base = Date.now();
      let offset = 0;
      // Every run asks the getctag (no idle interval): what is tested is what an equal one may stand for.
      const targetConfig = { ...config.caldav[0]!, idleCheckSeconds: 0 };
      const run = (at: number) => {
        offset = at;
        return runSync({ ...runtime, now: () => new Date(base + offset), targets: [{ config: targetConfig, target: withCoarseCtag(target, () => ctag) }] });
      };
      const reads = () => target.requestCounts.fetchChanges;

      expect((await run(0)).targets[0]!.created).toBeGreaterThan(2);
      ctag = 's2'; // our own writes moved it
      let before = reads();
      await run(500);
      expect(reads() - before).toBe(1);

      // Someone edits an object in the second the getctag already shows: it stays 's2'.
      const calendar = await target.ensureCalendar({ path: config.caldav[0]!.calendar, displayName: config.caldav[0]!.displayName });
      const [object] = await target.fetchObjects(calendar, [(await target.listObjects(calendar))[0]!.href]);
      await target.updateObject(calendar, object!.href, object!.data!.replace(/^SUMMARY:.*$/m, 'SUMMARY:Edited in the same second'), object!.etag);

      before = reads();
      const sameSecond = await run(1000);
      expect(reads() - before).toBe(1);
      expect(sameSecond.targets[0]).toMatchObject({ driftRepaired: 1, updated: 1 });

      // First seen at 500: the read at 1000 does not settle it, the one at 500 + CTAG_SETTLE_MS does.
      before = reads();
      await run(500 + CTAG_SETTLE_MS);
      expect(reads() - before).toBe(1);
      before = reads();
      const idle = await run(500 + CTAG_SETTLE_MS + 1000);
      expect(reads() - before).toBe(0);
      expect(idle.targets[0]).toMatchObject({ driftRepaired: 0, updated: 0, created: 0 });

      // A change in a later second moves the getctag, and the next run reads it.
      const [again] = await target.fetchObjects(calendar, [object!.href]);
      await target.updateObject(calendar, again!.href, again!.data!.replace(/^SUMMARY:.*$/m, 'SUMMARY:Edited later'), again!.etag);
      ctag = 's3';
      before = reads();
      const later = await run(500 + CTAG_SETTLE_MS + 2000);
      expect(reads() - before).toBe(1);
      expect(later.targets[0]).toMatchObject({ driftRepaired: 1, updated: 1 });

      // The nightly reconciliation reads the changes whatever the getctag says.
      ctag = 's4';
      await run(500 + CTAG_SETTLE_MS + 3000);
      await run(500 + 2 * CTAG_SETTLE_MS + 4000);
      before = reads();
      await runSync({ ...runtime, now: () => new Date(base + 500 + 2 * CTAG_SETTLE_MS + 5000), targets: [{ config: targetConfig, target: withCoarseCtag(target, () => ctag) }] }, { full: true });
      expect(reads() - before).toBe(1);
    } finally {
      await close();
    }
  });
});
