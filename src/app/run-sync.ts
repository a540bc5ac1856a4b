import { hostname } from 'node:os';
import type { Config, CaldavTargetConfig } from '../config/config-schema.js';
import type { Logger } from '../log/create-logger.js';
import type { CalendarRef, CalendarTarget } from '../caldav/calendar-target.js';
import type { OnOfficeClient } from '../onoffice/onoffice-client.js';
import { MODIFIED_CURSOR, measureCursorLag, pollChanges, type PollResult } from '../onoffice/poll-changes.js';
import type { StateStore } from '../store/open-state-store.js';
import { StateDatabaseError } from '../store/state-database-error.js';
import { describeError } from '../domain/classify-error.js';
import type { FailedItem } from '../domain/failed-item.js';
import { runRepositoriesOf, type RunRepositories } from './run-repositories.js';
import type { ImportResult } from '../back/import-ics-feeds.js';
import type { TwoWayCounts } from '../back/apply-pull.js';
import type { PullStep } from '../back/plan-pull.js';
import type { SyncPlan } from '../push/plan-sync.js';
import { resolveUserRoutes } from '../push/resolve-user-routes.js';
import { pushToTarget, type PushResult } from '../push/push-to-target.js';
import { reachFailpoint } from '../failpoint/reach-failpoint.js';
import { createPollFeed, type PollFeed } from './create-poll-feed.js';

/** Everything a sync run talks to, built once by createSyncRuntime (or by tests from real parts). */
export interface SyncRuntime {
  readonly config: Config;
  readonly logger: Logger;
  readonly store: StateStore;
  readonly client: OnOfficeClient;
  readonly targets: ReadonlyArray<{ readonly config: CaldavTargetConfig; readonly target: CalendarTarget }>;
  readonly now: () => Date;
  /** The fetch ICS imports use (default: the global fetch). */
  readonly importFetch?: typeof fetch;
  /** Run after the push of every run that writes (the feed cache warm-up); none of them fails the run. */
  readonly afterPush?: readonly SyncStage[];
}

/** A stage the wiring adds after the push, so the run does not import what it orders. */
export interface SyncStage {
  /** For the log line when it fails. */
  readonly name: string;
  /** May be async (a stage may import what it needs only when it has something to do). */
  run(): unknown;
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
  /** Receives the way back's plan per two-way calendar (dry runs print it). */
  readonly onPullPlan?: (target: string, calendarKey: string, steps: readonly PullStep[]) => void;
  readonly onProgress?: (progress: { phase: string; done: number; total: number | null; share?: number | null }) => void;
}

/** What one two-way target carried back to onOffice. */
export interface TwoWayResult extends TwoWayCounts {
  readonly target: string;
}

export interface SyncSummary {
  readonly poll: PollResult;
  readonly targets: readonly PushResult[];
  readonly twoWay: readonly TwoWayResult[];
  readonly imports: readonly ImportResult[];
  readonly failed: readonly FailedItem[];
  readonly quarantined: number;
  /** CalDAV objects in quarantine (refused for good by their server), over all targets. */
  readonly caldavQuarantined: number;
  readonly durationMs: number;
  /** Seconds between now and the onOffice cursor after the run. */
  readonly lagSeconds: number | null;
}

const LOCK_HEARTBEAT_MS = 60_000;

/**
 * Records a backfill's sweep stores per transaction while a push follows it: a few milliseconds of the
 * event loop each, so the push's answers and next writes go through between them. With 100 (10-20 ms
 * each, cold) the calendar's set-up requests waited behind them and the first PUT left no earlier.
 */
const STORE_PIECE = 25;

/**
 * One sync run, the same for the one-shot command and the daemon: take the run lock, poll onOffice
 * into the state store, push every target, record the run (a first run pushes its first target while
 * it polls: pushesWhilePolling). The lock keeps a `sync` and the daemon from
 * colliding; a lock left by a killed process is taken over by acquireLock.
 */
