// Large states: memory and time where the state is big, and the cost of a sync with nothing to do.
// Imports the compiled code (`npm run build && node bench/scale-bench.mjs`, or DIST_DIR=…):
//   1. the no-change incremental sync in-process against Radicale at SCALE_NOOP_N (2,000) appointments,
//      backfilled for real, and at SCALE_MID_N (20,000) stored, whose objects are recorded as written in
//      the state store next to a Radicale calendar with a valid sync token (a real backfill of 20k into
//      Radicale takes minutes); runs 1 s apart, median of runs 4–8. At 2,000 also with idleCheckSeconds 0
//      (the calendar's getctag asked every run), without a goal. Not proportional: the second size must
//      cost about what the first does.
//   2. `onoffice-sync sync --dry-run` as a CLI process over SCALE_N (100,000) stored appointments and
//      no CalDAV state (it plans a create for every one): peak RSS (bench/report-rss.mjs) and wall time.
//   3. the nightly reconciliation, `onoffice-sync sync --full` as a CLI process over the same 100,000:
//      the emulator holds them (the sweep reads them all), the state records every object as written
//      into a Radicale calendar with a valid sync token (so the push re-renders and compares all 100,000
//      and writes nothing; filling Radicale with 100k would take an hour).
// Prints one console.table with the keys area, measure, value, goal, met.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startRadicale } from '../test/support/caldav-servers.mjs';
import { readServiceRuntime } from './read-service-runtime.mjs';
import { cliMain, createBenchTable, fmt, importDist, repoDir, runCli } from './bench-support.mjs';


const { startEmulator } = await importDist('emulator/start-emulator.js');
const { generateAppointments } = await importDist('emulator/generate-appointments.js');
const { formatUtcTimestamp } = await importDist('emulator/emulator-database.js');
const { createCaldavTarget } = await importDist('caldav/caldav-target.js');
const { resolveObjectUrl } = await importDist('caldav/normalise-href.js');
const { parseConfig } = await importDist('config/load-config.js');
const { createSyncRuntime } = await importDist('app/create-sync-runtime.js');
const { createAppointmentSource } = await importDist('app/create-appointment-source.js');
const { runSync } = await importDist('app/run-sync.js');
const { createSilentLogger } = await importDist('log/create-logger.js');
const { MODIFIED_CURSOR } = await importDist('onoffice/poll-changes.js');
const { openStateStore } = await importDist('store/open-state-store.js');
const { createCaldavStateRepository } = await importDist('store/caldav-state-repository.js');
const { parseAppointment } = await importDist('onoffice/parse-appointment.js');
const { hashAppointmentRecord } = await importDist('domain/hash-appointment-record.js');
const { createRenderOptions } = await importDist('push/push-to-target.js');
const { planCalendarRoutes, planDesiredObjects } = await importDist('push/plan-desired-objects.js');

const BIG = Number(process.env.SCALE_N ?? 100_000);
const MID = Number(process.env.SCALE_MID_N ?? 20_000);
const SMALL = Number(process.env.SCALE_NOOP_N ?? 2000);
/** Which parts run: `noop` (the no-change syncs), `large` (dry run and reconciliation at SCALE_N). */
const PARTS = new Set((process.env.SCALE_PARTS ?? 'noop,large').split(',').map((part) => part.trim()));
const GOALS = { noChangeMs: 150, dryRunMb: 200, dryRunS: 20, reconcileMb: 200 };
const ZONE = 'Europe/Berlin';
const work = mkdtempSync(join(tmpdir(), 'oos-scale-bench-'));
const { rows, row, log } = createBenchTable('scale-bench');
const thousands = (n) => n.toLocaleString('en-US');


/**
 * The CLI as its own process with the peak-RSS hook: exit code, output, MB and seconds. `runtime`: the
 * systemd units' flags and runtime variables for what a service runs (the nightly reconciliation runs in
 * the daemon).
 */
