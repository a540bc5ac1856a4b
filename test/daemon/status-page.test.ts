import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSync } from '../../src/app/run-sync.js';
import { createMemoryCalendarTarget } from '../../src/caldav/memory-calendar-target.js';
import type { StatusReport } from '../../src/cli/status-command.js';
import type { Config } from '../../src/config/config-schema.js';
import { loadConfig, parseConfig } from '../../src/config/load-config.js';
import { createStatusPageHandler } from '../../src/cli/create-status-page-handler.js';
import { escapeHtml } from '../../src/cli/render-status-page.js';
import type { Emulator } from '../../src/emulator/start-emulator.js';
import { createFeedStatsRepository } from '../../src/feed/feed-stats-repository.js';
import { createFeedTokenRepository } from '../../src/feed/feed-token-repository.js';
import { startFeedServer, type FeedServer } from '../../src/feed/start-feed-server.js';
import { createSilentLogger } from '../../src/log/create-logger.js';
import { createOnOfficeClient } from '../../src/onoffice/onoffice-client.js';
import { openStateStore, type StateStore } from '../../src/store/open-state-store.js';
import { createRawConfig, runCli, spawnCli, writeConfigFile } from '../faults/fault-harness.js';
import { createTempDir, startEmulator } from '../support/sync-fixture.js';

const ADMIN_TOKEN = 'status-page-test-admin-token-0001';
const HOSTILE_REASON = 'subject "<img src=x onerror=alert(1)>" & rp_type <b>q</b> is unknown';

/** A state with a sync behind it, a quarantined record whose reason is hostile HTML, and a served feed. */
async function prepareState(emulator: Emulator, dir: string): Promise<{ file: string; config: Config }> {
  const raw = {
    ...createRawConfig({ emulator, caldavUrl: 'http://calendar.memory.invalid/', stateDb: join(dir, 'state.db') }),
    caldav: [{ name: 'office', url: 'http://calendar.memory.invalid/' }],
    feeds: [{ name: 'team' }],
    logLevel: 'info',
    daemon: { port: 0, adminToken: ADMIN_TOKEN },
  };
  const { file, config } = writeConfigFile(dir, raw);
  const store = openStateStore(config.stateDb);
  const client = createOnOfficeClient({ url: emulator.url, token: emulator.token, secret: emulator.secret });
  await runSync({ config, logger: createSilentLogger(), store, client, targets: [{ config: config.caldav[0]!, target: createMemoryCalendarTarget() }], now: () => new Date() });
  store.appointments.upsertRecords([{ record: { id: 990001, type: 'calendar', elements: {} }, hash: 'bad', outcome: { ok: false, reason: HOSTILE_REASON } }]);
  createFeedTokenRepository(store.db).create('team');
  createFeedStatsRepository(store.db).addServed('team', { served: 7, notModified: 3, lastServedAt: new Date().toISOString() });
  store.close();
  return { file, config };
}

