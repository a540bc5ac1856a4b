import { Command } from 'commander';
import { createCountingFetch, createMetrics } from '../daemon/create-metrics.js';
import { classifyError } from '../domain/classify-error.js';
import { startDaemon, type DaemonRunResult, type RunKind } from '../daemon/start-daemon.js';
import { createFeedHandler } from '../feed/create-feed-handler.js';
import { createSyncRuntime } from '../app/create-sync-runtime.js';
import { runSync, summaryCounts } from '../app/run-sync.js';
import { addConfigOption, createCommandContext } from './command-context.js';
import { EXIT_OK } from './exit-code-for.js';
import { runAction } from './run-action.js';

/** How long SIGTERM waits for the run in flight before abandoning it (systemd's TimeoutStopSec is 15 s). */
const STOP_TIMEOUT_MS = 8_000;

export function createDaemonCommand(): Command {
  return addConfigOption(
    new Command('daemon').description(
      'run as a service: sync on the schedule (daemon.schedule), reconcile nightly (daemon.reconcileSchedule), serve /healthz /readyz /metrics and the ICS feeds',
    ),
  ).action(
    runAction(async (options: { config?: string }) => {
      const { config, logger } = createCommandContext(options);
      const metrics = createMetrics();
      const runtime = createSyncRuntime(config, logger, {
        onofficeFetch: createCountingFetch(fetch, () => metrics.requests.inc({ side: 'onoffice' })),
        caldavFetch: createCountingFetch(fetch, () => metrics.requests.inc({ side: 'caldav' })),
      });
      const feeds = createFeedHandler({ store: runtime.store, config, logger });

      const runOnce = async (kind: RunKind, shouldStop: () => boolean): Promise<DaemonRunResult> => {
        try {
          const summary = await runSync(runtime, { kind, shouldStop });
          const counts = summaryCounts(summary);
          metrics.items.inc({ action: 'create' }, counts.created);
          metrics.items.inc({ action: 'update' }, counts.updated);
          metrics.items.inc({ action: 'delete' }, counts.deleted);
          metrics.failures.inc(counts.failed);
          metrics.quarantined.set(summary.quarantined);
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

      const daemon = await startDaemon({ config, logger, metrics, runSync: runOnce, handlers: [feeds] });
      const signal = await new Promise<NodeJS.Signals>((resolve) => {
        process.once('SIGTERM', () => resolve('SIGTERM'));
        process.once('SIGINT', () => resolve('SIGINT'));
      });
      logger.info({ signal }, 'stopping: no new runs, finishing the item in flight');
      await daemon.stop(STOP_TIMEOUT_MS);
      feeds.flushStats();
      runtime.store.close();
      return EXIT_OK;
    }),
  );
}
