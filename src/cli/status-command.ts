import type { Command as CommandType } from 'commander';
import { DateTime } from 'luxon';
import type { Config } from '../config/config-schema.js';
import { createFeedStatsRepository, FEED_SIZE_LIMIT_BYTES, type FeedStats } from '../feed/feed-stats-repository.js';
import { createFeedTokenRepository } from '../feed/feed-token-repository.js';
import { MODIFIED_CURSOR, measureCursorLag } from '../onoffice/poll-changes.js';
import { createAppointmentIndex } from '../store/appointment-index.js';
import { createCaldavQuarantineRepository, type CaldavQuarantineEntry } from '../store/caldav-quarantine-repository.js';
import { createCaldavStateRepository, type FailureEntry } from '../store/caldav-state-repository.js';
import { readTwoWayStatus, type TwoWayStatus } from '../store/two-way-repository.js';
import { openStateStore, type StateStore } from '../store/open-state-store.js';
import type { RunRecord } from '../store/run-repository.js';
import { StateDatabaseError } from '../store/state-database-error.js';
import type { LockHolder } from '../store/lock-held-error.js';
import { addConfigOption, createCommandContext } from './command-context.js';
import { runAction } from './run-action.js';
import { redactUrl } from '../log/redact-url.js';
import { loadCommander } from './load-commander.js';

const { Command } = loadCommander();

/**
 * What `status` shows, and what the daemon's status page renders: one report, read in one place.
 * Times are ISO 8601 UTC; the table shows them in local time with the zone.
 */
export interface StatusReport {
  readonly stateDb: string;
  readonly schemaVersion: number;
  /** When this report was read. */
  readonly readAt: string;
  /** Everything onOffice changed up to this time has been read; null before the first run. */
  readonly cursor: string | null;
  /** Seconds the cursor is behind readAt; null before the first run. */
  readonly lagSeconds: number | null;
  /** The run holding the run lock now (a sync or the daemon's), or null when none runs. */
  readonly running: LockHolder | null;
  readonly appointments: {
    readonly active: number;
    readonly cancelled: number;
    readonly deleted: number;
    readonly quarantined: number;
    /** The store's change counter (for scripts comparing two reports). */
    readonly changeSeq: number;
  };
  readonly quarantine: ReadonlyArray<{ readonly id: number | string; readonly reason: string; readonly modified: string | null; readonly since: string }>;
  readonly runs: readonly RunStatus[];
  /** The newest failed run, if it is newer than the newest successful one. */
  readonly lastError: { readonly at: string; readonly kind: string; readonly error: string } | null;
  /** The last run that got through (items may have failed), null before the first. */
  readonly lastSuccessAt: string | null;
  /** Per configured CalDAV target (with a config). */
  readonly caldav?: ReadonlyArray<CaldavTargetStatus>;
  /** Per configured feed (with a config). */
  readonly feeds?: ReadonlyArray<FeedStatus>;
  readonly twoWay?: TwoWayStatus;
}


export interface RunStatus extends RunRecord {
  /** Part of the first load of the whole horizon (every run up to the first that got through). */
  readonly backfill: boolean;
}

export interface CaldavTargetStatus {
  readonly name: string;
  readonly url: string;
  readonly objects: number;
  /** Each calendar of the target with the objects we wrote there. */
  readonly calendars: ReadonlyArray<{ readonly calendarKey: string; readonly url: string; readonly displayName: string; readonly objects: number }>;
  /** No push to this target has completed yet: the first one writes every appointment. */
  readonly backfill: boolean;
  /**
   * What the next push still has to do: during the backfill the appointments without an object here
   * yet, afterwards the appointment changes since the last completed push (0: up to date).
   */
  readonly pendingChanges: number;
  /** Items that could not be written, retried by the next run (the CalDAV side's quarantine goes beside them). */
  readonly failures: readonly FailureEntry[];
  /** Objects the server refused for good, with its status and sentence; tried again when they change. */
  readonly quarantined: readonly CaldavQuarantineEntry[];
  /** Writes a killed run left uncertain; the next run settles them. */
  readonly unfinishedWrites: number;
}