describe('the status page', () => {
  let emulator: Emulator;
  let temp: ReturnType<typeof createTempDir>;
  let prepared: { file: string; config: Config };

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, appointments: 40, seed: 11 });
    temp = createTempDir('oos-status-page-');
    prepared = await prepareState(emulator, temp.dir);
  }, 60_000);

  afterAll(async () => {
    await emulator?.close();
    temp?.remove();
  });

  describe('access', () => {
    let store: StateStore;
    const servers: FeedServer[] = [];
    const serve = async (adminToken: string): Promise<string> => {
      const config = { ...prepared.config, daemon: { ...prepared.config.daemon, adminToken } };
      const server = await startFeedServer({ store, config, logger: createSilentLogger(), host: '127.0.0.1', port: 0, handlers: [createStatusPageHandler({ store, config, logger: createSilentLogger() })] });
      servers.push(server);
      return server.url;
    };
    beforeAll(() => {
      store = openStateStore(prepared.config.stateDb);
    });
    afterAll(async () => {
      for (const server of servers) await server.close();
      store.close();
    });

    it('with an admin token: refuses without it or with a wrong one, opens with ?token= or Bearer', async () => {
      const url = await serve(ADMIN_TOKEN);
      expect((await fetch(`${url}/`)).status).toBe(401);
      expect((await fetch(`${url}/?token=wrong-token-of-some-length`)).status).toBe(401);
      expect((await fetch(`${url}/`, { headers: { authorization: 'Bearer nope' } })).status).toBe(401);
      const byQuery = await fetch(`${url}/?token=${ADMIN_TOKEN}`);
      expect(byQuery.status).toBe(200);
      expect(byQuery.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(byQuery.headers.get('content-security-policy')).toContain("default-src 'none'");
      expect((await fetch(`${url}/`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).status).toBe(200);
    });

    it('without a token: answers a client on this machine, never one forwarded by a proxy', async () => {
      const url = await serve('');
      expect((await fetch(`${url}/`)).status).toBe(200);
      const forwarded = await fetch(`${url}/`, { headers: { 'x-forwarded-for': '203.0.113.9' } });
      expect(forwarded.status).toBe(403);
      expect(await forwarded.text()).toContain('set daemon.adminToken');
    });

    it('takes the admin token from ONOFFICE_SYNC_ADMIN_TOKEN and refuses one too short to be secret', () => {
      const base = { onoffice: { token: 't', secret: 's' } };
      expect(loadConfig({ env: { ONOFFICE_TOKEN: 't', ONOFFICE_SECRET: 's', ONOFFICE_SYNC_ADMIN_TOKEN: ADMIN_TOKEN } }).daemon.adminToken).toBe(ADMIN_TOKEN);
      expect(parseConfig(base).daemon.adminToken).toBe('');
      expect(() => parseConfig({ ...base, daemon: { adminToken: 'short' } })).toThrow(/daemon\.adminToken must be at least 16 characters/);
    });

    it('escapes what comes from outside: a hostile record reason is shown as text', async () => {
      const url = await serve('');
      const body = await (await fetch(`${url}/`)).text();
      expect(body).not.toContain('<img src=x');
      expect(body).not.toContain('<b>q</b>');
      expect(body).toContain(escapeHtml(HOSTILE_REASON));
      expect(body).not.toMatch(/<script/i);
    });
  });

  it('in headless Chromium, served by `onoffice-sync serve`, shows the figures `status --json` shows, also on a phone', async () => {
    const status = await runCli(['status', '--json', '--config', prepared.file]);
    expect(status.code, status.stderr).toBe(0);
    const report = JSON.parse(status.stdout) as StatusReport;

    const serve = spawnCli(['serve', '--config', prepared.file]);
    const profile = mkdtempSync(join(tmpdir(), 'oos-chromium-profile-'));
    let context: BrowserContext | undefined;
    try {
      let url: string | undefined;
      for (let waited = 0; !url; waited += 1) {
        if (waited > 600 || serve.child.exitCode !== null) throw new Error(`serve did not start: ${serve.stderr()}`);
        url = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(serve.stderr())?.[1];
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      context = await chromium.launchPersistentContext(profile, {
        executablePath: '/usr/bin/chromium',
        headless: true,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
        viewport: { width: 390, height: 844 },
        timeout: 60_000,
      });
      const page = await context.newPage();
      const response = await page.goto(`${url}/?token=${ADMIN_TOKEN}`, { timeout: 30_000 });
      expect(response?.status()).toBe(200);
      expect(await page.title()).toBe('onoffice-sync status');
      const shown = async (key: string): Promise<string> => (await page.locator(`[data-key="${key}"]`).first().innerText()).trim();

      for (const key of ['active', 'cancelled', 'deleted', 'quarantined'] as const) expect(await shown(`appointments.${key}`)).toBe(String(report.appointments[key]));
      const office = report.caldav![0]!;
      expect(await shown('caldav.0.objects')).toBe(String(office.objects));
      expect(await shown('caldav.0.calendars.0.objects')).toBe(String(office.calendars[0]!.objects));
      expect(office.backfill).toBe(false);
      expect(await shown('caldav.0.pendingChanges')).toBe(office.pendingChanges === 0 ? 'up to date' : `${office.pendingChanges} change(s)`);
      expect(await shown('quarantine.0.reason')).toBe(HOSTILE_REASON);
      expect(await shown('feeds.0.stats.servedCount')).toBe(String(report.feeds![0]!.stats!.servedCount));
      expect(await shown('runs.0.kind')).toBe('backfill');
      const counts = report.runs[0]!.counts as Record<string, number>;
      expect(await shown('runs.0.toCalendars')).toBe(`${counts.created} created, ${counts.updated} updated, ${counts.deleted} deleted`);
      expect(await shown('runs.0.toOnOffice')).toBe(`${counts.backCreated} created, ${counts.backUpdated} modified, ${counts.backDeleted} deleted`);
      expect(await shown('health')).toBe('Healthy');
      expect(await shown('lagSeconds')).toMatch(/^\d+ (s|min)$|^\d+ h \d+ min$|^\d+ d \d+ h$/);
      expect(await page.locator('img').count()).toBe(0);
      // Readable on a phone: nothing wider than the screen, the viewport is declared.
      expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
      for (const key of ['caldav.0.calendars.0.objects', 'runs.0.toOnOffice', 'quarantine.0.reason']) {
        const box = await page.locator(`[data-key="${key}"]`).first().boundingBox();
        expect(box && box.x >= 0 && box.x + box.width <= 390, `${key} lies within the phone's screen`).toBe(true);
      }
      expect(await page.locator('meta[name="viewport"]').getAttribute('content')).toContain('width=device-width');

      const screenshot = join(tmpdir(), 'onoffice-sync-status-page.png');
      await page.screenshot({ path: screenshot, fullPage: true });
      expect(statSync(screenshot).size).toBeGreaterThan(10_000);
      console.log(`status page screenshot: ${screenshot}`);
    } finally {
      await context?.close();
      rmSync(profile, { recursive: true, force: true });
      serve.child.kill('SIGTERM');
      await serve.result;
    }
  }, 180_000);
});
