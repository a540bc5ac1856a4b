import { Command } from 'commander';
import { MODIFIED_CURSOR } from '../onoffice/poll-changes.js';
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
}

const RECENT_RUNS = 10;

export function readStatus(store: StateStore): StatusReport {
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
  };
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
          const report = readStatus(store);
          process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : renderStatusTable(report));
        } finally {
          store.close();
        }
        return 0;
      }),
    );
}
