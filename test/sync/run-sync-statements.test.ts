import { describe, expect, it, vi } from 'vitest';
import { runSync } from '../../src/app/run-sync.js';
import { startMemorySync } from '../support/sync-fixture.js';

/**
 * A daemon on a 1-second schedule runs the same runtime every second. Each statement prepared anew holds
 * a sqlite3_stmt in native memory until V8 collects its wrapper (the soak bench's RSS rose with them), so
 * later runs of a runtime prepare nothing: neither its repositories nor the run lock's statements.
 */
describe('runs of one runtime', () => {
  it('prepare their statements in the first run only, with a change and with none', async () => {
    const fixture = await startMemorySync({ appointments: 6, seed: 21, prefix: 'oos-run-statements-' });
    try {
      const first = await runSync(fixture.runtime);
      expect(first.targets[0]!.created).toBeGreaterThan(0);
      const prepare = vi.spyOn(fixture.store.db, 'prepare');

      const [record] = fixture.emulator.data.list();
      fixture.emulator.data.update(record!.id, { description: 'changed for the second run' });
      const second = await runSync(fixture.runtime);
      expect(second.targets[0]!.updated).toBe(1);
      const idle = await runSync(fixture.runtime);
      expect(idle.targets[0]).toMatchObject({ created: 0, updated: 0, deleted: 0 });

      expect(prepare.mock.calls.map(([sql]) => sql)).toEqual([]);
    } finally {
      await fixture.close();
    }
  });
});
