import { classifyError } from '../domain/classify-error.js';
import { createCountingTransport, createMetrics, type Metrics } from '../daemon/create-metrics.js';
import { sendHttpRequest } from '../http/send-http-request.js';
import type { Scheduler } from '../daemon/create-cron-scheduler.js';
import { startDaemon, type Daemon, type DaemonRunResult, type RunKind } from '../daemon/start-daemon.js';
import { createStatusPageHandler } from './create-status-page-handler.js';
import { createFeedHandler } from '../feed/create-feed-handler.js';
import { createSyncRuntime } from '../app/create-sync-runtime.js';
import { runSync } from '../app/run-sync.js';
import { createHeapTrimmer } from '../daemon/create-heap-trimmer.js';
import type { CommandContext } from './command-context.js';
import { labelProgress, type ProgressReporter } from './create-progress-reporter.js';
import { EXIT_OK } from './exit-code-for.js';

/** How long SIGTERM waits for the run in flight before abandoning it (systemd's TimeoutStopSec is 15 s). */
const STOP_TIMEOUT_MS = 8_000;

export type DaemonSignal = 'SIGTERM' | 'SIGINT' | 'SIGHUP';

export interface DaemonCommandOptions {
  readonly config?: string;
}

/** What the command's loop is given: production passes node-cron and the process's signals. */
export interface DaemonCommandDeps {
  readonly scheduler: Scheduler;
  /** Resolves with the next signal; the handlers stay installed for the whole life of the daemon. */
  readonly nextSignal: () => Promise<DaemonSignal>;
  readonly loadContext: (options: DaemonCommandOptions) => CommandContext;
  /** On a terminal the backfill shows its progress; under systemd the run summary lines are enough. */
  readonly progress?: ProgressReporter;
  /** Registers what a trigger signal (SIGUSR1) does: a sync now, as POST /sync asks for one. */
  readonly onTriggerSignal?: (listener: () => void) => void;
}

/**
 * Runs the daemon until SIGTERM/SIGINT (exit 0 once the run in flight stopped or was abandoned).
 * SIGHUP reads the configuration again: a valid one replaces the running daemon (the run in flight
 * stops first, so the lock is released), an invalid one is logged and the running daemon carries on.
 */
export async function runDaemon(options: DaemonCommandOptions, deps: DaemonCommandDeps): Promise<number> {
  let context = deps.loadContext(options);
  const metrics = createMetrics();
  let instance = await startInstance(context, metrics, deps.scheduler, deps.progress);
  // Always the current instance: during a stop it refuses (and logs it); a reload's new one syncs as it starts.
  deps.onTriggerSignal?.(() => instance.daemon.trigger('SIGUSR1'));
  for (;;) {
    const signal = await deps.nextSignal();
    if (signal !== 'SIGHUP') {
      context.logger.info({ signal }, 'stopping: no new runs, finishing the item in flight');
      await instance.stop();
      return EXIT_OK;
    }
    let next: CommandContext;
    try {
      next = deps.loadContext(options);
    } catch (error) {
      context.logger.error({ err: error instanceof Error ? error.message : String(error) }, 'SIGHUP: the configuration cannot be used; keeping the running one');
      continue;
    }
    context.logger.info('SIGHUP: reloading the configuration');
    await instance.stop();
    context = next;
    instance = await startInstance(context, metrics, deps.scheduler, deps.progress);
    context.logger.info({ url: instance.daemon.url }, 'configuration reloaded');
  }
}

/** One daemon with its own runtime (state store, clients, targets) and feed handler. */
async function startInstance(context: CommandContext, metrics: Metrics, scheduler: Scheduler, progress?: ProgressReporter): Promise<{ daemon: Daemon; stop(): Promise<void> }> {
  const { config, logger } = context;
  const runtime = createSyncRuntime(config, logger, {
    onofficeTransport: createCountingTransport(sendHttpRequest, () => metrics.requests.inc({ side: 'onoffice' })),
    caldavTransport: createCountingTransport(sendHttpRequest, () => metrics.requests.inc({ side: 'caldav' })),
  });
  metrics.watchStore(runtime.store);
  const feeds = createFeedHandler({ store: runtime.store, config, logger });
  const heap = createHeapTrimmer();

  const runOnce = async (kind: RunKind, shouldStop: () => boolean): Promise<DaemonRunResult> => {
    try {
      const summary = await runSync(runtime, { kind, shouldStop, onProgress: progress && ((p) => progress.report(labelProgress(p))) });
      metrics.recordRun(summary);
      return { ok: summary.failed.length === 0, lagSeconds: summary.lagSeconds };
    } catch (error) {
      // A one-shot `sync` holds the lock: not a failure of ours, the next tick tries again.
      if (classifyError(error) === 'locked') {
        logger.info({ reason: (error as Error).message }, 'skipping this run');
        return { ok: true };
      }
      throw error;
    } finally {
      heap.afterRun();
    }
  };

  let daemon: Daemon;
  try {
    daemon = await startDaemon({ config, logger, metrics, runSync: runOnce, handlers: [feeds, createStatusPageHandler({ store: runtime.store, config, logger })], scheduler });
  } catch (error) {
    runtime.store.close();
    throw error;
  }
  return {
    daemon,
    async stop() {
      await daemon.stop(STOP_TIMEOUT_MS);
      feeds.flushStats();
      runtime.store.close();
    },
  };
}