export async function runSync(runtime: SyncRuntime, options: SyncOptions = {}): Promise<SyncSummary> {
  const { config, store, logger } = runtime;
  const kind = options.kind ?? (options.full ? 'reconcile' : 'incremental');
  const full = options.full === true || kind === 'reconcile';
  const started = runtime.now().getTime();
  const { lock, runId } = startRun(store, kind, logger);
  const heartbeat = setInterval(() => lock.heartbeat(), LOCK_HEARTBEAT_MS);
  heartbeat.unref();
  try {
    const repositories = runRepositoriesOf(runtime);
    const feed = pushesWhilePolling(runtime, options, { full, repositories }) ? createPollFeed() : undefined;
    // The first target's push while the poll stores (pushesWhilePolling), begun once the poll's first
    // answer is stored: onOffice has answered, and the calendar is set up while the rest is read.
    let early: Promise<TargetPush> | undefined;
    let pollFailed = false;
    let pollEnded = false;
    // Its progress is told once the poll's is over, so a progress display shows one phase after the other.
    const report = options.onProgress;
    const startEarly = (): Promise<TargetPush> => {
      const earlyOptions: SyncOptions = {
        ...options,
        shouldStop: () => pollFailed || options.shouldStop?.() === true,
        ...(report ? { onProgress: (progress) => pollEnded && report(progress) } : {}),
      };
      const pushing = pushOneTarget(runtime, earlyOptions, { full, repositories }, runtime.targets[0]!, feed);
      // Awaited after the poll; until then its failure must not count as unhandled.
      pushing.catch(() => undefined);
      return pushing;
    };
    let poll: PollResult;
    try {
      poll = await pollChanges({
        client: runtime.client,
        store,
        config,
        now: runtime.now,
        logger,
        full,
        forceDelete: options.forceDelete,
        recordRun: false,
        ...(feed ? { sweepPiece: STORE_PIECE } : {}),
        onProgress: (progress) => {
          lock.heartbeat();
          options.onProgress?.(progress);
          if (!feed) return;
          feed.stored();
          early ??= startEarly();
        },
      });
    } catch (error) {
      // What the push wrote stays recorded; it stops at its next item, and the run fails with the poll's error.
      pollFailed = true;
      pollEnded = true;
      feed?.end();
      await early?.catch(() => undefined);
      throw error;
    }
    pollEnded = true;
    feed?.end();
    reachFailpoint('sync.after-poll');
    const backLogger = logger.child({ module: 'two-way' });
    const writesBack = !options.dryRun && (config.imports.length > 0 || runtime.targets.some((entry) => entry.config.twoWay));
    // The way back's modules load only for a configuration that has one: a one-way run never needs them.
    if (writesBack) (await import('../back/create-two-way-appointment.js')).settleInterruptedConfirmations(repositories.twoWay, backLogger);
    // A dry run reads the feeds and plans (onPullPlan gets each feed's plan) but applies nothing.
    const imports =
      config.imports.length > 0
        ? await (await import('../back/import-ics-feeds.js')).importIcsFeeds({ config, client: runtime.client, twoWay: repositories.twoWay, appointments: store.appointments, logger, now: runtime.now, fetch: runtime.importFetch, forceDelete: options.forceDelete, dryRun: options.dryRun, onPlan: options.onPullPlan ? (name, steps) => options.onPullPlan!('import', `import:${name}`, steps) : undefined })
        : [];
    const { quarantine } = repositories;
    const first = early ? await early : undefined;
    const { targets, twoWay } = await pushTargets(runtime, options, { full, repositories }, first);
    if (!options.dryRun) await runAfterPush(runtime.afterPush ?? [], logger);
    const failed = [...targets.flatMap((target) => target.failed), ...twoWay.flatMap((result) => result.failed), ...imports.flatMap((result) => result.failed)];
    // Counts of the small quarantine tables and one cursor row: the bookkeeping reads no appointment.
    const cursor = store.cursors.get(MODIFIED_CURSOR);
    const lagSeconds = cursor ? measureCursorLag(cursor.value, runtime.now()) : null;
    const summary: SyncSummary = { poll, targets, twoWay, imports, failed, quarantined: store.appointments.countQuarantined(), caldavQuarantined: quarantine.count(), durationMs: runtime.now().getTime() - started, lagSeconds };
    store.runs.finish(runId, { counts: { ...summaryCounts(summary) }, error: failed.length > 0 ? `${failed.length} item(s) could not be written` : null });
    logger.info({ kind, ...summaryCounts(summary), durationMs: summary.durationMs }, options.shouldStop?.() ? 'sync run interrupted: stopping before all items were done; the next run carries on' : 'sync run finished');
    return summary;
  } catch (caught) {
    const error = StateDatabaseError.wrap(caught, store.path);
    try {
      store.runs.finish(runId, { error: describeError(error) });
    } catch {
      // The database itself is what failed (full, read-only): the error below says so.
    }
    throw error;
  } finally {
    clearInterval(heartbeat);
    releaseQuietly(lock, logger);
  }
}

