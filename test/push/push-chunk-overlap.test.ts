import { describe, expect, it } from 'vitest';
import { runSync } from '../../src/app/run-sync.js';
import { pollChanges } from '../../src/onoffice/poll-changes.js';
import type { CalendarTarget } from '../../src/caldav/calendar-target.js';
import { startMemorySync } from '../support/sync-fixture.js';

/** Appointments a push plans and writes at a time (PUSH_CHUNK in push-to-target.ts). */
const CHUNK = 500;
/** The first chunk a push writes (FIRST_CHUNKS in push-to-target.ts: one plan group). */
const FIRST_CHUNK = 25;

describe('a push over several chunks', () => {
  it('writes the next chunk while a write of the chunk before is still in flight, and loses nothing', async () => {
    const { emulator, runtime, config, target, close } = await startMemorySync({ appointments: 2 * CHUNK + 100, seed: 21, prefix: 'oos-push-overlap-' });
    try {
      // The run's first write is held until FIRST_CHUNK more writes have started. The first chunk holds
      // FIRST_CHUNK objects (one per appointment: nothing is expanded here), so only writes of the next
      // chunk can get there while it is held: without the overlap only the hang guard releases it.
      let calls = 0;
      let release: (reason: 'overlap' | 'guard') => void = () => undefined;
      const held = new Promise<'overlap' | 'guard'>((resolve) => (release = resolve));
      const guard = setTimeout(() => release('guard'), 60_000);
      const holding: CalendarTarget = {
        ...target,
        createObject: async (calendar, filename, ics) => {
          calls += 1;
          if (calls === 1) await held;
          if (calls === FIRST_CHUNK + 1) release('overlap');
          return target.createObject(calendar, filename, ics);
        },
      };
      const summary = await runSync({ ...runtime, targets: [{ config: config.caldav[0]!, target: holding }] });
      clearTimeout(guard);
      expect(await held).toBe('overlap');
      expect(summary.targets[0]!.failed).toEqual([]);
      const active = emulator.data.list().filter((record) => !record.elements.abgesagt).length;
      expect(summary.targets[0]!.created).toBe(active);
      expect(calls).toBe(active);
      const calendar = await target.ensureCalendar({ path: config.caldav[0]!.calendar, displayName: config.caldav[0]!.displayName });
      expect((await target.listObjects(calendar)).length).toBe(active);
    } finally {
      await close();
    }
  }, 120_000);

  it('plans the first chunk in small pieces, so its first write waits for one group of appointments, not a chunk', async () => {
    const { emulator, runtime, close } = await startMemorySync({ appointments: 2 * CHUNK + 100, seed: 22, prefix: 'oos-push-ramp-' });
    try {
      // Polled first, so the run's push is a full push after its poll (a first run's push that follows
      // its poll takes the appointments in change order as they are stored: push-while-polling.test.ts).
      await pollChanges({ client: runtime.client, store: runtime.store, config: runtime.config, now: runtime.now });
      const plans: Array<{ actions: number; appointments: number; lowest: number; highest: number }> = [];
      const summary = await runSync(runtime, {
        onPlan: (_target, plan) => {
          const ids = new Set(plan.actions.map((action) => action.appointmentId));
          plans.push({ actions: plan.actions.length, appointments: ids.size, lowest: Math.min(...ids), highest: Math.max(...ids) });
        },
      });
      expect(summary.targets[0]!.failed).toEqual([]);
      // 1,100 appointments: 25, 100 and the 375 left of the first 500, then 500 and 100.
      expect(plans.length).toBe(5);
      expect(plans[0]!.appointments).toBeLessThanOrEqual(FIRST_CHUNK);
      expect(plans[1]!.appointments).toBeLessThanOrEqual(4 * FIRST_CHUNK);
      // A full push goes in id order: the pieces follow each other.
      for (let index = 1; index < plans.length; index += 1) expect(plans[index]!.lowest).toBeGreaterThan(plans[index - 1]!.highest);
      const active = emulator.data.list().filter((record) => !record.elements.abgesagt).length;
      expect(summary.targets[0]!.created).toBe(active);
      expect(plans.reduce((total, plan) => total + plan.actions, 0)).toBe(summary.targets[0]!.created);
    } finally {
      await close();
    }
  }, 120_000);
});
