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

describe('status after an interrupted backfill, and of runs in both directions', () => {
  it('counts what is really left, labels the backfill, shows the holder, both directions and local times', async () => {
    const emulator = await startEmulator({ port: 0, appointments: 60, seed: 9 });
    const temp = createTempDir('oos-status-backfill-');
    try {
      const config = parseConfig({
        stateDb: `${temp.dir}/state.db`,
        onoffice: { url: emulator.url, token: emulator.token, secret: emulator.secret },
        poll: { lagSeconds: 0, horizonPastDays: 365 },
        caldav: [{ name: 'office', url: 'http://calendar.memory.invalid/', concurrency: 1 }],
      });
      const store = openStateStore(config.stateDb);
      const target = createMemoryCalendarTarget();
      const client = createOnOfficeClient({ url: emulator.url, token: emulator.token, secret: emulator.secret });
      const runtime = { config, logger: createSilentLogger(), store, client, targets: [{ config: config.caldav[0]!, target }], now: () => new Date() };
      const written = (): number => (store.db.prepare('SELECT count(*) AS n FROM caldav_objects').get() as { n: number }).n;
      await runSync(runtime, { shouldStop: () => written() >= 15 });

      const interrupted = readStatus(store, config);
      const office = interrupted.caldav![0]!;
      const active = interrupted.appointments.active;
      expect(office.objects).toBeGreaterThanOrEqual(15);
      expect(office.backfill).toBe(true);
      // Every appointment changed since the (never completed) push would be 'active + cancelled'; only
      // the active ones without an object are left.
      expect(office.pendingChanges).toBe(active - office.objects);
      expect(office.pendingChanges).toBeLessThan(interrupted.appointments.active + interrupted.appointments.cancelled);
      expect(office.calendars).toEqual([expect.objectContaining({ displayName: 'onOffice', objects: office.objects })]);
      expect(interrupted.runs[0]).toMatchObject({ kind: 'incremental', backfill: true });
      const interruptedTable = renderStatusTable(interrupted, 'America/New_York');
      expect(interruptedTable).toContain(`backfill: ${office.pendingChanges} appointment(s) not written yet`);
      expect(interruptedTable).toMatch(/\n {2}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d EST {2}backfill {9}to calendars: \d+ created/);

      await runSync(runtime);
      const lock = store.acquireLock(`daemon pid ${process.pid} on test`);
      const back = store.runs.start('incremental');
      store.runs.finish(back, { counts: { created: 1, updated: 2, deleted: 0, failed: 0, backCreated: 3, backUpdated: 4, backDeleted: 5 } });
      const failing = store.runs.start('reconcile');
      store.runs.finish(failing, { error: 'onOffice read calendar: timeout' });
      const report = readStatus(store, config);
      lock.release();

      expect(report.caldav![0]).toMatchObject({ backfill: false, pendingChanges: 0, objects: active });
      expect(report.running).toMatchObject({ owner: `daemon pid ${process.pid} on test`, pid: process.pid, since: expect.stringMatching(/Z$/), heartbeatAt: expect.stringMatching(/Z$/) });
      expect(report.runs.map((run) => [run.kind, run.backfill])).toEqual([['reconcile', false], ['incremental', false], ['incremental', false], ['incremental', true]]);
      expect(report.lastError).toMatchObject({ kind: 'reconcile', error: 'onOffice read calendar: timeout' });
      expect(report.cursor).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      const table = renderStatusTable(report, 'Europe/Berlin');
      expect(table).toMatch(/running now {6}daemon pid \d+ on test, since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d GMT\+1, last heartbeat /);
      expect(table).toContain(`CalDAV office (http://calendar.memory.invalid/): ${active} objects, up to date`);
      expect(table).toContain('to calendars: 1 created, 2 updated, 0 deleted; to onOffice: 3 created, 4 modified, 5 deleted');
      expect(table).toMatch(/last error {7}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d GMT\+1 reconcile: onOffice read calendar: timeout/);
      expect(table).toMatch(/reconcile {8}FAILED: onOffice read calendar: timeout/);
      expect(table).not.toMatch(/\d{4}-\d\d-\d\dT\d\d:/);
      store.close();
    } finally {
      temp.remove();
      await emulator.close();
    }
  });
});
