import { Command } from 'commander';
import { classifyError } from '../domain/classify-error.js';
import { createCountingFetch, createMetrics, type Metrics } from '../daemon/create-metrics.js';
import { createCronScheduler, type Scheduler } from '../daemon/create-cron-scheduler.js';
import { startDaemon, type Daemon, type DaemonRunResult, type RunKind } from '../daemon/start-daemon.js';
import { createStatusPageHandler } from './create-status-page-handler.js';
import { createFeedHandler } from '../feed/create-feed-handler.js';
import { createSyncRuntime } from '../app/create-sync-runtime.js';
import { runSync } from '../app/run-sync.js';
import { addConfigOption, createCommandContext, type CommandContext } from './command-context.js';
import { createProgressLogDestination, createProgressReporter, labelProgress, type ProgressReporter } from './create-progress-reporter.js';
import { EXIT_OK } from './exit-code-for.js';
import { runAction } from './run-action.js';

/** How long SIGTERM waits for the run in flight before abandoning it (systemd's TimeoutStopSec is 15 s). */
const STOP_TIMEOUT_MS = 8_000;

type DaemonSignal = 'SIGTERM' | 'SIGINT' | 'SIGHUP';

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

export function createDaemonCommand(): Command {
  return addConfigOption(
    new Command('daemon').description(
      'run as a service: sync on the schedule (daemon.schedule, seconds allowed), reconcile nightly (daemon.reconcileSchedule), serve /healthz /readyz /metrics and the ICS feeds; POST /sync (with daemon.adminToken) or SIGUSR1 syncs now, SIGHUP reloads the configuration, SIGTERM stops',
    ),
  )
    .addHelpText(
      'after',
      [
        '',
        'Example:',
        '  onoffice-sync daemon --config /etc/onoffice-sync/config.yaml   # as systemd runs it: see systemd/onoffice-sync.service',
        '  systemctl kill -s USR1 onoffice-sync                           # sync now',
        '  curl -X POST -H "Authorization: Bearer $ONOFFICE_SYNC_ADMIN_TOKEN" http://127.0.0.1:8787/sync',
      ].join('\n'),
    )
    .action(
      runAction(async (options: DaemonCommandOptions) => {
        // First of all: until a SIGUSR1 listener is installed, Node.js answers that signal by opening its
        // inspector on 127.0.0.1:9229, a debugger any local user could attach to.
        const onTriggerSignal = listenForTriggerSignal('SIGUSR1');
        const progress = process.stderr.isTTY ? createProgressReporter() : undefined;
        const loadContext = (loaded: DaemonCommandOptions): CommandContext => createCommandContext(loaded, {}, progress && createProgressLogDestination(progress));
        return runDaemonCommand(options, { scheduler: createCronScheduler(), nextSignal: listenForSignals(['SIGTERM', 'SIGINT', 'SIGHUP']), loadContext, progress, onTriggerSignal });
      }),
    );
}

/**
 * Runs the daemon until SIGTERM/SIGINT (exit 0 once the run in flight stopped or was abandoned).
 * SIGHUP reads the configuration again: a valid one replaces the running daemon (the run in flight
 * stops first, so the lock is released), an invalid one is logged and the running daemon carries on.
 */
export async function runDaemonCommand(options: DaemonCommandOptions, deps: DaemonCommandDeps): Promise<number> {
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
    onofficeFetch: createCountingFetch(fetch, () => metrics.requests.inc({ side: 'onoffice' })),
    caldavFetch: createCountingFetch(fetch, () => metrics.requests.inc({ side: 'caldav' })),
  });
  metrics.watchStore(runtime.store);
  const feeds = createFeedHandler({ store: runtime.store, config, logger });

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

/** Installs the handler at once; a trigger before the daemon runs is covered by the run it makes at start. */
function listenForTriggerSignal(signal: 'SIGUSR1'): (listener: () => void) => void {
  let current: (() => void) | null = null;
  process.on(signal, () => current?.());
  return (listener) => {
    current = listener;
  };
}

/** Installs the handlers at once (so a SIGHUP between two waits never falls back to Node's default: exit). */
function listenForSignals(signals: readonly DaemonSignal[]): () => Promise<DaemonSignal> {
  const received: DaemonSignal[] = [];
  let waiting: ((signal: DaemonSignal) => void) | null = null;
  for (const signal of signals) {
    process.on(signal, () => {
      if (waiting) {
        const resolve = waiting;
        waiting = null;
        resolve(signal);
      } else received.push(signal);
    });
  }
  return () => {
    const queued = received.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve) => (waiting = resolve));
  };
}
