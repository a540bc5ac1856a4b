import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command as CommandType } from 'commander';
import type { SummaryCounts, SyncSummary } from '../app/run-sync.js';
import type { PullAction, PullStep } from '../back/plan-pull.js';
import type { SyncPlan } from '../push/plan-sync.js';
import { addConfigOption, createCommandContext, type CommandContext } from './command-context.js';
import { createProgressLogDestination, createProgressReporter, labelProgress, type ProgressReporter } from './create-progress-reporter.js';
import { EXIT_FAILED, EXIT_OK } from './exit-code-for.js';
import { loadCommander } from './load-commander.js';
import { runAction } from './run-action.js';

/**
 * The store, the clients and the run: loaded when a run starts, so `sync --help` (and the program's own
 * start) loads none of them. A run that is no dry run loads them in two steps (runSyncCommand).
 */
async function loadSyncMachinery() {
  const [{ openStateStore }, { createSyncRuntime, prefetchCalendars }, { runSync, summaryCounts }] = await Promise.all([
    import('../store/open-state-store.js'),
    import('../app/create-sync-runtime.js'),
    import('../app/run-sync.js'),
  ]);
  return { openStateStore, createSyncRuntime, prefetchCalendars, runSync, summaryCounts };
}

const { Command } = loadCommander();

type PlannedAction = Pick<SyncPlan['actions'][number], 'kind' | 'calendarKey' | 'uid' | 'appointmentId' | 'reason'>;

/** One planned action of the way back, as a dry run reports it. */
interface PlannedBackAction {
  readonly kind: PullAction['kind'];
  /** The event's UID, else its href. */
  readonly item: string;
  readonly detail: string;
}

/** The way back's actions worth reporting: what would reach onOffice or be decided (not bookkeeping). */
function describePullStep(step: PullStep): PlannedBackAction[] {
  const item = step.known?.uid ?? step.href;
  return step.actions.flatMap((action): PlannedBackAction[] => {
    switch (action.kind) {
      case 'create':
        return [{ kind: action.kind, item: action.planned.uid, detail: action.confirm ? 'new event, with confirmation' : 'new event' }];
      case 'modify':
        return action.write === null ? [] : [{ kind: action.kind, item, detail: `appointment ${action.known.appointmentId}: ${Object.keys(action.write.data).join(', ') || 'place'}` }];
      case 'delete':
      case 'cancel':
        return action.inOnOffice ? [{ kind: action.kind, item, detail: `appointment ${action.known.appointmentId}` }] : [];
      case 'conflict':
        return [{ kind: action.kind, item, detail: `${action.winner === 'onoffice' ? 'onOffice' : 'the calendar'} wins (${action.policy})` }];
      case 'overwrite':
        return [{ kind: action.kind, item, detail: action.reason }];
      case 'recreate':
        return [{ kind: action.kind, item, detail: 'deleted in the calendar, kept in onOffice' }];
      case 'wait':
        return [{ kind: action.kind, item, detail: `appointment ${action.known.appointmentId} is in quarantine` }];
      case 'settle-intent':
        return [{ kind: action.kind, item: action.intent.uid, detail: 'a create of unknown outcome whose event is gone' }];
      default:
        return [];
    }
  });
}

/** How many planned actions a dry run lists per calendar (the counts cover all of them). */
const SAMPLE_PER_CALENDAR = 50;

/** One calendar's part of a dry run's plan: counts of every action, the first ones listed. */
interface CalendarReport {
  readonly url: string;
  readonly counts: Record<PlannedAction['kind'], number>;
  readonly sample: PlannedAction[];
}

interface TargetReport {
  unchanged: number;
  changes: number;
  readonly calendars: Map<string, CalendarReport>;
}

function createTargetReport(calendars: ReadonlyMap<string, { readonly url: string }>): TargetReport {
  return { unchanged: 0, changes: 0, calendars: new Map([...calendars].map(([key, ref]) => [key, { url: ref.url, counts: { create: 0, update: 0, delete: 0 }, sample: [] }])) };
}