/** Takes the run lock and records the run's start; a failure there leaves no lock behind. */
function startRun(store: StateStore, kind: string, logger: Logger): { lock: ReturnType<StateStore['acquireLock']>; runId: number } {
  let lock: ReturnType<StateStore['acquireLock']>;
  try {
    lock = store.acquireLock(`${kind} pid ${process.pid} on ${hostname()}`);
  } catch (error) {
    throw StateDatabaseError.wrap(error, store.path);
  }
  try {
    return { lock, runId: store.runs.start(kind) };
  } catch (error) {
    releaseQuietly(lock, logger);
    throw StateDatabaseError.wrap(error, store.path);
  }
}

/** What one target's push gave: its result, and for a two-way target what it carried back. */
interface TargetPush {
  readonly result: PushResult;
  readonly twoWay?: TwoWayResult;
}

/**
 * Whether the first target is pushed while the poll stores (a first run): a backfill stores its
 * appointments in the poll's last batches (about 0.3 s at 2,000, cold), and a push that waited for the
 * whole poll left the server idle for it and the poll. The push then takes the appointments as they are
 * stored (push-to-target.ts `follow`), which is what a full push after the poll would take only where
 * the target holds nothing and nothing else runs between poll and push: a backfill (no cursor yet, no
 * reconciliation), a real run (not --dry-run), no ICS imports, a one-way first target with no object,
 * journal row, failure or cursor of its own. Anything else pushes after the poll, as always.
 */
function pushesWhilePolling(runtime: SyncRuntime, options: SyncOptions, context: { full: boolean; repositories: RunRepositories }): boolean {
  const first = runtime.targets[0];
  if (!first || first.config.twoWay || options.dryRun || context.full || runtime.config.imports.length > 0) return false;
  if (runtime.store.cursors.get(MODIFIED_CURSOR) !== undefined) return false;
  const { caldav } = context.repositories;
  const name = first.config.name;
  return caldav.readPushState(name).pushedSeq === 0 && caldav.countKnown(name) === 0 && caldav.listPendingOutbox(name).length === 0 && caldav.listFailures(name).length === 0;
}

/** Every target in turn (a two-way one pulls first); stops between targets when asked to. `first`: the first target's push, already done. */
async function pushTargets(
  runtime: SyncRuntime,
  options: SyncOptions,
  context: { full: boolean; repositories: RunRepositories },
  first?: TargetPush,
): Promise<{ targets: PushResult[]; twoWay: TwoWayResult[] }> {
  const targets: PushResult[] = [];
  const twoWay: TwoWayResult[] = [];
  for (const [index, entry] of runtime.targets.entries()) {
    const done = index === 0 ? first : undefined;
    if (!done && options.shouldStop?.()) break;
    const pushed = done ?? (await pushOneTarget(runtime, options, context, entry));
    targets.push(pushed.result);
    if (pushed.twoWay) twoWay.push(pushed.twoWay);
  }
  return { targets, twoWay };
}

