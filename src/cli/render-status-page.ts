import { describeRunCounts, describeRunKind, formatDuration, formatLocalTime, type StatusReport } from './status-command.js';

/** Text for HTML, in an element or a quoted attribute. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/** A template tag that escapes every interpolated value unless it is already rendered Html. */
class Html {
  constructor(readonly text: string) {}
}

function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let text = strings[0]!;
  values.forEach((value, index) => {
    text += renderValue(value) + strings[index + 1]!;
  });
  return new Html(text);
}

function renderValue(value: unknown): string {
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return value.map(renderValue).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(value);
}

/** What the page adds to the report: how healthy the service looks at a glance. */
export interface StatusPageHealth {
  readonly ok: boolean;
  readonly summary: string;
}

/** Healthy: the last run got through and nothing failed after it. */
export function planStatusPageHealth(report: StatusReport): StatusPageHealth {
  if (report.lastError) return { ok: false, summary: `last run failed: ${report.lastError.error}` };
  if (report.lastSuccessAt === null) return { ok: false, summary: report.running ? 'the first run is in progress' : 'no run has completed yet' };
  const failing = (report.caldav ?? []).reduce((total, target) => total + target.failures.length, 0);
  if (failing > 0) return { ok: false, summary: `${failing} object(s) could not be written; they are retried every run` };
  return { ok: true, summary: 'running normally' };
}

const STYLE = `
:root { color-scheme: light dark; --ok: #1a7f37; --bad: #cf222e; --muted: #6e7781; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto; padding: 12px; max-width: 1100px; }
h1 { font-size: 1.3rem; margin: 0 0 8px; } h2 { font-size: 1.05rem; margin: 22px 0 6px; }
.health { padding: 10px 12px; border-radius: 8px; border: 1px solid; }
.health.ok { border-color: var(--ok); } .health.bad { border-color: var(--bad); }
.health strong { color: var(--ok); } .health.bad strong { color: var(--bad); }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 10px 0; }
dl.facts dt { color: var(--muted); } dl.facts dd { margin: 0; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid rgba(128,128,128,.3); vertical-align: top; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
.muted { color: var(--muted); } .failed { color: var(--bad); }
@media (max-width: 640px) {
  dl.facts { grid-template-columns: 1fr; } dl.facts dd { margin-bottom: 6px; }
  table.stack, table.stack tbody { display: block; width: 100%; }
  table.stack thead { display: none; }
  table.stack tr { display: block; border-bottom: 1px solid rgba(128,128,128,.4); padding: 4px 0; }
  table.stack td { display: flex; justify-content: space-between; gap: 12px; border: 0; padding: 2px 4px; text-align: right; overflow-wrap: anywhere; min-width: 0; }
  table.stack td::before { content: attr(data-label); color: var(--muted); text-align: left; flex: none; }
}`;

/**
 * The daemon's status page: server-rendered HTML from the same report as `status --json`, no script,
 * readable on a phone. Every value is escaped (record reasons and calendar names come from outside).
 * data-key attributes name the report field a figure shows, for tests and scrapers.
 */
