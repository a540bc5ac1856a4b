import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { createMetrics } from '../../src/daemon/create-metrics.js';
import { startDaemon, type Daemon, type DaemonOptions, type DaemonRunResult, type RunKind } from '../../src/daemon/start-daemon.js';
import { createSilentLogger } from '../../src/log/create-logger.js';
import { createCapturedLogger } from '../feed/feed-test-store.js';
import { createManualScheduler, settle, type ManualScheduler } from '../support/manual-scheduler.js';
import { rejection } from '../support/rejection.js';

const config = parseConfig({
  onoffice: { token: 't', secret: 's' },
  daemon: { schedule: '*/5 * * * *', reconcileSchedule: '30 3 * * *', host: '127.0.0.1', port: 0, readyMaxAgeSeconds: 60 },
});

/** The daemon with a scheduler the test ticks and a clock it sets. */
describe('startDaemon', () => {
  let daemon: Daemon | undefined;
  let scheduler: ManualScheduler;
  let clock: number;

  const start = async (runSync: DaemonOptions['runSync'], extra: Partial<DaemonOptions> = {}): Promise<Daemon> => {
    scheduler = createManualScheduler();
    clock = Date.parse('2026-12-01T10:00:00Z');
    daemon = await startDaemon({ config, logger: createSilentLogger(), metrics: createMetrics(), runSync, scheduler, now: () => new Date(clock), ...extra });
    await settle();
    return daemon;
  };

  afterEach(async () => {
    await daemon?.stop(1000);
    daemon = undefined;
  });

  it('registers the configured schedules, runs at start and on every tick, and /readyz says ready', async () => {
    const runs: RunKind[] = [];
    const started = await start(async (kind) => (runs.push(kind), { ok: true }));
    expect(Object.fromEntries(scheduler.expressions)).toEqual({ incremental: '*/5 * * * *', reconcile: '30 3 * * *' });
    expect(runs).toEqual(['incremental']);
    for (let tick = 0; tick < 3; tick += 1) {
      scheduler.tick('incremental');
      await settle();
    }
    scheduler.tick('reconcile');
    await settle();
    expect(runs).toEqual(['incremental', 'incremental', 'incremental', 'incremental', 'reconcile']);
    expect((await fetch(`${started.url}/readyz`)).status).toBe(200);
  });

  it('backs off after failures (30 s, then 60 s): ticks inside the backoff are skipped, /readyz says not ready', async () => {
    let calls = 0;
    const started = await start(async () => {
      calls += 1;
      throw new Error('onOffice is down');
    });
    expect(calls).toBe(1);
    clock += 29_000;
    scheduler.tick('incremental');
    await settle();
    expect(calls).toBe(1);
    const ready = await fetch(`${started.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ ready: false, lastRunOk: false, consecutiveFailures: 1 });
    expect(await (await fetch(`${started.url}/metrics`)).text()).toMatch(/onoffice_sync_runs_total\{kind="incremental",result="failure"\} 1/);

    clock += 2_000;
    scheduler.tick('incremental');
    await settle();
    expect(calls).toBe(2);
    clock += 59_000;
    scheduler.tick('incremental');
    await settle();
    expect(calls).toBe(2);
    clock += 2_000;
    scheduler.tick('incremental');
    await settle();
    expect(calls).toBe(3);
  });

  it('stops being ready when the last success is older than readyMaxAgeSeconds', async () => {
    let ok = true;
    const started = await start(async () => ({ ok }));
    expect((await fetch(`${started.url}/readyz`)).status).toBe(200);
    clock += 61_000;
    expect((await fetch(`${started.url}/readyz`)).status).toBe(503);
    ok = false;
    scheduler.tick('incremental');
    await settle();
    expect(await (await fetch(`${started.url}/readyz`)).json()).toMatchObject({ ready: false, lastRunOk: false });
  });

  it('never runs two syncs at once; ticks during a run make one follow-up, a reconciliation asked for makes it a reconciliation', async () => {
    let active = 0;
    let maxActive = 0;
    const kinds: RunKind[] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const started = await start(async (kind): Promise<DaemonRunResult> => {
      active += 1;
      maxActive = Math.max(maxActive, active);
      kinds.push(kind);
      if (kinds.length === 1) await gate;
      active -= 1;
      return { ok: true };
    });
    scheduler.tick('incremental');
    scheduler.tick('incremental');
    const reconcile = started.runNow('reconcile');
    scheduler.tick('incremental');
    release();
    await reconcile;
    await settle();
    expect(maxActive).toBe(1);
    expect(kinds).toEqual(['incremental', 'reconcile']);
  });

  it('a run still in flight when the schedule fires is followed by exactly one run, however often it fired', async () => {
    const kinds: RunKind[] = [];
    const releases: Array<() => void> = [];
    await start((kind) => {
      kinds.push(kind);
      return new Promise<DaemonRunResult>((resolve) => releases.push(() => resolve({ ok: true })));
    });
    for (let tick = 0; tick < 5; tick += 1) scheduler.tick('incremental');
    releases.shift()!();
    await settle();
    expect(kinds).toEqual(['incremental', 'incremental']);
    releases.shift()!();
    await settle();
    expect(kinds).toHaveLength(2);
  });

  it('stop() stops the schedules, asks the run in flight to stop and waits for it', async () => {
    let sawStop = false;
    const started = await start(async (_kind, shouldStop) => {
      while (!shouldStop()) await new Promise<void>((resolve) => setImmediate(resolve));
      sawStop = true;
      return { ok: true };
    });
    await started.stop(60_000);
    daemon = undefined;
    expect(sawStop).toBe(true);
    expect(scheduler.stopped.sort()).toEqual(['incremental', 'reconcile']);
  });

  it('stop() abandons a run that does not stop in time and logs it as interrupted', async () => {
    const captured = createCapturedLogger();
    const started = await start(() => new Promise<DaemonRunResult>(() => {}), { logger: captured.logger });
    await started.stop(10);
    daemon = undefined;
    expect(captured.lines.map((line) => line.msg)).toContain('sync run interrupted: it did not stop in time and was abandoned; the next run resumes it');
  });

  it('fails with DaemonListenError and schedules nothing when its port is taken', async () => {
    const other = createServer();
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    try {
      const port = (other.address() as AddressInfo).port;
      const taken = parseConfig({ onoffice: { token: 't', secret: 's' }, daemon: { host: '127.0.0.1', port } });
      let calls = 0;
      scheduler = createManualScheduler();
      const error = await rejection(startDaemon({ config: taken, logger: createSilentLogger(), metrics: createMetrics(), runSync: async () => (calls += 1, { ok: true }), scheduler }));
      expect(error.name).toBe('DaemonListenError');
      expect(error.message).toBe(`daemon: cannot listen on 127.0.0.1:${port} (the port is in use by another process): stop the other process or set daemon.host/daemon.port (ONOFFICE_SYNC_PORT)`);
      expect(scheduler.expressions.size).toBe(0);
      await settle();
      expect(calls).toBe(0);
    } finally {
      await new Promise<void>((resolve) => other.close(() => resolve()));
    }
  });
});
