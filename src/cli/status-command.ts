import { Command } from 'commander';
import type { Config } from '../config/config-schema.js';
import { createFeedStatsRepository, FEED_SIZE_LIMIT_BYTES, type FeedStats } from '../feed/feed-stats-repository.js';
import { createFeedTokenRepository } from '../feed/feed-token-repository.js';
import { MODIFIED_CURSOR } from '../onoffice/poll-changes.js';
import { createAppointmentIndex } from '../store/appointment-index.js';
import { createCaldavQuarantineRepository, type CaldavQuarantineEntry } from '../store/caldav-quarantine-repository.js';
import { createCaldavStateRepository, type FailureEntry } from '../store/caldav-state-repository.js';
import { readTwoWayStatus, type TwoWayStatus } from '../store/two-way-repository.js';
import { openStateStore, type StateStore } from '../store/open-state-store.js';
import type { RunRecord } from '../store/run-repository.js';
import { addConfigOption, createCommandContext } from './command-context.js';
import { runAction } from './run-action.js';

/** What `status` shows; other parts add their sections (CalDAV targets, feeds) next to these keys. */
export interface StatusReport {
  readonly stateDb: string;
  readonly schemaVersion: number;
  /** Everything onOffice changed up to this UTC time has been read ('YYYY-MM-DD HH:mm:ss'); null before the first run. */
  readonly cursor: string | null;
  readonly appointments: {
    readonly active: number;
    readonly cancelled: number;
    readonly deleted: number;
    readonly quarantined: number;
    readonly changeSeq: number;
  };
  readonly quarantine: ReadonlyArray<{ readonly id: number | string; readonly reason: string; readonly modified: string | null; readonly since: string }>;
  readonly runs: readonly RunRecord[];
  /** The newest failed run, if it is newer than the newest successful one. */
  readonly lastError: { readonly at: string; readonly kind: string; readonly error: string } | null;
  /** Per configured CalDAV target (with a config). */
  readonly caldav?: ReadonlyArray<CaldavTargetStatus>;
  /** Per configured feed (with a config). */
  readonly feeds?: ReadonlyArray<FeedStatus>;
  readonly twoWay?: TwoWayStatus;
}

