import { describe, expect, it } from 'vitest';
import { runSync } from '../../src/app/run-sync.js';
import { createCaldavStateRepository } from '../../src/store/caldav-state-repository.js';
import { startMemorySync } from '../support/sync-fixture.js';

/** Drift means a new ETag and a new text (vdirsyncer's is_changed), not a new ETag alone. */
describe('drift detection', () => {
  it('rewrites an object whose text changed, and only records the new ETag of one merely touched', async () => {
    const { emulator, store, config, target, runtime, close } = await startMemorySync({ appointments: 12, seed: 5, prefix: 'oos-push-drift-' });
    try {
      const first = await runSync(runtime);
      expect(first.targets[0]!.created).toBeGreaterThan(2);

      const calendar = await target.ensureCalendar({ path: config.caldav[0]!.calendar, displayName: config.caldav[0]!.displayName });
      const [touched, edited] = await target.fetchObjects(calendar, (await target.listObjects(calendar)).slice(0, 2).map((object) => object.href));
      // Same text again (a new ETag only), and a real edit.
      await target.updateObject(calendar, touched!.href, touched!.data!, touched!.etag);
      await target.updateObject(calendar, edited!.href, edited!.data!.replace(/^SUMMARY:.*$/m, 'SUMMARY:Edited on the phone'), edited!.etag);
      const [touchedNow] = await target.fetchObjects(calendar, [touched!.href]);
      expect(touchedNow!.etag).not.toBe(touched!.etag);
      const updatesBefore = target.requestCounts.updateObject;

      const second = await runSync(runtime);
      expect(second.targets[0]).toMatchObject({ updated: 1, created: 0, deleted: 0, driftRepaired: 1 });
      expect(target.requestCounts.updateObject - updatesBefore).toBe(1);
      const [editedNow] = await target.fetchObjects(calendar, [edited!.href]);
      expect(editedNow!.data).not.toContain('Edited on the phone');
      // The touched object's new ETag is recorded: the next run finds nothing to compare or write.
      const known = createCaldavStateRepository(store.db).listKnown('office').find((object) => object.href === touched!.href);
      expect(known?.etag).toBe(touchedNow!.etag);
      const fetchesBefore = target.requestCounts.fetchObjects;
      const third = await runSync(runtime);
      expect(third.targets[0]).toMatchObject({ updated: 0, driftRepaired: 0 });
      expect(target.requestCounts.fetchObjects).toBe(fetchesBefore);
    } finally {
      await close();
    }
  });

  it('does not read a calendar the run made before writing it, and the next run reads it from the start', async () => {
    const { config, target, runtime, close } = await startMemorySync({ appointments: 12, seed: 6, prefix: 'oos-push-new-calendar-' });
    try {
      const first = await runSync(runtime);
      expect(first.targets[0]!.created).toBeGreaterThan(2);
      // MKCALENDAR made it: new and empty, nothing to list or report before the writes.
      expect(target.requestCounts.fetchChanges).toBe(0);

      // Someone deletes an object: the next run's read from the start misses nothing since.
      const calendar = await target.ensureCalendar({ path: config.caldav[0]!.calendar, displayName: config.caldav[0]!.displayName });
      const [gone] = await target.listObjects(calendar);
      await target.deleteObject(calendar, gone!.href, gone!.etag);
      const second = await runSync(runtime);
      expect(target.requestCounts.fetchChanges).toBe(1);
      expect(second.targets[0]).toMatchObject({ driftRepaired: 1, created: 1, updated: 0, deleted: 0 });
      expect((await target.listObjects(calendar)).map((object) => object.href)).toContain(gone!.href);
    } finally {
      await close();
    }
  });
});
