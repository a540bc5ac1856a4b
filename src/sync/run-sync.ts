import { hostname } from 'node:os';
import type { Config, CaldavTargetConfig } from '../config/config-schema.js';
import type { Logger } from '../log/create-logger.js';
import type { CalendarRef, CalendarTarget } from '../caldav/calendar-target.js';
import type { OnOfficeClient } from '../onoffice/onoffice-client.js';
import { pollChanges, type PollResult } from '../onoffice/poll-changes.js';
import type { StateStore } from '../store/open-state-store.js';
import { createCaldavStateRepository } from '../store/caldav-state-repository.js';
import type { FailedItem } from './apply-plan.js';
import { createAppointmentSource } from './create-appointment-source.js';
import type { SyncPlan } from './plan-sync.js';
import { pushToTarget, type PushResult } from './push-to-target.js';

/** Everything a sync run talks to, built once by createSyncRuntime (or by tests from real parts). */
export interface SyncRuntime {
  readonly config: Config;
  readonly logger: Logger;
  readonly store: StateStore;
  readonly client: OnOfficeClient;
  readonly targets: ReadonlyArray<{ readonly config: CaldavTargetConfig; readonly target: CalendarTarget }>;
  readonly now: () => Date;
}

export interface SyncOptions {
  /** incremental (the default) or reconcile (adds the deletion sweep, like --full). */
  readonly kind?: 'incremental' | 'reconcile';
  readonly full?: boolean;
  readonly forceDelete?: boolean;
  /** Plan but write nothing to CalDAV (run it on a copy of the state store: the poll still writes there). */
  readonly dryRun?: boolean;
  readonly shouldStop?: () => boolean;
  readonly onPlan?: (target: string, plan: SyncPlan, calendars: ReadonlyMap<string, CalendarRef>) => void;
  readonly onProgress?: (progress: { phase: string; done: number; total: number | null }) => void;
}

export interface SyncSummary {
  readonly poll: PollResult;
  readonly targets: readonly PushResult[];
  readonly failed: readonly FailedItem[];
  readonly quarantined: number;
  readonly durationMs: number;
  /** Seconds between now and the onOffice cursor after the run. */
  readonly lagSeconds: number | null;
}

const LOCK_HEARTBEAT_MS = 60_000;

/**
 * One sync run, the same for the one-shot command and the daemon: take the run lock, poll onOffice
 * into the state store, push every target, record the run. The lock keeps a `sync` and the daemon from
 * colliding; a lock left by a killed process is taken over by acquireLock.
 */
export async function runSync(runtime: SyncRuntime, options: SyncOptions = {}): Promise<SyncSummary> {
  const { config, store, logger } = runtime;
  const kind = options.kind ?? (options.full ? 'reconcile' : 'incremental');
  const full = options.full === true || kind === 'reconcile';
  const started = runtime.now().getTime();
  const lock = store.acquireLock(`${kind} pid ${process.pid} on ${hostname()}`);
  const heartbeat = setInterval(() => lock.heartbeat(), LOCK_HEARTBEAT_MS);
  heartbeat.unref();
  const runId = store.runs.start(kind);
  try {
    const poll = await pollChanges({
      client: runtime.client,
      store,
      config,
      now: runtime.now,
      logger,
      full,
      forceDelete: options.forceDelete,
      onProgress: options.onProgress,
    });
    const repository = createCaldavStateRepository(store.db, runtime.now);
    const source = createAppointmentSource(store.appointments, config.timezone);
    const targets: PushResult[] = [];
    for (const { config: targetConfig, target } of runtime.targets) {
      if (options.shouldStop?.()) break;
      targets.push(
        await pushToTarget({
          config,
          targetConfig,
          target,
          repository,
          source,
          logger,
          now: runtime.now,
          full,
          dryRun: options.dryRun,
          shouldStop: options.shouldStop,
          onPlan: options.onPlan ? (plan, calendars) => options.onPlan!(targetConfig.name, plan, calendars) : undefined,
        }),
      );
    }
    const failed = targets.flatMap((target) => target.failed);
    const counts = store.appointments.counts();
    const cursor = store.cursors.get('onoffice:modified');
    const lagSeconds = cursor ? Math.max(0, (runtime.now().getTime() - Date.parse(`${cursor.value.replace(' ', 'T')}Z`)) / 1000) : null;
    const summary: SyncSummary = { poll, targets, failed, quarantined: counts.quarantined, durationMs: runtime.now().getTime() - started, lagSeconds };
    store.runs.finish(runId, { counts: summaryCounts(summary), error: failed.length > 0 ? `${failed.length} item(s) could not be written` : null });
    logger.info({ kind, ...summaryCounts(summary), durationMs: summary.durationMs }, 'sync run finished');
    return summary;
  } catch (error) {
    store.runs.finish(runId, { error: error instanceof Error ? error.message : String(error) });
    throw error;
  } finally {
    clearInterval(heartbeat);
    lock.release();
  }
}

/** The flat counts of one run: the summary line, the run log and the metrics all use these. */
export function summaryCounts(summary: Pick<SyncSummary, 'poll' | 'targets' | 'failed' | 'quarantined'>): Record<string, number> {
  const sum = (pick: (target: PushResult) => number): number => summary.targets.reduce((total, target) => total + pick(target), 0);
  return {
    read: summary.poll.records,
    changed: summary.poll.created + summary.poll.updated,
    markedDeleted: summary.poll.deleted,
    quarantined: summary.quarantined,
    created: sum((target) => target.created),
    updated: sum((target) => target.updated),
    deleted: sum((target) => target.deleted),
    skipped: sum((target) => target.plan.unchanged),
    failed: summary.failed.length,
  };
}