export interface CaldavTargetStatus {
  readonly name: string;
  readonly url: string;
  readonly objects: number;
  /** Appointment changes not yet pushed to this target (0 when it is up to date). */
  readonly pendingChanges: number;
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

export function readStatus(store: StateStore, config?: Config): StatusReport {
  const counts = store.appointments.counts();
  const runs = store.runs.recentRuns(RECENT_RUNS);
  const failed = runs.find((run) => run.error !== null);
  const succeeded = runs.find((run) => run.error === null && run.endedAt !== null);
  return {
    stateDb: store.path,
    schemaVersion: store.migrations.to,
    cursor: store.cursors.get(MODIFIED_CURSOR)?.value ?? null,
    appointments: { ...counts, changeSeq: store.appointments.maxChangeSeq() },
    quarantine: store.appointments.listQuarantine().map((q) => ({
      id: /^\d+$/.test(q.recordId) ? Number(q.recordId) : q.recordId,
      reason: q.reason,
      modified: q.modified,
      since: q.firstSeen,
    })),
    runs,
    lastError:
      failed && (!succeeded || failed.id > succeeded.id) ? { at: failed.endedAt ?? failed.startedAt, kind: failed.kind, error: failed.error! } : null,
    ...(config ? readConfiguredParts(store, config) : {}),
  };
}

function readConfiguredParts(store: StateStore, config: Config): Pick<StatusReport, 'caldav' | 'feeds' | 'twoWay'> {
  const caldavState = createCaldavStateRepository(store.db);
  const caldavQuarantine = createCaldavQuarantineRepository(store.db);
  const index = createAppointmentIndex(store.db);
  const caldav = config.caldav.map((target): CaldavTargetStatus => {
    const { pushedSeq } = caldavState.readPushState(target.name);
    return {
      name: target.name,
      url: target.url,
      objects: caldavState.countKnown(target.name),
      pendingChanges: index.countChangedSince(pushedSeq),
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

function describeRunCounts(run: RunRecord): string {
  if (!run.counts) return '';
  const keys = ['created', 'updated', 'deleted', 'quarantined', 'requests'];
  return keys.filter((key) => typeof run.counts?.[key] === 'number').map((key) => `${key} ${String(run.counts?.[key])}`).join(', ');
}

export function renderStatusTable(report: StatusReport): string {
  const a = report.appointments;
  const lines = [
    `state database   ${report.stateDb} (schema ${report.schemaVersion})`,
    `onOffice cursor  ${report.cursor === null ? 'none yet (the first sync loads the horizon)' : `${report.cursor} UTC`}`,
    `appointments     ${a.active} active, ${a.cancelled} cancelled, ${a.deleted} deleted, ${a.quarantined} quarantined (change ${a.changeSeq})`,
  ];
  if (report.lastError) lines.push(`last error       ${report.lastError.at} ${report.lastError.kind}: ${report.lastError.error}`);
  if (report.quarantine.length > 0) {
    lines.push('', 'quarantined records (fix them in onOffice; they are retried when they change):');
    for (const q of report.quarantine) lines.push(`  ${String(q.id).padEnd(10)} ${q.reason}`);
  }
  for (const target of report.caldav ?? []) {
    lines.push(
      '',
      `CalDAV ${target.name} (${target.url}): ${target.objects} objects, ${target.pendingChanges === 0 ? 'up to date' : `${target.pendingChanges} change(s) to push`}` +
        `${target.unfinishedWrites > 0 ? `, ${target.unfinishedWrites} unfinished write(s) (settled by the next run)` : ''}`,
    );
    for (const failure of target.failures) lines.push(`  failed ${failure.attempts}×: ${failure.action} ${failure.uid}: ${failure.error}`);
    if (target.quarantined.length > 0) lines.push('  refused by the server (quarantined; sent again when the appointment changes):');
    for (const item of target.quarantined) lines.push(`    appointment ${item.appointmentId} (${item.uid}): HTTP ${item.status} "${item.serverText}" since ${item.firstSeen}`);
  }
  for (const feed of report.feeds ?? []) {
    const served = feed.stats ? `${feed.stats.eventCount ?? 0} events, ${feed.stats.sizeBytes ?? 0} bytes, served ${feed.stats.servedCount}× (${feed.stats.notModifiedCount} × 304)` : 'not served yet';
    lines.push('', `feed ${feed.name}: ${feed.hasToken ? served : 'no token yet: onoffice-sync feed add ' + feed.name}`);
    if (feed.warning) lines.push(`  WARNING: ${feed.warning}`);
  }
  const twoWay = report.twoWay;
  if (twoWay && (twoWay.reports.length > 0 || twoWay.pendingCreates > 0 || twoWay.unknownConfirmations.length > 0 || twoWay.imports.length > 0)) {
    lines.push('', 'the way back:');
    for (const item of twoWay.imports) lines.push(`  import ${item.name}: ${item.events} events, fetched ${item.fetchedAt ?? 'never'}`);
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
      const outcome = run.error !== null ? `FAILED: ${run.error}` : run.endedAt === null ? 'running or interrupted' : describeRunCounts(run);
      lines.push(`  ${run.startedAt}  ${run.kind.padEnd(16)} ${outcome}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

export function createStatusCommand(): Command {
  return addConfigOption(new Command('status'))
    .description('Show the sync state: cursor, appointment counts, quarantined records, recent runs')
    .option('--json', 'print the report as JSON')
    .action(
      runAction(async (options: { config?: string; json?: boolean }) => {
        const { config, logger } = createCommandContext(options);
        const store = openStateStore(config.stateDb, { logger });
        try {
          const report = readStatus(store, config);
          process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : renderStatusTable(report));
        } finally {
          store.close();
        }
        return 0;
      }),
    );
}