export interface FeedStatus {
  readonly name: string;
  readonly hasToken: boolean;
  readonly stats: FeedStats | null;
  /** Set when the last body was over Google's 1 MB limit. */
  readonly warning: string | null;
}

const RECENT_RUNS = 10;

export function readStatus(store: StateStore, config?: Config, now: Date = new Date()): StatusReport {
  const counts = store.appointments.counts();
  const runs = store.runs.recentRuns(RECENT_RUNS);
  const failed = runs.find((run) => run.error !== null);
  const succeeded = runs.find((run) => run.error === null && run.endedAt !== null);
  const cursor = store.cursors.get(MODIFIED_CURSOR)?.value ?? null;
  const firstThrough = store.runs.readFirstCompletedRunId();
  return {
    stateDb: store.path,
    schemaVersion: store.migrations.to,
    readAt: now.toISOString(),
    cursor: cursor === null ? null : toIsoFromOnOffice(cursor),
    lagSeconds: cursor === null ? null : Math.round(measureCursorLag(cursor, now)),
    running: store.readLockHolder(),
    appointments: { ...counts, changeSeq: store.appointments.maxChangeSeq() },
    quarantine: store.appointments.listQuarantine().map((q) => ({
      id: /^\d+$/.test(q.recordId) ? Number(q.recordId) : q.recordId,
      reason: q.reason,
      modified: q.modified === null ? null : toIsoFromOnOffice(q.modified),
      since: q.firstSeen,
    })),
    runs: runs.map((run) => ({ ...run, backfill: !run.kind.startsWith('poll:') && (firstThrough === null || run.id <= firstThrough) })),
    lastError:
      failed && (!succeeded || failed.id > succeeded.id) ? { at: failed.endedAt ?? failed.startedAt, kind: failed.kind, error: failed.error! } : null,
    lastSuccessAt: runs.find((run) => run.endedAt !== null && run.counts !== null)?.endedAt ?? null,
    ...(config ? readConfiguredParts(store, config) : {}),
  };
}

/** onOffice's 'YYYY-MM-DD HH:mm:ss' (UTC) as ISO 8601. */
function toIsoFromOnOffice(value: string): string {
  return `${value.replace(' ', 'T')}Z`;
}

function readConfiguredParts(store: StateStore, config: Config): Pick<StatusReport, 'caldav' | 'feeds' | 'twoWay'> {
  const caldavState = createCaldavStateRepository(store.db);
  const caldavQuarantine = createCaldavQuarantineRepository(store.db);
  const index = createAppointmentIndex(store.db);
  const caldav = config.caldav.map((target): CaldavTargetStatus => {
    const { pushedSeq } = caldavState.readPushState(target.name);
    const backfill = pushedSeq === 0;
    return {
      name: target.name,
      url: redactUrl(target.url),
      objects: caldavState.countKnown(target.name),
      calendars: caldavState.countObjectsPerCalendar(target.name),
      backfill,
      // During a backfill: what the target should show and does not yet.
      pendingChanges: backfill ? caldavState.countUnwritten(target.name, target.cancelled === 'keep') : index.countChangedSince(pushedSeq),
      failures: caldavState.listFailures(target.name),
      quarantined: caldavQuarantine.list(target.name),
      unfinishedWrites: caldavState.listPendingOutbox(target.name).length,
    };
  });
  const tokens = createFeedTokenRepository(store.db);
  const stats = createFeedStatsRepository(store.db);
  const feeds = config.feeds.map((feed): FeedStatus => {
    const feedStats = stats.read(feed.name);
    return {
      name: feed.name,
      hasToken: tokens.read(feed.name) !== null,
      stats: feedStats,
      warning: feedStats?.oversize
        ? `${feedStats.sizeBytes} bytes is over Google's ${FEED_SIZE_LIMIT_BYTES}-byte limit: narrow it (pastDays/futureDays, users, arts)`
        : null,
    };
  });
  return { caldav, feeds, twoWay: readTwoWayStatus(store.db) };
}