function addToReport(report: TargetReport, plan: SyncPlan): void {
  report.unchanged += plan.unchanged;
  report.changes += plan.actions.length;
  for (const { kind, calendarKey, uid, appointmentId, reason } of plan.actions) {
    let calendar = report.calendars.get(calendarKey);
    if (!calendar) report.calendars.set(calendarKey, (calendar = { url: calendarKey, counts: { create: 0, update: 0, delete: 0 }, sample: [] }));
    calendar.counts[kind] += 1;
    if (calendar.sample.length < SAMPLE_PER_CALENDAR) calendar.sample.push({ kind, calendarKey, uid, appointmentId, reason });
  }
}

/** The JSON form: `actions` holds the first actions of each calendar, `calendars` the counts of all. */
function describeTargetReport(target: string, report: TargetReport) {
  const calendars = [...report.calendars].map(([calendarKey, { url, counts }]) => ({ calendarKey, url, ...counts }));
  return { target, unchanged: report.unchanged, changes: report.changes, calendars, actions: [...report.calendars.values()].flatMap((calendar) => calendar.sample) };
}

function printTargetReport(target: string, report: TargetReport, out: NodeJS.WritableStream): void {
  out.write(`target ${target}: ${report.changes} change(s), ${report.unchanged} unchanged\n`);
  for (const { url, counts, sample } of report.calendars.values()) {
    const total = counts.create + counts.update + counts.delete;
    if (total === 0) continue;
    out.write(`  ${url}: ${counts.create} create, ${counts.update} update, ${counts.delete} delete\n`);
    for (const action of sample) out.write(`    ${action.kind.padEnd(6)} ${action.uid} (${action.reason})\n`);
    if (total > sample.length) out.write(`    … and ${total - sample.length} more\n`);
  }
}

interface SyncCommandOptions {
  config?: string;
  full?: boolean;
  dryRun?: boolean;
  forceDelete?: boolean;
  json?: boolean;
}

export function createSyncCommand(): CommandType {
  return addConfigOption(new Command('sync'))
    .description('poll onOffice into the state store and push the changes to every CalDAV target, once')
    .option('--full', 'also run the reconciliation sweep (finds appointments deleted in onOffice) and re-check every object')
    .option('--dry-run', 'print the plan (creates/updates/deletes per calendar, and what two-way calendars would send to onOffice) and write nothing')
    .option('--force-delete', 'let the reconciliation mark more than massDeleteThreshold of the appointments deleted')
    .option('--json', 'print the run summary as JSON')
    .addHelpText('after', '\nExample:\n  onoffice-sync sync --config /etc/onoffice-sync/config.yaml\n  onoffice-sync sync --full --dry-run   # what a reconciliation would change, without writing')
    .action(
      runAction(async (options: SyncCommandOptions) => {
        const progress = createProgressReporter();
        return runSyncCommand(createCommandContext(options, {}, createProgressLogDestination(progress)), options, process.stdout, progress);
      }),
    );
}

/**
 * Exit 0: everything written (quarantined onOffice records are reported but are no failure);
 * 1: some items could not be written (listed; retried next run). Errors map through exitCodeFor.
 */
export async function runSyncCommand(
  context: CommandContext,
  options: SyncCommandOptions,
  out: NodeJS.WritableStream,
  progress: ProgressReporter = createProgressReporter(),
): Promise<number> {
  if (options.dryRun) return runDryRun(context, options, out);
  const { createSyncRuntime, prefetchCalendars } = await import('../app/create-sync-runtime.js');
  const runtime = createSyncRuntime(context.config, context.logger);
  try {
    // An incremental run reads the calendars while it polls; a full one polls for long, and reads them after.
    if (!options.full) prefetchCalendars(runtime);
    // The run's own modules (the poll, the push) load while those first answers are on their way.
    const { runSync, summaryCounts } = await import('../app/run-sync.js');
    const summary = await runSync(runtime, { full: options.full, forceDelete: options.forceDelete, onProgress: (p) => progress.report(labelProgress(p)) });
    progress.finish();
    printSummary(summary, summaryCounts(summary), options.json === true, out);
    return summary.failed.length > 0 ? EXIT_FAILED : EXIT_OK;
  } finally {
    progress.finish();
    runtime.store.close();
  }
}

