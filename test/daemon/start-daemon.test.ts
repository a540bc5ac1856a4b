import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { createMetrics } from '../../src/daemon/create-metrics.js';
import { startDaemon, type Daemon, type DaemonRunResult, type RunKind } from '../../src/daemon/start-daemon.js';
import { createSilentLogger } from '../../src/log/create-logger.js';

const config = parseConfig({
  onoffice: { token: 't', secret: 's' },
  daemon: { schedule: '* * * * * *', reconcileSchedule: '0 0 1 1 *', host: '127.0.0.1', port: 0, readyMaxAgeSeconds: 60 },
});
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('startDaemon', () => {
  let daemon: Daemon | undefined;
  afterEach(async () => {
    await daemon?.stop(1000);
    daemon = undefined;
  });

  it('runs on every tick while runs succeed, and /readyz says ready', async () => {
    const runs: RunKind[] = [];
    daemon = await startDaemon({ config, logger: createSilentLogger(), metrics: createMetrics(), runSync: async (kind) => (runs.push(kind), { ok: true }) });
    await sleep(3_200);
    expect(runs.length).toBeGreaterThanOrEqual(3);
    const ready = await fetch(`${daemon.url}/readyz`);
    expect(ready.status).toBe(200);
  });

  it('backs off after a failure instead of retrying every tick, and /readyz says not ready', async () => {
    let calls = 0;
    daemon = await startDaemon({
      config,
      logger: createSilentLogger(),
      metrics: createMetrics(),
      runSync: async () => {
        calls += 1;
        throw new Error('onOffice is down');
      },
    });
    await sleep(3_200);
    expect(calls).toBe(1);
    const ready = await fetch(`${daemon.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ ready: false, lastRunOk: false, consecutiveFailures: 1 });
    const metrics = await (await fetch(`${daemon.url}/metrics`)).text();
    expect(metrics).toMatch(/onoffice_sync_runs_total\{kind="incremental",result="failure"\} 1/);
  });

  it('never runs two syncs at once; a reconciliation asked for during a run follows it', async () => {
    let active = 0;
    let maxActive = 0;
    const kinds: RunKind[] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    daemon = await startDaemon({
      config,
      logger: createSilentLogger(),
      metrics: createMetrics(),
      runSync: async (kind): Promise<DaemonRunResult> => {
        active += 1;
        maxActive = Math.max(maxActive, active);
        kinds.push(kind);
        if (kinds.length === 1) await gate;
        active -= 1;
        return { ok: true };
      },
    });
    await sleep(1_500);
    const reconcile = daemon.runNow('reconcile');
    release();
    await reconcile;
    await sleep(100);
    expect(maxActive).toBe(1);
    expect(kinds.slice(0, 2)).toEqual(['incremental', 'reconcile']);
  });

  it('stop() asks the run in flight to stop and waits for it', async () => {
    let sawStop = false;
    daemon = await startDaemon({
      config,
      logger: createSilentLogger(),
      metrics: createMetrics(),
      runSync: async (_kind, shouldStop) => {
        while (!shouldStop()) await sleep(20);
        sawStop = true;
        return { ok: true };
      },
    });
    await sleep(200);
    const started = Date.now();
    await daemon.stop(5_000);
    daemon = undefined;
    expect(sawStop).toBe(true);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
