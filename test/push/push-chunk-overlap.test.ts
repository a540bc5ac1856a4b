import { describe, expect, it } from 'vitest';
import { runSync } from '../../src/app/run-sync.js';
import type { CalendarTarget } from '../../src/caldav/calendar-target.js';
import { startMemorySync } from '../support/sync-fixture.js';

/** Appointments a push plans and writes at a time (PUSH_CHUNK in push-to-target.ts). */
const CHUNK = 500;

describe('a push over several chunks', () => {
  it('writes the next chunk while a write of the chunk before is still in flight, and loses nothing', async () => {
    const { emulator, runtime, config, target, close } = await startMemorySync({ appointments: 2 * CHUNK + 100, seed: 21, prefix: 'oos-push-overlap-' });
    try {
      // The run's first write is held until CHUNK more writes have started. The first chunk holds at most
      // CHUNK objects (one per appointment: nothing is expanded here), so only writes of the next chunk
      // can get there while it is held: without the overlap only the hang guard releases it.
      let calls = 0;
      let release: (reason: 'overlap' | 'guard') => void = () => undefined;
      const held = new Promise<'overlap' | 'guard'>((resolve) => (release = resolve));
      const guard = setTimeout(() => release('guard'), 60_000);
      const holding: CalendarTarget = {
        ...target,
        createObject: async (calendar, filename, ics) => {
          calls += 1;
          if (calls === 1) await held;
          if (calls === CHUNK + 1) release('overlap');
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
});
