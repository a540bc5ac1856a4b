import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { createMetrics } from '../../src/daemon/create-metrics.js';
import { startDaemon, type Daemon, type DaemonOptions, type DaemonRunResult, type RunKind } from '../../src/daemon/start-daemon.js';
import { createCapturedLogger } from '../feed/feed-test-store.js';
import { createManualScheduler, settle, type ManualScheduler } from '../support/manual-scheduler.js';

/**
 * Syncs asked for now (POST /sync; SIGUSR1 calls the same trigger): coalesced with the run in flight,
 * held by the backoff, refused while stopping. The runs are fakes the test releases; the clock is set.
 */
describe('triggering a sync', () => {
  let daemon: Daemon | undefined;
  let scheduler: ManualScheduler;
  let clock: number;
  let captured: ReturnType<typeof createCapturedLogger>;
  const adminToken: string = randomUUID();

  /** A runSync whose runs wait until the test releases them (one release per run, in order). */
  const gatedRuns = (result: () => DaemonRunResult = () => ({ ok: true })) => {
    const kinds: RunKind[] = [];
    const waiting: Array<() => void> = [];
    const runSync: DaemonOptions['runSync'] = (kind) => {
      kinds.push(kind);
      return new Promise<DaemonRunResult>((resolve, reject) =>
        waiting.push(() => {
          const outcome = result();
          if (outcome.ok) resolve(outcome);
          else reject(new Error('onOffice is down'));
        }),
      );
    };
    const release = async (): Promise<void> => {
      waiting.shift()!();
      await settle();
    };
    return { kinds, runSync, release, pending: () => waiting.length };
  };

  const start = async (runSync: DaemonOptions['runSync'], token = adminToken): Promise<Daemon> => {
    scheduler = createManualScheduler();
    clock = Date.parse('2026-12-01T10:00:00Z');
    captured = createCapturedLogger();
    const config = parseConfig({ onoffice: { token: 't', secret: 's' }, daemon: { schedule: '*/10 * * * * *', host: '127.0.0.1', port: 0, adminToken: token } });
    daemon = await startDaemon({ config, logger: captured.logger, metrics: createMetrics(), runSync, scheduler, now: () => new Date(clock) });
    await settle();
    return daemon;
  };

  const postSync = (started: Daemon, token: string | null = adminToken, method = 'POST') =>
    fetch(`${started.url}/sync`, { method, headers: token === null ? {} : { authorization: `Bearer ${token}` } });

  afterEach(async () => {
    await daemon?.stop(1000);
    daemon = undefined;
  });

  it('while idle starts a run at once and answers 202 {queued: true, running: false}', async () => {
    const runs = gatedRuns();
    const started = await start(runs.runSync);
    await runs.release();
    expect(runs.kinds).toEqual(['incremental']);

    const response = await postSync(started);
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ queued: true, running: false });
    expect(runs.kinds).toEqual(['incremental', 'incremental']);
    expect(runs.pending()).toBe(1);
    await runs.release();
    expect(await (await fetch(`${started.url}/metrics`)).text()).toMatch(/onoffice_sync_triggers_total\{source="POST \/sync",result="queued"\} 1/);
  });

  it('many triggers and ticks during a run make exactly one follow-up run', async () => {
    const runs = gatedRuns();
    const started = await start(runs.runSync);
    const answers = [];
    for (let index = 0; index < 5; index += 1) answers.push(await (await postSync(started)).json());
    answers.push(started.trigger('SIGUSR1'));
    scheduler.tick('incremental');
    expect(answers).toEqual(Array.from({ length: 6 }, () => ({ queued: true, running: true })));
    expect(runs.kinds).toEqual(['incremental']);

    await runs.release();
    expect(runs.kinds).toEqual(['incremental', 'incremental']);
    await runs.release();
    expect(runs.kinds).toHaveLength(2);
    expect(runs.pending()).toBe(0);
    // Idle again: the next trigger starts a run of its own.
    expect(started.trigger('SIGUSR1')).toEqual({ queued: true, running: false });
    expect(runs.kinds).toHaveLength(3);
    await runs.release();
  });

  it('does not cut a backoff short: refused with 503 and Retry-After until it ends; a follow-up queued during the failed run is dropped', async () => {
    let ok = false;
    const runs = gatedRuns(() => ({ ok }));
    const started = await start(runs.runSync);
    expect(started.trigger('SIGUSR1')).toEqual({ queued: true, running: true });
    await runs.release();
    expect(runs.kinds).toEqual(['incremental']);

    clock += 10_000;
    const refused = await postSync(started);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('20');
    expect(await refused.json()).toEqual({ queued: false, running: false, retryAt: '2026-12-01T10:00:30.000Z', error: 'backing off after 1 failed run(s): the next run may start in 20 s' });
    expect(started.trigger('SIGUSR1')).toMatchObject({ queued: false, reason: 'backoff' });
    expect(runs.kinds).toHaveLength(1);

    clock += 20_000;
    ok = true;
    expect((await postSync(started)).status).toBe(202);
    expect(runs.kinds).toHaveLength(2);
    await runs.release();
    expect(await (await fetch(`${started.url}/readyz`)).json()).toMatchObject({ ready: true, consecutiveFailures: 0 });
  });

  it('is refused while the daemon stops', async () => {
    const runs = gatedRuns();
    const started = await start(runs.runSync);
    const stopping = started.stop(60_000);
    expect(started.trigger('SIGUSR1')).toEqual({ queued: false, running: true, reason: 'stopping' });
    const refused = await postSync(started);
    expect(refused.status).toBe(503);
    expect(await refused.json()).toEqual({ queued: false, running: true, error: 'the daemon is shutting down' });
    await runs.release();
    await stopping;
    daemon = undefined;
    expect(runs.kinds).toEqual(['incremental']);
    expect(captured.lines.map((line) => line.msg)).toContain('sync trigger refused: the daemon is stopping');
  });

  it('opens only to the admin token as a Bearer token, answers only POST, and never logs the token', async () => {
    const runs = gatedRuns();
    const started = await start(runs.runSync);
    await runs.release();
    const wrong = await postSync(started, randomUUID());
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toBe('Bearer');
    expect((await postSync(started, null)).status).toBe(401);
    const inQuery = await fetch(`${started.url}/sync?token=${adminToken}`, { method: 'POST' });
    expect(inQuery.status).toBe(401);
    const get = await postSync(started, adminToken, 'GET');
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    expect(runs.kinds).toHaveLength(1);

    expect((await postSync(started)).status).toBe(202);
    expect(runs.kinds).toHaveLength(2);
    await runs.release();
    expect(JSON.stringify(captured.lines)).not.toContain(adminToken);
    expect(captured.lines.map((line) => line.msg)).toContain('sync triggered: running now');
  });

  it('fails closed without a configured admin token: POST /sync is refused with 403, SIGUSR1 still works', async () => {
    const runs = gatedRuns();
    const started = await start(runs.runSync, '');
    await runs.release();
    const refused = await postSync(started, randomUUID());
    expect(refused.status).toBe(403);
    expect(await refused.json()).toEqual({
      queued: false,
      error: 'POST /sync needs daemon.adminToken (ONOFFICE_SYNC_ADMIN_TOKEN) to be set; on this machine SIGUSR1 asks for a sync without it',
    });
    expect(runs.kinds).toHaveLength(1);
    expect(started.trigger('SIGUSR1')).toEqual({ queued: true, running: false });
    expect(runs.kinds).toHaveLength(2);
    await runs.release();
  });
});