/** A dry run polls into a throw-away copy of the state store, so neither the store nor a calendar changes. */
async function runDryRun(context: CommandContext, options: SyncCommandOptions, out: NodeJS.WritableStream): Promise<number> {
  const { openStateStore, createSyncRuntime, runSync } = await loadSyncMachinery();
  const dir = mkdtempSync(join(tmpdir(), 'onoffice-sync-dry-run-'));
  const copyPath = join(dir, 'state.db');
  const original = openStateStore(context.config.stateDb, { logger: context.logger });
  try {
    await original.db.backup(copyPath);
  } finally {
    original.close();
  }
  const store = openStateStore(copyPath);
  const runtime = createSyncRuntime(context.config, context.logger, { store });
  // The push plans a chunk at a time: the report keeps counts and the first actions of each calendar,
  // so its memory does not grow with the number of appointments.
  const plans = new Map<string, TargetReport>();
  const backPlans: Array<{ target: string; calendarKey: string; actions: PlannedBackAction[] }> = [];
  try {
    const summary = await runSync(runtime, {
      full: options.full,
      forceDelete: options.forceDelete,
      dryRun: true,
      onPlan: (target, plan, calendars) => {
        const report = plans.get(target) ?? createTargetReport(calendars);
        addToReport(report, plan);
        plans.set(target, report);
      },
      onPullPlan: (target, calendarKey, steps) => backPlans.push({ target, calendarKey, actions: steps.flatMap(describePullStep) }),
    });
    if (options.json) {
      const report = { dryRun: true, poll: summary.poll, plans: [...plans].map(([target, report]) => describeTargetReport(target, report)), backPlans };
      out.write(`${JSON.stringify(report, null, 2)}\n`);
      return EXIT_OK;
    }
    out.write(`dry run: read ${summary.poll.records} record(s) from onOffice; nothing was written\n`);
    for (const [target, report] of plans) printTargetReport(target, report, out);
    for (const { calendarKey, actions } of backPlans) {
      out.write(`back to onOffice from ${calendarKey}: ${actions.length} action(s)\n`);
      for (const action of actions.slice(0, 50)) out.write(`    ${action.kind.padEnd(9)} ${action.item} (${action.detail})\n`);
      if (actions.length > 50) out.write(`    … and ${actions.length - 50} more\n`);
    }
    return EXIT_OK;
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function printSummary(summary: SyncSummary, counts: SummaryCounts, json: boolean, out: NodeJS.WritableStream): void {
  const refused = summary.targets.flatMap((target) => target.quarantined);
  if (json) {
    out.write(`${JSON.stringify({ ...counts, durationMs: summary.durationMs, failedItems: summary.failed, caldavQuarantined: refused }, null, 2)}\n`);
    return;
  }
  out.write(
    `sync: read ${counts.read} from onOffice (${counts.changed} changed, ${counts.markedDeleted} deleted, ${counts.quarantined} quarantined); ` +
      `calendars: ${counts.created} created, ${counts.updated} updated, ${counts.deleted} deleted, ${counts.skipped} unchanged, ${counts.failed} failed ` +
      `in ${(summary.durationMs / 1000).toFixed(1)} s\n`,
  );
  if (counts.backCreated + counts.backUpdated + counts.backDeleted + counts.conflicts + counts.unsupported > 0) {
    out.write(
      `  back to onOffice: ${counts.backCreated} created, ${counts.backUpdated} updated, ${counts.backDeleted} deleted, ` +
        `${counts.confirmations} confirmation(s) sent, ${counts.conflicts} conflict(s) resolved, ${counts.unsupported} event(s) with parts onOffice cannot hold (see status)\n`,
    );
  }
  if (summary.quarantined > 0) out.write(`  ${summary.quarantined} onOffice record(s) are in quarantine: see \`onoffice-sync status\`\n`);
  for (const item of summary.failed) out.write(`  failed: ${item.action} ${item.uid} in ${item.calendarKey}: ${item.error}\n`);
  for (const item of refused) out.write(`  refused by the server: ${item.action} ${item.uid} in ${item.calendarKey}: ${item.error}\n`);
  if (summary.caldavQuarantined > 0) out.write(`  ${summary.caldavQuarantined} calendar object(s) refused by the server are in quarantine until they change: see \`onoffice-sync status\`\n`);
}