/** One target: its user routes resolved, its two-way hooks made, pushed (following the poll's `feed` when given). */
async function pushOneTarget(
  runtime: SyncRuntime,
  options: SyncOptions,
  context: { full: boolean; repositories: RunRepositories },
  { config: configuredTarget, target }: SyncRuntime['targets'][number],
  feed?: PollFeed,
): Promise<TargetPush> {
  const { config, store, logger } = runtime;
  const { caldav: repository, quarantine, source } = context.repositories;
  const targetConfig = await resolveUserRoutes({ targetConfig: configuredTarget, client: runtime.client, db: store.db, now: runtime.now, logger });
  const hooks =
    targetConfig.twoWay
      ? (await import('../back/create-two-way-hooks.js')).createTwoWayHooks({ config, targetConfig, target, caldav: repository, twoWay: context.repositories.twoWay, appointments: store.appointments, source, client: runtime.client, logger, now: runtime.now, forceDelete: options.forceDelete, dryRun: options.dryRun, onPullPlan: options.onPullPlan ? (calendarKey, steps) => options.onPullPlan!(targetConfig.name, calendarKey, steps) : undefined })
      : undefined;
  const result = await pushToTarget({
    config,
    targetConfig,
    target,
    repository,
    quarantine,
    source,
    logger,
    now: runtime.now,
    full: context.full,
    dryRun: options.dryRun,
    onProgress: options.onProgress,
    shouldStop: options.shouldStop,
    onPlan: options.onPlan ? (plan, calendars) => options.onPlan!(targetConfig.name, plan, calendars) : undefined,
    twoWay: hooks,
    follow: feed,
  });
  return { result, ...(hooks ? { twoWay: { target: targetConfig.name, ...hooks.counts } } : {}) };
}

/**
 * A stage after the push only prepares later work (the feed server repairs its own cache): a problem
 * there must not fail a sync whose writes are done.
 */
async function runAfterPush(stages: readonly SyncStage[], logger: Logger): Promise<void> {
  for (const stage of stages) {
    try {
      await stage.run();
    } catch (error) {
      logger.warn({ stage: stage.name, err: describeError(error) }, `could not update the ${stage.name}`);
    }
  }
}

/** A lock that cannot be released (the database went read-only) is taken over by a later run. */
function releaseQuietly(lock: { release(): void }, logger: Logger): void {
  try {
    lock.release();
  } catch (error) {
    logger.warn({ err: describeError(error) }, 'could not release the run lock');
  }
}

/** The flat counts of one run: the summary line, the run log and the metrics all use these. */
export interface SummaryCounts {
  readonly read: number;
  readonly changed: number;
  readonly markedDeleted: number;
  readonly quarantined: number;
  readonly created: number;
  readonly updated: number;
  readonly deleted: number;
  readonly skipped: number;
  readonly failed: number;
  readonly backCreated: number;
  readonly backUpdated: number;
  readonly backDeleted: number;
  readonly conflicts: number;
  readonly unsupported: number;
  readonly confirmations: number;
}

export function summaryCounts(summary: Pick<SyncSummary, 'poll' | 'targets' | 'failed' | 'quarantined'> & Partial<Pick<SyncSummary, 'twoWay' | 'imports'>>): SummaryCounts {
  const sum = (pick: (target: PushResult) => number): number => summary.targets.reduce((total, target) => total + pick(target), 0);
  const back = [...(summary.twoWay ?? []), ...(summary.imports ?? [])];
  const sumBack = (pick: (result: TwoWayCounts | ImportResult) => number): number => back.reduce((total, result) => total + pick(result), 0);
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
    // The way back: calendar and feed changes written to onOffice.
    backCreated: sumBack((result) => result.created + result.recovered),
    backUpdated: sumBack((result) => result.updated),
    backDeleted: sumBack((result) => result.deleted),
    conflicts: (summary.twoWay ?? []).reduce((total, result) => total + result.conflicts, 0),
    unsupported: sumBack((result) => result.unsupported),
    confirmations: sumBack((result) => result.confirmations),
  };
}
