import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from '../config/config-schema.js';
import type { Logger } from '../log/create-logger.js';
import { redactUrl } from '../log/redact-url.js';
import type { Metrics } from './create-metrics.js';
import type { ScheduledJob, Scheduler } from './create-cron-scheduler.js';
import { DaemonListenError } from './daemon-listen-error.js';

export type RunKind = 'incremental' | 'reconcile';

export interface DaemonRunResult {
  /** false: the run failed as a whole (the error is logged by the runner). */
  readonly ok: boolean;
  /** Seconds the onOffice cursor is behind now, when known. */
  readonly lagSeconds?: number | null;
}

export type RequestHandler = (request: IncomingMessage, response: ServerResponse) => Promise<boolean>;

export interface DaemonOptions {
  readonly config: Config;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** One sync run. It must stop taking new items once shouldStop() is true. */
  readonly runSync: (kind: RunKind, shouldStop: () => boolean) => Promise<DaemonRunResult>;
  /** Extra HTTP handlers (the ICS feeds), asked in order before the built-in routes. */
  readonly handlers?: readonly RequestHandler[];
  /** Fires the incremental and reconcile ticks: node-cron in production (createCronScheduler). */
  readonly scheduler: Scheduler;
  readonly now?: () => Date;
}

export interface Daemon {
  readonly url: string;
  /** Runs at once (single-flight: joins a run already in progress). */
  runNow(kind: RunKind): Promise<void>;
  /** Graceful stop: no new runs, the run in flight is asked to stop and awaited (bounded). */
  stop(timeoutMs?: number): Promise<void>;
}

const MAX_BACKOFF_MS = 15 * 60_000;
const BASE_BACKOFF_MS = 30_000;

/**
 * The long-running service: cron schedules for incremental syncs and the nightly reconciliation, one
 * run at a time, backoff after failures (skipped ticks, never a busy loop), and the HTTP server with
 * /healthz, /readyz, /metrics and the feeds.
 */
export async function startDaemon(options: DaemonOptions): Promise<Daemon> {
  const { config, metrics } = options;
  const logger = options.logger.child({ module: 'daemon' });
  const now = options.now ?? (() => new Date());
  let running: Promise<void> | null = null;
  let reconcilePending = false;
  let stopping = false;
  let consecutiveFailures = 0;
  let notBefore = 0;
  let lastSuccess: Date | null = null;
  let lastResultOk: boolean | null = null;

  const execute = async (kind: RunKind): Promise<void> => {
    const started = now().getTime();
    let ok = false;
    try {
      const result = await options.runSync(kind, () => stopping);
      ok = result.ok;
      if (result.lagSeconds !== undefined && result.lagSeconds !== null) metrics.lag.set(result.lagSeconds);
    } catch (error) {
      logger.error({ err: error instanceof Error ? error.message : String(error), kind }, 'sync run failed');
    }
    const finished = now().getTime();
    metrics.runs.inc({ kind, result: ok ? 'success' : 'failure' });
    metrics.runDuration.observe({ kind, result: ok ? 'success' : 'failure' }, (finished - started) / 1000);
    lastResultOk = ok;
    if (ok) {
      consecutiveFailures = 0;
      notBefore = 0;
      lastSuccess = new Date(finished);
      metrics.lastSuccess.set(finished / 1000);
    } else {
      consecutiveFailures += 1;
      const backoff = Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** (consecutiveFailures - 1));
      notBefore = finished + backoff;
      logger.warn({ consecutiveFailures, retryInSeconds: Math.round(backoff / 1000) }, 'backing off before the next run');
    }
  };

  const runNow = (kind: RunKind): Promise<void> => {
    if (stopping) return Promise.resolve();
    if (running) {
      if (kind === 'reconcile') reconcilePending = true;
      return running;
    }
    running = (async () => {
      try {
        await execute(kind);
        while (reconcilePending && !stopping) {
          reconcilePending = false;
          await execute('reconcile');
        }
      } finally {
        running = null;
      }
    })();
    return running;
  };

  const tick = (kind: RunKind) => (): void => {
    if (stopping) return;
    if (kind === 'incremental' && now().getTime() < notBefore) {
      logger.debug('skipping a scheduled run: backing off after failures');
      return;
    }
    if (running && kind === 'incremental') return;
    void runNow(kind);
  };

  const server = createServer((request, response) => {
    void handle(request, response).catch((error: unknown) => {
      logger.error({ err: error instanceof Error ? error.message : String(error), url: redactUrl(request.url ?? '') }, 'request failed');
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' });
      response.end('internal error\n');
    });
  });

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    // The feed handler comes first: it answers a malformed URL (which may carry a token) with 400.
    for (const handler of options.handlers ?? []) {
      if (await handler(request, response)) return;
    }
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (path === '/healthz') {
      response.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      return;
    }
    if (path === '/readyz') {
      const ageSeconds = lastSuccess ? (now().getTime() - lastSuccess.getTime()) / 1000 : null;
      const ready = lastResultOk === true && ageSeconds !== null && ageSeconds <= config.daemon.readyMaxAgeSeconds;
      const body = { ready, lastRunOk: lastResultOk, lastSuccess: lastSuccess?.toISOString() ?? null, consecutiveFailures };
      response.writeHead(ready ? 200 : 503, { 'content-type': 'application/json' }).end(`${JSON.stringify(body)}\n`);
      return;
    }
    if (path === '/metrics') {
      response.writeHead(200, { 'content-type': metrics.registry.contentType }).end(await metrics.registry.metrics());
      return;
    }
    response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  };

  // Listen before scheduling anything: a daemon without /healthz and its feeds must not go on syncing.
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => reject(new DaemonListenError(config.daemon.host, config.daemon.port, error.code ?? error.message, { cause: error })));
    server.listen(config.daemon.port, config.daemon.host, () => resolve());
  });
  const jobs: ScheduledJob[] = [
    options.scheduler.schedule('incremental', config.daemon.schedule, tick('incremental')),
    options.scheduler.schedule('reconcile', config.daemon.reconcileSchedule, tick('reconcile')),
  ];
  const address = server.address() as AddressInfo;
  const url = `http://${address.address.includes(':') ? `[${address.address}]` : address.address}:${address.port}`;
  logger.info({ url, schedule: config.daemon.schedule, reconcile: config.daemon.reconcileSchedule }, 'daemon started');
  void runNow('incremental');

  return {
    url,
    runNow,
    async stop(timeoutMs = 8_000): Promise<void> {
      if (stopping) return;
      stopping = true;
      for (const job of jobs) await job.stop();
      const inFlight = running;
      if (inFlight) {
        let timer: NodeJS.Timeout | undefined;
        const settled = await Promise.race([inFlight.then(() => true), new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)))]);
        clearTimeout(timer);
        // Its journal rows let the next run resume it; the run lock dies with this process.
        if (!settled) logger.warn({ waitedMs: timeoutMs }, 'sync run interrupted: it did not stop in time and was abandoned; the next run resumes it');
      }
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      logger.info('daemon stopped');
    },
  };
}
