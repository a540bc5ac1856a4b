import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Config } from '../config/config-schema.js';
import type { Logger } from '../log/create-logger.js';
import { redactUrl } from '../log/redact-url.js';
import type { Metrics } from './create-metrics.js';
import type { ScheduledJob, Scheduler } from './create-cron-scheduler.js';
import { createDaemonRoutes } from './create-daemon-routes.js';
import { createRunQueue, type DaemonRunResult, type RunKind, type TriggerResult } from './create-run-queue.js';
import { listenHttpServer } from './listen-http-server.js';

export type { DaemonRunResult, RunKind, TriggerResult } from './create-run-queue.js';

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
  /** Asks for a sync now (POST /sync, SIGUSR1): coalesced with the run in flight; `source` is logged. */
  trigger(source: string): TriggerResult;
  /** Graceful stop: no new runs, the run in flight is asked to stop and awaited (bounded). */
  stop(timeoutMs?: number): Promise<void>;
}

/**
 * The long-running service: cron schedules for incremental syncs and the nightly reconciliation, run
 * one at a time by the run queue (coalescing, backoff after failures), triggers, and the HTTP server
 * with the feeds, /healthz, /readyz, /metrics and POST /sync.
 */
export async function startDaemon(options: DaemonOptions): Promise<Daemon> {
  const { config, metrics } = options;
  const logger = options.logger.child({ module: 'daemon' });
  const now = options.now ?? (() => new Date());
  const queue = createRunQueue({ runSync: options.runSync, metrics, logger, now });

  const trigger = (source: string): TriggerResult => {
    const result = queue.trigger();
    metrics.triggers.inc({ source, result: result.queued ? 'queued' : result.reason });
    if (result.queued) logger.info({ source, running: result.running }, result.running ? 'sync triggered: it follows the run in flight' : 'sync triggered: running now');
    else if (result.reason === 'stopping') logger.info({ source }, 'sync trigger refused: the daemon is stopping');
    else logger.info({ source, retryAt: result.retryAt.toISOString() }, 'sync trigger refused: backing off after failed runs');
    return result;
  };

  const handlers = [...(options.handlers ?? []), createDaemonRoutes({ config, logger, metrics, now, state: queue.state, trigger })];
  const server = createServer((request, response) => {
    void handle(request, response).catch((error: unknown) => {
      logger.error({ err: error instanceof Error ? error.message : String(error), url: redactUrl(request.url ?? '') }, 'request failed');
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' });
      response.end('internal error\n');
    });
  });
  // The feed handler comes first: it answers a malformed URL (which may carry a token) with 400.
  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    for (const handler of handlers) {
      if (await handler(request, response)) return;
    }
    response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  };

  // Listen before scheduling anything: a daemon without /healthz and its feeds must not go on syncing.
  const url = await listenHttpServer(server, config.daemon.host, config.daemon.port);
  const jobs: ScheduledJob[] = [
    options.scheduler.schedule('incremental', config.daemon.schedule, () => queue.tick('incremental')),
    options.scheduler.schedule('reconcile', config.daemon.reconcileSchedule, () => queue.tick('reconcile')),
  ];
  logger.info({ url, schedule: config.daemon.schedule, reconcile: config.daemon.reconcileSchedule }, 'daemon started');
  void queue.runNow('incremental');

  return {
    url,
    runNow: queue.runNow,
    trigger,
    async stop(timeoutMs = 8_000): Promise<void> {
      if (queue.stopping) return;
      const stopped = queue.stop(timeoutMs);
      for (const job of jobs) await job.stop();
      // Its journal rows let the next run resume it; the run lock dies with this process.
      if (!(await stopped)) logger.warn({ waitedMs: timeoutMs }, 'sync run interrupted: it did not stop in time and was abandoned; the next run resumes it');
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      logger.info('daemon stopped');
    },
  };
}