/** A time for people: local (or the given zone) with the zone's name, to the second. */
export function formatLocalTime(iso: string, zone?: string): string {
  const time = DateTime.fromISO(iso, { zone: 'utc' });
  return (zone ? time.setZone(zone) : time.toLocal()).toFormat('yyyy-MM-dd HH:mm:ss ZZZZ');
}

/** Seconds as "45 s", "12 min", "3 h 5 min", "2 d 4 h". */
export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
  return `${Math.floor(seconds / 86_400)} d ${Math.round((seconds % 86_400) / 3600)} h`;
}

/** A run's label: the first load of the horizon is a backfill, whatever schedule started it. */
export function describeRunKind(run: RunStatus): string {
  return run.backfill ? (run.kind === 'reconcile' ? 'backfill (full)' : 'backfill') : run.kind;
}

/** Both directions of one run: what went to the calendars and what came back to onOffice. */
export function describeRunCounts(run: RunStatus): { outcome: string; toCalendars: string | null; toOnOffice: string | null } {
  if (run.error !== null && run.counts === null) return { outcome: `FAILED: ${run.error}`, toCalendars: null, toOnOffice: null };
  if (run.endedAt === null) return { outcome: 'not finished (running now, or stopped by a kill or crash)', toCalendars: null, toOnOffice: null };
  const count = (key: string): number => (typeof run.counts?.[key] === 'number' ? (run.counts[key] as number) : 0);
  const hasBack = run.counts !== null && 'backCreated' in run.counts;
  return {
    outcome: run.error !== null ? `FAILED: ${run.error}` : 'ok',
    toCalendars: `${count('created')} created, ${count('updated')} updated, ${count('deleted')} deleted${count('failed') > 0 ? `, ${count('failed')} failed` : ''}`,
    toOnOffice: hasBack ? `${count('backCreated')} created, ${count('backUpdated')} modified, ${count('backDeleted')} deleted` : null,
  };
}

