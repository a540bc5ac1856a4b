import { describe, expect, it } from 'vitest';
import { readStatus, renderStatusTable } from '../../src/cli/status-command.js';
import { parseConfig } from '../../src/config/load-config.js';
import { createMemoryCalendarTarget } from '../../src/caldav/memory-calendar-target.js';
import { CaldavServerError } from '../../src/caldav/caldav-errors.js';
import { createOnOfficeClient } from '../../src/onoffice/onoffice-client.js';
import { createSilentLogger } from '../../src/log/create-logger.js';
import { openStateStore } from '../../src/store/open-state-store.js';
import { runSync } from '../../src/app/run-sync.js';
import { warmFeedCache } from '../../src/feed/warm-feed-cache.js';
import { createTempDir, startEmulator } from '../support/sync-fixture.js';

describe('status with a configuration', () => {
  it('shows each CalDAV target’s objects, pending changes and failed items, and each feed', async () => {
    const emulator = await startEmulator({ port: 0, appointments: 30, seed: 4 });
    const temp = createTempDir('oos-status-');
    try {
      const config = parseConfig({
        stateDb: `${temp.dir}/state.db`,
        onoffice: { url: emulator.url, token: emulator.token, secret: emulator.secret },
        poll: { lagSeconds: 0, horizonPastDays: 365 },
        caldav: [{ name: 'office', url: 'http://calendar.memory.invalid/' }],
        feeds: [{ name: 'team' }],
      });
      const store = openStateStore(config.stateDb);
      const target = createMemoryCalendarTarget();
      target.setFault('createObject', new CaldavServerError({ method: 'PUT', url: 'http://calendar.memory.invalid/x.ics', status: 503, attempts: 3 }), 2);
      const logger = createSilentLogger();
      const client = createOnOfficeClient({ url: emulator.url, token: emulator.token, secret: emulator.secret });
      const summary = await runSync({ config, logger, store, client, targets: [{ config: config.caldav[0]!, target }], now: () => new Date(), afterPush: [{ name: 'feed cache', run: () => warmFeedCache(store, config) }] });
      expect(summary.failed).toHaveLength(2);
      // The sync warmed the feed cache, so the feed server's first render reads rows.
      const cachedEvents = store.db.prepare('SELECT count(*) AS n FROM feed_events').get() as { n: number };
      expect(cachedEvents.n).toBeGreaterThan(0);

      const report = readStatus(store, config);
      const written = summary.targets[0]!.created;
      expect(report.caldav).toEqual([expect.objectContaining({ name: 'office', objects: written, pendingChanges: 0, unfinishedWrites: 0 })]);
      expect(report.caldav![0]!.failures).toHaveLength(2);
      expect(report.feeds).toEqual([expect.objectContaining({ name: 'team', hasToken: false, warning: null })]);
      expect(report.runs.filter((run) => run.kind === 'incremental')).toHaveLength(1);
      expect(report.runs.some((run) => run.kind.startsWith('poll:'))).toBe(false);

      const table = renderStatusTable(report);
      expect(table).toContain(`CalDAV office (http://calendar.memory.invalid/): ${written} objects, up to date`);
      expect(table).toMatch(/failed 1×: create onoffice-\d+@onoffice-sync: .*HTTP 503/);
      expect(table).toContain('feed team: no token yet: onoffice-sync feed add team');
      store.close();
    } finally {
      temp.remove();
      await emulator.close();
    }
  });
});