async function runCliMeasured(args, file, { nodeFlags, env } = { nodeFlags: [], env: {} }) {
  const rssFile = join(work, 'rss.json');
  rmSync(rssFile, { force: true });
  const t0 = performance.now();
  const result = await runCli([...nodeFlags, '--import', pathToFileURL(join(repoDir, 'bench', 'report-rss.mjs')).href, cliMain, ...args, '--config', file], { ...env, BENCH_RSS_FILE: rssFile });
  const seconds = (performance.now() - t0) / 1000;
  if (result.code !== 0) throw new Error(`onoffice-sync ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  const { maxRssKb } = JSON.parse(readFileSync(rssFile, 'utf8'));
  return { ...result, seconds, mb: maxRssKb / 1024 };
}

function writeConfig(name, onoffice, caldav) {
  const raw = {
    timezone: ZONE,
    stateDb: join(work, `${name}.db`),
    logLevel: 'error',
    onoffice: { url: onoffice.url, token: onoffice.token, secret: onoffice.secret },
    // The generator dates appointments from its fixed reference 2026-11-01: the horizon reaches back a year.
    poll: { lagSeconds: 0, horizonPastDays: 365 },
    caldav: [{ name: 'default', concurrency: 8, ...caldav }],
  };
  const file = join(work, `${name}.yaml`);
  writeFileSync(file, JSON.stringify(raw, null, 2), { mode: 0o600 });
  return { file, config: parseConfig(raw) };
}

/** One in-process incremental sync with nothing to do: wall time, CalDAV requests, onOffice requests. */
async function measureNoOpSync(config, emulator) {
  const caldav = [];
  let serverMs = 0;
  // Counts the requests and the time until each answer is read whole: what the server costs, apart
  // from the sync's own work (Radicale computes a sync REPORT over every object of the calendar).
  const countingFetch = async (input, init) => {
    caldav.push(init?.method ?? 'GET');
    const t0 = performance.now();
    const response = await fetch(input, init);
    const body = await response.arrayBuffer();
    serverMs += performance.now() - t0;
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
  const runtime = createSyncRuntime(config, createSilentLogger(), { caldavFetch: countingFetch });
  emulator.log.reset();
  const t0 = performance.now();
  let summary;
  try {
    summary = await runSync(runtime);
  } finally {
    runtime.store.close();
  }
  const ms = performance.now() - t0;
  const writes = caldav.filter((method) => ['PUT', 'DELETE', 'MKCALENDAR', 'MKCOL', 'PROPPATCH'].includes(method)).length;
  return { ms, serverMs, caldav: caldav.length, writes, onoffice: emulator.log.httpRequests, written: summary.targets.reduce((n, t) => n + t.created + t.updated + t.deleted, 0) };
}

/**
 * No-change syncs a second apart (the daemon's fastest schedule): the median of runs 4–8, after the
 * runs that read the changes once and let the getctag settle (src/domain/trust-ctag.ts). `goal: false`
 * prints the figure without the goal.
 */
async function benchNoChange(label, config, emulator, stored, { goal = true } = {}) {
  const runs = [];
  for (let i = 0; i < 8; i++) {
    if (i > 0) await new Promise((resolve) => setTimeout(resolve, 1000));
    runs.push(await measureNoOpSync(config, emulator));
  }
  const measured = runs.slice(3);
  const median = [...measured].sort((a, b) => a.ms - b.ms)[Math.floor(measured.length / 2)];
  const writes = Math.max(...measured.map((run) => run.writes + run.written));
  const area = 'no-change sync (Radicale)';
  const measure = `${thousands(stored)} stored, ${label}: wall time in-process, median of runs 4–8, 1 s apart`;
  const value = `${fmt(median.ms)} ms (${median.caldav} CalDAV requests taking ${fmt(median.serverMs)} ms, ${writes} writes; ${median.onoffice} onOffice)`;
  if (goal) row(area, measure, value, `< ${GOALS.noChangeMs} ms, 0 writes`, median.ms < GOALS.noChangeMs && writes === 0);
  else row(area, measure, value);
  return median.ms;
}

/** The emulator's records in the state store, the way a backfill stores them (no HTTP). */
function storeRecords(path, records) {
  const store = openStateStore(path);
  const batch = [];
  const flush = () => {
    store.appointments.upsertRecords(batch.map((record) => ({ record, hash: hashAppointmentRecord(record), outcome: parseAppointment(record, ZONE) })));
    batch.length = 0;
  };
  for (const record of records) {
    batch.push(structuredClone(record));
    if (batch.length === 5000) flush();
  }
  flush();
  store.cursors.set(MODIFIED_CURSOR, formatUtcTimestamp(Date.now() - 60_000));
  store.close();
}

/**
 * Records every object the push would write as written into `calendar` (a real, empty Radicale
 * calendar) and gives the calendar its current sync token: the state a finished backfill leaves,
 * without the hour of PUTs. A sync over it renders and compares every object and writes nothing.
 */
async function recordAsWritten(config, radicale, path) {
  const target = createCaldavTarget({ url: radicale.url, username: radicale.username, password: radicale.password });
  const targetConfig = config.caldav[0];
  const calendar = await target.ensureCalendar({ path: targetConfig.calendar, displayName: targetConfig.displayName });
  const { syncToken } = await target.fetchChanges(calendar, null);
  const store = openStateStore(path);
  try {
    const repository = createCaldavStateRepository(store.db);
    const source = createAppointmentSource(store, ZONE);
    const routes = planCalendarRoutes(targetConfig);
    const render = createRenderOptions(config, new Date());
    let objects = 0;
    store.db.transaction(() => {
      repository.saveCalendar(routes[0].calendarKey, calendar.url, calendar.displayName);
      repository.saveSyncToken(routes[0].calendarKey, syncToken);
      for (const id of source.listIds()) {
        for (const object of planDesiredObjects(source.getAppointment(id), targetConfig, routes, { ...render, sequence: source.getRevision(id) })) {
          repository.recordWritten({ calendarKey: object.calendarKey, uid: object.uid, appointmentId: id, href: resolveObjectUrl(calendar.url, object.filename), etag: `"bench-${id}"`, hash: object.hash });
          objects += 1;
        }
      }
    })();
    return objects;
  } finally {
    store.close();
  }
}

/** 1a. The no-change sync after a real backfill of SMALL into Radicale. */
async function benchSmallNoChange(radicale) {
  log(`no-change sync: backfill of ${SMALL} into Radicale`);
  const small = await startEmulator({ port: 0, seed: 3 });
  try {
    small.data.insertMany(generateAppointments({ count: SMALL, seed: 3 }));
    const { file, config } = writeConfig('small', small, { url: radicale.url, username: radicale.username, password: radicale.password, calendar: 'small' });
    const backfill = await runCli([cliMain, 'sync', '--config', file]);
    if (backfill.code !== 0) throw new Error(`backfill exited ${backfill.code}: ${backfill.stderr}`);
    log('no-change sync at the small size');
    await benchNoChange('backfilled', config, small, SMALL);
    // The calendar asked on every run (idleCheckSeconds 0): the PROPFIND whose getctag Radicale computes
    // over every object, what the default interval saves most runs.
    const everyRun = { ...config, caldav: [{ ...config.caldav[0], idleCheckSeconds: 0 }] };
    await benchNoChange('backfilled, idleCheckSeconds 0 (the calendar asked every run)', everyRun, small, SMALL, { goal: false });
  } finally {
    await small.close();
  }
}

/** 1b. The no-change sync at MID stored, objects recorded as written. */
async function benchMidNoChange(radicale, big) {
  log(`no-change sync: ${MID} stored, recorded as written`);
  const mid = writeConfig('mid', big, { url: radicale.url, username: radicale.username, password: radicale.password, calendar: 'mid' });
  storeRecords(mid.config.stateDb, [...big.data.scan()].slice(0, MID));
  await recordAsWritten(mid.config, radicale, mid.config.stateDb);
  // The first run after the recording pushes in full once (no push cursor yet) and writes nothing.
  const first = await measureNoOpSync(mid.config, big);
  if (first.writes + first.written > 0) throw new Error(`the recorded ${MID} were not what the push renders: ${first.writes} writes`);
  await benchNoChange('recorded as written', mid.config, big, MID);
}

/** 2 and 3. The dry run over BIG with nothing in CalDAV yet (a create each), then the reconciliation. */
async function benchLarge(radicale, big) {
  log(`${BIG} stored: building the store`);
  const { file, config } = writeConfig('big', big, { url: radicale.url, username: radicale.username, password: radicale.password, calendar: 'big' });
  storeRecords(config.stateDb, big.data.scan());
  log('sync --dry-run');
  const dryRun = await runCliMeasured(['sync', '--dry-run'], file);
  const planned = /target default: (\d+) change/.exec(dryRun.stdout)?.[1] ?? '?';
  const area = `${thousands(BIG)} stored`;
  row(area, `sync --dry-run (CLI, plans ${planned} creates): peak RSS`, `${fmt(dryRun.mb, 0)} MB`, `< ${GOALS.dryRunMb} MB`, dryRun.mb < GOALS.dryRunMb);
  row(area, 'sync --dry-run (CLI): wall time', `${fmt(dryRun.seconds)} s`, `< ${GOALS.dryRunS} s`, dryRun.seconds < GOALS.dryRunS);

  // The sweep reads all of them from the emulator, the push re-renders and compares all of them.
  log(`recording ${BIG} objects as written`);
  const objects = await recordAsWritten(config, radicale, config.stateDb);
  log('sync --full (reconciliation)');
  const reconcile = await runCliMeasured(['sync', '--full', '--json'], file, readServiceRuntime());
  const summary = JSON.parse(reconcile.stdout);
  const note = `read ${thousands(summary.read)}, ${summary.changed} changed, ${summary.markedDeleted} deleted; ${thousands(summary.skipped)} of ${thousands(objects)} objects unchanged, ${summary.created + summary.updated + summary.deleted} written`;
  row(area, 'reconciliation, sync --full (CLI with the units\' Node.js flags and MALLOC_ARENA_MAX; Radicale calendar + objects recorded as written): peak RSS', `${fmt(reconcile.mb, 0)} MB (${note})`, `< ${GOALS.reconcileMb} MB`, reconcile.mb < GOALS.reconcileMb);
  row(area, 'reconciliation, sync --full (CLI): wall time', `${fmt(reconcile.seconds)} s`);
}

const radicale = await startRadicale();
try {
  if (PARTS.has('noop')) await benchSmallNoChange(radicale);
  const count = PARTS.has('large') ? BIG : MID;
  log(`emulator with ${count} appointments`);
  const big = await startEmulator({ port: 0, seed: 9 });
  try {
    // Modified an hour ago: the stores' cursors (a minute ago) are past them, an incremental poll reads nothing.
    big.data.insertMany(generateAppointments({ count, seed: 9 }), { modified: formatUtcTimestamp(Date.now() - 3_600_000) });
    if (PARTS.has('noop')) await benchMidNoChange(radicale, big);
    if (PARTS.has('large')) await benchLarge(radicale, big);
  } finally {
    await big.close();
  }
} finally {
  await radicale.stop();
  rmSync(work, { recursive: true, force: true });
}
console.table(rows);