export function renderStatusTable(report: StatusReport, zone?: string): string {
  const a = report.appointments;
  const time = (iso: string): string => formatLocalTime(iso, zone);
  const lines = [
    `state database   ${report.stateDb} (schema ${report.schemaVersion})`,
    `running now      ${report.running ? describeHolder(report.running, time) : 'no run in progress'}`,
    `onOffice         ${report.cursor === null ? 'nothing read yet (the first sync loads the horizon)' : `read up to ${time(report.cursor)} (lag ${formatDuration(report.lagSeconds ?? 0)})`}`,
    `appointments     ${a.active} active, ${a.cancelled} cancelled, ${a.deleted} deleted, ${a.quarantined} quarantined`,
  ];
  if (report.lastSuccessAt) lines.push(`last good run    ${time(report.lastSuccessAt)}`);
  if (report.lastError) lines.push(`last error       ${time(report.lastError.at)} ${report.lastError.kind}: ${report.lastError.error}`);
  if (report.quarantine.length > 0) {
    lines.push('', 'quarantined records (fix them in onOffice; they are retried when they change):');
    for (const q of report.quarantine) lines.push(`  ${String(q.id).padEnd(10)} ${q.reason}`);
  }
  for (const target of report.caldav ?? []) {
    const pending =
      target.pendingChanges === 0
        ? 'up to date'
        : target.backfill
          ? `backfill: ${target.pendingChanges} appointment(s) not written yet`
          : `${target.pendingChanges} change(s) to push`;
    lines.push(
      '',
      `CalDAV ${target.name} (${target.url}): ${target.objects} objects, ${pending}` +
        `${target.unfinishedWrites > 0 ? `, ${target.unfinishedWrites} unfinished write(s) (settled by the next run)` : ''}`,
    );
    for (const calendar of target.calendars) lines.push(`  calendar "${calendar.displayName}" ${calendar.url}: ${calendar.objects} objects`);
    for (const failure of target.failures) lines.push(`  failed ${failure.attempts}×: ${failure.action} ${failure.uid}: ${failure.error}`);
    if (target.quarantined.length > 0) lines.push('  refused by the server (quarantined; sent again when the appointment changes):');
    for (const item of target.quarantined) lines.push(`    appointment ${item.appointmentId} (${item.uid}): HTTP ${item.status} "${item.serverText}" since ${item.firstSeen}`);
  }
  for (const feed of report.feeds ?? []) {
    const served = feed.stats
      ? `${feed.stats.eventCount ?? 0} events, ${feed.stats.sizeBytes ?? 0} bytes, served ${feed.stats.servedCount}× (${feed.stats.notModifiedCount} × 304)` +
        `${feed.stats.lastServedAt ? `, last fetched ${time(feed.stats.lastServedAt)}` : ''}`
      : 'not served yet';
    lines.push('', `feed ${feed.name}: ${feed.hasToken ? served : 'no token yet: onoffice-sync feed add ' + feed.name}`);
    if (feed.warning) lines.push(`  WARNING: ${feed.warning}`);
  }
  const twoWay = report.twoWay;
  if (twoWay && (twoWay.reports.length > 0 || twoWay.pendingCreates > 0 || twoWay.unknownConfirmations.length > 0 || twoWay.imports.length > 0)) {
    lines.push('', 'the way back:');
    for (const item of twoWay.imports) lines.push(`  import ${item.name}: ${item.events} events, fetched ${item.fetchedAt ? time(item.fetchedAt) : 'never'}`);
    if (twoWay.pendingCreates > 0) lines.push(`  ${twoWay.pendingCreates} create(s) with unknown outcome: the next run looks for them in onOffice before creating again`);
    for (const confirmation of twoWay.unknownConfirmations) {
      lines.push(`  confirmation for appointment ${confirmation.appointmentId ?? '?'} (${confirmation.uid}) may not have been sent; check onOffice, it is never resent automatically`);
    }
    for (const item of twoWay.reports.slice(0, 20)) lines.push(`  ${item.kind} ${item.source} ${item.uid}${item.appointmentId ? ` (appointment ${item.appointmentId})` : ''}: ${item.message}`);
    if (twoWay.reports.length > 20) lines.push(`  … and ${twoWay.reports.length - 20} more (status --json lists all)`);
  }
  if (report.runs.length > 0) {
    lines.push('', 'recent runs:');
    for (const run of report.runs) {
      const { outcome, toCalendars, toOnOffice } = describeRunCounts(run);
      const parts = [outcome === 'ok' ? null : outcome, toCalendars && `to calendars: ${toCalendars}`, toOnOffice && `to onOffice: ${toOnOffice}`].filter(Boolean);
      const took = run.endedAt ? ` (${formatDuration((Date.parse(run.endedAt) - Date.parse(run.startedAt)) / 1000)})` : '';
      lines.push(`  ${time(run.startedAt)}  ${describeRunKind(run).padEnd(16)} ${parts.join('; ')}${took}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function describeHolder(holder: LockHolder, time: (iso: string) => string): string {
  const where = holder.pid === null || holder.owner.includes(`pid ${holder.pid}`) ? '' : ` (pid ${holder.pid} on ${holder.hostname ?? '?'})`;
  const since = holder.since ? `, since ${time(holder.since)}` : '';
  const heartbeat = holder.heartbeatAt ? `, last heartbeat ${time(holder.heartbeatAt)}` : '';
  return `${holder.owner}${where}${since}${heartbeat}`;
}

export function createStatusCommand(): CommandType {
  return addConfigOption(new Command('status'))
    .description('Show the sync state: whether a run is in progress, how far onOffice has been read, appointment counts, quarantined records, each calendar, recent runs in both directions')
    .option('--json', 'print the report as JSON')
    .addHelpText('after', '\nExample:\n  onoffice-sync status --config /etc/onoffice-sync/config.yaml\n  onoffice-sync status --json > status.json   # the same figures, for scripts')
    .action(
      runAction(async (options: { config?: string; json?: boolean }) => {
        const { config, logger } = createCommandContext(options, { needsOnOffice: false });
        const store = openStateStore(config.stateDb, { logger });
        try {
          let report: StatusReport;
          try {
            report = readStatus(store, config);
          } catch (error) {
            throw StateDatabaseError.wrap(error, store.path);
          }
          process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : renderStatusTable(report));
        } finally {
          store.close();
        }
        return 0;
      }),
    );
}