export function renderStatusPage(report: StatusReport, options: { zone?: string } = {}): string {
  const time = (iso: string | null): string => (iso === null ? '—' : formatLocalTime(iso, options.zone));
  const health = planStatusPageHealth(report);
  const a = report.appointments;
  const cell = (label: string, value: unknown, extra: { key?: string; numeric?: boolean } = {}): Html =>
    html`<td data-label="${label}"${extra.key ? html` data-key="${extra.key}"` : ''}${extra.numeric ? html` class="n"` : ''}>${value}</td>`;

  const calendars = (report.caldav ?? []).flatMap((target, t) =>
    target.calendars.map(
      (calendar, c) => html`<tr>${cell('Target', target.name)}${cell('Calendar', calendar.displayName)}${cell('Objects', calendar.objects, { key: `caldav.${t}.calendars.${c}.objects`, numeric: true })}${cell('URL', calendar.url)}</tr>`,
    ),
  );
  const targets = (report.caldav ?? []).map(
    (target, t) =>
      html`<tr>${cell('Target', target.name)}${cell('Objects', target.objects, { key: `caldav.${t}.objects`, numeric: true })}${cell(
        'Still to do',
        target.pendingChanges === 0 ? 'up to date' : target.backfill ? `backfill: ${target.pendingChanges} not written yet` : `${target.pendingChanges} change(s)`,
        { key: `caldav.${t}.pendingChanges` },
      )}${cell('Failed', target.failures.length, { key: `caldav.${t}.failures.length`, numeric: true })}${cell('Unfinished', target.unfinishedWrites, { numeric: true })}</tr>`,
  );
  const runs = report.runs.map((run, r) => {
    const { outcome, toCalendars, toOnOffice } = describeRunCounts(run);
    const took = run.endedAt ? formatDuration((Date.parse(run.endedAt) - Date.parse(run.startedAt)) / 1000) : '—';
    return html`<tr>${cell('Started', time(run.startedAt))}${cell('Kind', describeRunKind(run), { key: `runs.${r}.kind` })}${cell('To calendars', toCalendars ?? '—', { key: `runs.${r}.toCalendars` })}${cell(
      'To onOffice',
      toOnOffice ?? '—',
      { key: `runs.${r}.toOnOffice` },
    )}${cell('Took', took)}<td data-label="Result" class="${outcome === 'ok' ? '' : 'failed'}">${outcome}</td></tr>`;
  });
  const onOfficeQuarantine = report.quarantine.map(
    (q, i) => html`<tr>${cell('Side', 'onOffice')}${cell('Record', q.id)}${cell('Reason', q.reason, { key: `quarantine.${i}.reason` })}${cell('Since', time(q.since))}</tr>`,
  );
  // The CalDAV side: objects that could not be written and what the way back could not carry.
  const caldavQuarantine = [
    ...(report.caldav ?? []).flatMap((target) =>
      target.failures.map((failure) => html`<tr>${cell('Side', `CalDAV ${target.name}`)}${cell('Record', failure.uid)}${cell('Reason', `${failure.action} failed ${failure.attempts}×: ${failure.error}`)}${cell('Since', time(failure.lastAttempt))}</tr>`),
    ),
    ...(report.twoWay?.reports ?? []).map(
      (item) => html`<tr>${cell('Side', `${item.kind} ${item.source}`)}${cell('Record', item.uid)}${cell('Reason', item.message)}${cell('Since', '')}</tr>`,
    ),
  ];
  const feeds = (report.feeds ?? []).map(
    (feed, f) =>
      html`<tr>${cell('Feed', feed.name)}${cell('Events', feed.stats?.eventCount ?? '—', { key: `feeds.${f}.stats.eventCount`, numeric: true })}${cell('Served', feed.stats?.servedCount ?? 0, {
        key: `feeds.${f}.stats.servedCount`,
        numeric: true,
      })}${cell('Last fetch', feed.hasToken ? time(feed.stats?.lastServedAt ?? null) : 'no token yet')}${cell('Note', feed.warning ?? '')}</tr>`,
  );
  const imports = (report.twoWay?.imports ?? []).map(
    (item) => html`<tr>${cell('Import', item.name)}${cell('Events', item.events, { numeric: true })}${cell('Last fetch', time(item.fetchedAt))}</tr>`,
  );

  const page = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>onoffice-sync status</title>
<style>${new Html(STYLE)}</style>
</head>
<body>
<h1>onoffice-sync</h1>
<p class="health ${health.ok ? 'ok' : 'bad'}"><strong data-key="health">${health.ok ? 'Healthy' : 'Attention'}</strong> — ${health.summary}</p>
<dl class="facts">
<dt>Running now</dt><dd data-key="running">${report.running ? `${report.running.owner}${report.running.since ? `, since ${time(report.running.since)}` : ''}` : 'no run in progress'}</dd>
<dt>Lag behind onOffice</dt><dd data-key="lagSeconds">${report.lagSeconds === null ? 'nothing read yet' : formatDuration(report.lagSeconds)}</dd>
<dt>onOffice read up to</dt><dd>${time(report.cursor)}</dd>
<dt>Last good run</dt><dd>${time(report.lastSuccessAt)}</dd>
${report.lastError ? html`<dt>Last error</dt><dd class="failed" data-key="lastError.error">${time(report.lastError.at)} ${report.lastError.kind}: ${report.lastError.error}</dd>` : ''}
<dt>Appointments</dt><dd><span data-key="appointments.active">${a.active}</span> active, <span data-key="appointments.cancelled">${a.cancelled}</span> cancelled, <span data-key="appointments.deleted">${a.deleted}</span> deleted, <span data-key="appointments.quarantined">${a.quarantined}</span> quarantined</dd>
<dt>Shown at</dt><dd>${time(report.readAt)}</dd>
</dl>
<h2>Calendars</h2>
${calendars.length > 0 ? html`<div class="scroll"><table class="stack"><thead><tr><th>Target</th><th>Calendar</th><th class="n">Objects</th><th>URL</th></tr></thead><tbody>${calendars}</tbody></table></div>` : html`<p class="muted">No calendar written yet.</p>`}
${targets.length > 0 ? html`<div class="scroll"><table class="stack"><thead><tr><th>Target</th><th class="n">Objects</th><th>Still to do</th><th class="n">Failed</th><th class="n">Unfinished</th></tr></thead><tbody>${targets}</tbody></table></div>` : ''}
<h2>Recent runs</h2>
${runs.length > 0 ? html`<div class="scroll"><table class="stack"><thead><tr><th>Started</th><th>Kind</th><th>To calendars</th><th>To onOffice</th><th>Took</th><th>Result</th></tr></thead><tbody>${runs}</tbody></table></div>` : html`<p class="muted">No run yet.</p>`}
<h2>Quarantine</h2>
${onOfficeQuarantine.length + caldavQuarantine.length > 0 ? html`<div class="scroll"><table class="stack"><thead><tr><th>Side</th><th>Record</th><th>Reason</th><th>Since</th></tr></thead><tbody>${onOfficeQuarantine}${caldavQuarantine}</tbody></table></div>` : html`<p class="muted">Nothing in quarantine on either side.</p>`}
<h2>Feeds</h2>
${feeds.length + imports.length > 0 ? html`<div class="scroll">${feeds.length > 0 ? html`<table class="stack"><thead><tr><th>Feed</th><th class="n">Events</th><th class="n">Served</th><th>Last fetch</th><th>Note</th></tr></thead><tbody>${feeds}</tbody></table>` : ''}${imports.length > 0 ? html`<table class="stack"><thead><tr><th>Import</th><th class="n">Events</th><th>Last fetch</th></tr></thead><tbody>${imports}</tbody></table>` : ''}</div>` : html`<p class="muted">No feeds configured.</p>`}
<p class="muted">State database ${report.stateDb}, schema ${report.schemaVersion}. The same figures: <code>onoffice-sync status --json</code>.</p>
</body>
</html>
`;
  return page.text;
}
