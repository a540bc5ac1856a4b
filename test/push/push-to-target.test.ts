import { describe, expect, it } from 'vitest';
import { runSync } from '../../src/app/run-sync.js';
import { startMemorySync } from '../support/sync-fixture.js';

/** A chunk is rendered and compared a few appointments at a time: the result must be the chunk's as a whole. */
describe('pushToTarget over several plan groups', () => {
  it('a reconciliation finds the edits and the deletion wherever they fall in a chunk, and leaves the rest alone', async () => {
    const { emulator, store, config, target, runtime, close } = await startMemorySync({ appointments: 70, seed: 11, prefix: 'oos-push-groups-' });
    try {
      const first = await runSync(runtime);
      const written = first.targets[0]!.created;
      expect(written).toBeGreaterThan(60);

      // Ids early, in the middle and at the end of the one chunk, so in different groups.
      const ids = emulator.data.list().map((record) => record.id).sort((a, b) => a - b);
      const edited = [ids[2]!, ids[31]!, ids[66]!];
      for (const id of edited) emulator.data.update(id, { description: `Edited #${id}.` });
      emulator.data.remove(ids[47]!);
      const before = { ...target.requestCounts };

      const reconcile = await runSync(runtime, { full: true });
      expect(reconcile.targets[0]).toMatchObject({ full: true, created: 0, updated: 3, deleted: 1 });
      expect(reconcile.targets[0]!.plan).toEqual({ create: 0, update: 3, delete: 1, unchanged: written - 4 });
      expect(target.requestCounts.updateObject - before.updateObject).toBe(3);
      expect(target.requestCounts.deleteObject - before.deleteObject).toBe(1);

      const calendar = await target.ensureCalendar({ path: config.caldav[0]!.calendar, displayName: config.caldav[0]!.displayName });
      const objects = await target.fetchObjects(calendar, (await target.listObjects(calendar)).map((object) => object.href));
      expect(objects).toHaveLength(written - 1);
      for (const id of edited) expect(objects.filter((object) => object.data!.includes(`Edited #${id}.`))).toHaveLength(1);
      expect(objects.some((object) => object.data!.includes(`X-ONOFFICE-ID:${ids[47]!}\r\n`))).toBe(false);
    } finally {
      await close();
    }
  });
});
