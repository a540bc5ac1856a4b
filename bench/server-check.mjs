// Issue 12's "Done when" at full size, with figures: for each CalDAV server the tests start (Radicale,
// Xandikos, DAViCal, Cyrus, SOGo with three workers, Sabre/DAV with Basic and with Digest), against the
// emulator holding the generated dataset with a seeded share of zero-length appointments:
//   1. `onoffice-sync doctor` (the CLI) before the first sync
//   2. the backfill, `onoffice-sync sync --json` (the CLI): must exit 0
//   3. the server's own listing read back: exactly one object per active appointment (no duplicate UID or
//      ONOFFICE-ID, none missing, none extra), start and end right (a zero-length appointment: start exact,
//      end one second later, marked X-ONOFFICE-ZERO-LENGTH; see src/domain/onoffice-readings.ts)
//   4. a second sync (in-process, counting the CalDAV requests by method): writes nothing
//   5. BENCH_TOUCHES (default 600) appointments touched in the emulator (only `modified` moves), a sync:
//      writes nothing
//   6. `onoffice-sync doctor` again
// Prints one console.table with the keys area, measure, value, goal, met (bench/run.mjs appends it when
// BENCH_SERVER_CHECK=1). Imports the compiled code: `npm run build && node bench/server-check.mjs`.
// BENCH_SERVERS (comma-separated: radicale, xandikos, davical, cyrus, sogo, sabre-basic, sabre-digest;
// default all) picks the servers, which run one at a time; BENCH_N (default 2000) the dataset's size;
// BENCH_CONCURRENCY the targets' write concurrency (default: the configuration's default, as a user has it).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageVersion, startCyrus, startDavical, startRadicale, startSabre, startSogo, startXandikos } from '../test/support/caldav-servers.mjs';
import { compareEvent as compareSharedEvent } from '../test/support/compare-event.mjs';
import { cliMain, createBenchTable, fmt, importDist, runCli } from './bench-support.mjs';


const { startEmulator } = await importDist('emulator/start-emulator.js');
const { generateAppointments } = await importDist('emulator/generate-appointments.js');
const { createCaldavTarget } = await importDist('caldav/caldav-target.js');
const { parseConfig } = await importDist('config/load-config.js');
const { createSyncRuntime } = await importDist('app/create-sync-runtime.js');
const { runSync } = await importDist('app/run-sync.js');
const { createSilentLogger } = await importDist('log/create-logger.js');
const { parseAppointment } = await importDist('onoffice/parse-appointment.js');
const { parseIcsObjects } = await importDist('ical/parse-ics-objects.js');
const { expandOccurrences } = await importDist('domain/expand-occurrences.js');

const N = Number(process.env.BENCH_N ?? 2000);
const TOUCHES = Number(process.env.BENCH_TOUCHES ?? 600);
const CONCURRENCY = process.env.BENCH_CONCURRENCY === undefined ? undefined : Number(process.env.BENCH_CONCURRENCY);
const ZONE = 'Europe/Berlin';
/** One timed appointment in ZERO_LENGTH_EVERY gets end_dt = start_dt, as onOffice allows (series included). */
const ZERO_LENGTH_EVERY = 25;
const WRITE_METHODS = new Set(['PUT', 'DELETE', 'MKCALENDAR', 'MKCOL', 'PROPPATCH']);
const started = Date.now();
const work = mkdtempSync(join(tmpdir(), 'oos-server-check-'));
const { rows, row, log } = createBenchTable('server-check');

const SERVERS = [
  { key: 'radicale', name: 'Radicale', pkg: 'radicale', start: () => startRadicale() },
  { key: 'xandikos', name: 'Xandikos', pkg: 'xandikos', start: () => startXandikos() },
  { key: 'davical', name: 'DAViCal', pkg: 'davical', start: () => startDavical({ phpWorkers: 8 }) },
  { key: 'cyrus', name: 'Cyrus', pkg: 'cyrus-caldav', start: () => startCyrus() },
  { key: 'sogo', name: 'SOGo (3 workers)', pkg: 'sogo', start: () => startSogo({ workers: 3 }) },
  { key: 'sabre-basic', name: 'Sabre Basic', pkg: 'php-sabre-dav', start: () => startSabre({ auth: 'basic' }) },
  { key: 'sabre-digest', name: 'Sabre Digest', pkg: 'php-sabre-dav', start: () => startSabre({ auth: 'digest' }) },
];


/** The generated dataset with every ZERO_LENGTH_EVERY-th timed appointment made zero-length; returns their ids. */
function seedEmulator(emulator) {
  const records = generateAppointments({ count: N, seed: 12 });
  const timed = records.filter((elements) => !elements.ganztags);
  const zeroLength = new Set(timed.filter((_, index) => index % ZERO_LENGTH_EVERY === 3));
  // At least one series among them: a zero-length recurring appointment renders its own way.
  const series = timed.find((elements) => elements.rp_flag);
  if (series) zeroLength.add(series);
  for (const elements of zeroLength) elements.end_dt = elements.start_dt;
  const ids = emulator.data.insertMany(records);
  return new Set(records.flatMap((elements, index) => (zeroLength.has(elements) ? [String(ids[index])] : [])));
}

function activeAppointments(emulator) {
  return emulator.data
    .list()
    .map((record) => parseAppointment(record, ZONE))
    .filter((parsed) => parsed.ok && !parsed.appointment.cancelled)
    .map((parsed) => parsed.appointment);
}

/** The differences between a stored event and its appointment: zero-length ones as rendered, the rest as the tests check them. */
function compareEvent(event, ics, appointment, zeroLength) {
  const problems = [];
  if (zeroLength) {
    // Rendered with DTEND one second after DTSTART and marked; read back as it means, zero-length.
    const length = (event.end?.getTime() ?? event.start.getTime()) - event.start.getTime();
    if (length !== 1000) problems.push(`zero-length end ${event.end?.toISOString()}`);
    if (!/^X-ONOFFICE-ZERO-LENGTH:TRUE\r?$/m.test(ics)) problems.push('not marked X-ONOFFICE-ZERO-LENGTH');
  }
  const asMeant = zeroLength ? { ...event, end: event.start } : event;
  problems.push(...compareSharedEvent(asMeant, appointment, { expandOccurrences, zone: ZONE }));
  return problems;
}

/** Reads the calendar through the server's own listing and checks it against the emulator's appointments. */
async function verifyCalendar(server, calendarPath, emulator, zeroLengthIds) {
  const target = createCaldavTarget({ url: server.url, username: server.username, password: server.password });
  const calendar = await target.ensureCalendar({ path: calendarPath, displayName: 'onOffice' });
  const listed = await target.listObjects(calendar);
  const objects = await target.fetchObjects(calendar, listed.map((object) => object.href));
  const expected = new Map(activeAppointments(emulator).map((appointment) => [String(appointment.id), appointment]));
  const uids = new Map();
  const ids = new Map();
  const problems = [];
  for (const object of objects) {
    const events = parseIcsObjects(object.data ?? '');
    const master = events.find((event) => !event.recurrenceid) ?? events[0];
    if (!master) {
      problems.push(`${object.href}: no VEVENT`);
      continue;
    }
    uids.set(master.uid, (uids.get(master.uid) ?? 0) + 1);
    const id = String(master['ONOFFICE-ID']);
    ids.set(id, (ids.get(id) ?? 0) + 1);
    const appointment = expected.get(id);
    if (!appointment) problems.push(`${object.href}: ONOFFICE-ID ${id} is no active appointment`);
    else problems.push(...compareEvent(master, object.data ?? '', appointment, zeroLengthIds.has(id)).map((problem) => `${id}: ${problem}`));
  }
  const duplicateUids = [...uids.values()].filter((count) => count > 1).length;
  const duplicateIds = [...ids.values()].filter((count) => count > 1).length;
  const missing = [...expected.keys()].filter((id) => !ids.has(id));
  const zeroLengthSeen = [...zeroLengthIds].filter((id) => ids.has(id)).length;
  return { listed: listed.length, fetched: objects.length, expected: expected.size, duplicateUids, duplicateIds, missing, problems, zeroLengthSeen };
}

/** One sync in-process with a fetch that counts the CalDAV requests by method. */
async function countedSync(config) {
  const methods = [];
  const countingFetch = (input, init) => {
    methods.push(init?.method ?? 'GET');
    return fetch(input, init);
  };
  const runtime = createSyncRuntime(config, createSilentLogger(), { caldavFetch: countingFetch });
  const t0 = performance.now();
  let summary;
  try {
    summary = await runSync(runtime);
  } finally {
    runtime.store.close();
  }
  const counts = new Map();
  for (const method of methods) counts.set(method, (counts.get(method) ?? 0) + 1);
  return {
    ms: performance.now() - t0,
    summary,
    total: methods.length,
    writes: methods.filter((method) => WRITE_METHODS.has(method)).length,
    puts: counts.get('PUT') ?? 0,
    byMethod: [...counts].map(([method, count]) => `${count} ${method}`).join(', ') || 'none',
  };
}

/** `onoffice-sync doctor`: its exit status and the lines of checks that did not pass. */
async function doctor(file) {
  const result = await runCli([cliMain, 'doctor', '--config', file]);
  const lines = `${result.stdout}\n${result.stderr}`.split('\n').map((line) => line.trim()).filter(Boolean);
  const checks = lines.filter((line) => /^(✔|✓|✗|✘|ok|FAIL|\[)/i.test(line)).length;
  return { code: result.code, output: lines.slice(-6).join(' | '), checks };
}

async function checkServer(spec) {
  const area = spec.name;
  log(`${spec.name}: starting (${packageVersion(spec.pkg)})`);
  const emulator = await startEmulator({ port: 0 });
  let server;
  try {
    const zeroLengthIds = seedEmulator(emulator);
    let t0 = performance.now();
    server = await spec.start();
    row(area, 'server version (dpkg-query)', server.version);
    row(area, 'server start-up', `${fmt((performance.now() - t0) / 1000)} s`);
    const raw = {
      timezone: ZONE,
      stateDb: join(work, `${spec.key}.db`),
      logLevel: 'error',
      onoffice: { url: emulator.url, token: emulator.token, secret: emulator.secret },
      poll: { lagSeconds: 0, horizonPastDays: 365 },
      caldav: [{ name: 'default', url: server.url, username: server.username ?? '', password: server.password ?? '', ...(CONCURRENCY ? { concurrency: CONCURRENCY } : {}) }],
    };
    const file = join(work, `${spec.key}.yaml`);
    writeFileSync(file, JSON.stringify(raw, null, 2), { mode: 0o600 });
    const config = parseConfig(raw);

    log(`${spec.name}: doctor before the first sync`);
    const before = await doctor(file);
    row(area, 'doctor before the first sync (exit)', before.code === 0 ? '0' : `${before.code}: ${before.output}`, '0', before.code === 0);

    log(`${spec.name}: backfill of ${N} (${zeroLengthIds.size} zero-length)`);
    t0 = performance.now();
    const backfill = await runCli([cliMain, 'sync', '--json', '--config', file]);
    const seconds = (performance.now() - t0) / 1000;
    let summary = { created: 0, failedItems: [], caldavQuarantined: 0 };
    try {
      summary = JSON.parse(backfill.stdout);
    } catch {
      row(area, 'backfill output', backfill.stderr.slice(-300), 'JSON summary', false);
    }
    row(area, 'backfill exit status', backfill.code, '0', backfill.code === 0);
    row(area, `backfill throughput (CLI, ${N} appointments, ${zeroLengthIds.size} zero-length)`, `${fmt(summary.created / seconds)} obj/s (${summary.created} in ${fmt(seconds)} s)`);
    // The CLI's JSON lists the objects the server refused for good (the CalDAV quarantine) with its text.
    const refused = Array.isArray(summary.caldavQuarantined) ? summary.caldavQuarantined : [];
    row(area, 'backfill failed / CalDAV-quarantined objects', `${summary.failedItems.length} / ${refused.length}`, '0 / 0', summary.failedItems.length === 0 && refused.length === 0);
    for (const item of summary.failedItems.slice(0, 3)) row(area, `failed ${item.uid ?? ''}`, String(item.error ?? JSON.stringify(item)).slice(0, 200));
    for (const item of refused.slice(0, 3)) row(area, `refused ${item.uid ?? ''}`, JSON.stringify(item).slice(0, 200));

    log(`${spec.name}: reading the calendar back`);
    const check = await verifyCalendar(server, config.caldav[0].calendar, emulator, zeroLengthIds);
    row(area, 'objects listed by the server / active appointments', `${check.listed} / ${check.expected} (${check.zeroLengthSeen} of ${zeroLengthIds.size} zero-length)`, 'equal', check.listed === check.expected && check.fetched === check.expected);
    row(area, 'duplicate UIDs / ONOFFICE-IDs, missing', `${check.duplicateUids} / ${check.duplicateIds}, ${check.missing.length} missing`, '0 / 0, 0', check.duplicateUids + check.duplicateIds + check.missing.length === 0);
    row(area, 'objects with a wrong start/end/recurrence', check.problems.length === 0 ? '0' : `${check.problems.length}: ${check.problems.slice(0, 3).join('; ')}`, '0', check.problems.length === 0);

    log(`${spec.name}: second sync`);
    const noOp = await countedSync(config);
    row(area, 'second sync: CalDAV requests by method', `${noOp.byMethod} (${fmt(noOp.ms, 0)} ms in-process)`);
    row(area, 'second sync: writes', noOp.writes, '0', noOp.writes === 0);

    log(`${spec.name}: ${TOUCHES} touches`);
    const touched = emulator.data.list().filter((record) => !record.elements.abgesagt).slice(0, TOUCHES);
    for (const record of touched) emulator.data.update(record.id, {});
    const touch = await countedSync(config);
    row(area, `sync after ${touched.length} touches: records read, CalDAV requests`, `${touch.summary.poll.records} read; ${touch.byMethod}`);
    row(area, `sync after ${touched.length} touches: PUTs (writes)`, `${touch.puts} (${touch.writes})`, '0', touch.writes === 0 && touch.summary.poll.records >= touched.length);
    row(area, 'failed / CalDAV-quarantined after all syncs', `${touch.summary.failed.length} / ${touch.summary.caldavQuarantined}`, '0 / 0', touch.summary.failed.length === 0 && touch.summary.caldavQuarantined === 0);

    log(`${spec.name}: doctor after`);
    const after = await doctor(file);
    row(area, 'doctor after the syncs (exit)', after.code === 0 ? '0' : `${after.code}: ${after.output}`, '0', after.code === 0);
  } catch (error) {
    row(area, 'server check aborted', String(error?.message ?? error).slice(0, 300), 'completes', false);
  } finally {
    await server?.stop();
    await emulator.close();
  }
}

const chosen = process.env.BENCH_SERVERS?.split(',').map((name) => name.trim().toLowerCase()).filter(Boolean);
const unknown = (chosen ?? []).filter((key) => !SERVERS.some((spec) => spec.key === key || spec.key.startsWith(`${key}-`)));
if (unknown.length > 0) throw new Error(`BENCH_SERVERS names unknown servers: ${unknown.join(', ')} (known: ${SERVERS.map((spec) => spec.key).join(', ')})`);
try {
  for (const spec of SERVERS.filter((spec) => !chosen || chosen.some((key) => spec.key === key || spec.key.startsWith(`${key}-`)))) await checkServer(spec);
} finally {
  rmSync(work, { recursive: true, force: true });
}
console.log(`onoffice-sync server check: N=${N}, ${TOUCHES} touches, node ${process.version}, ${Math.round((Date.now() - started) / 1000)} s`);
console.table(rows);
const missed = rows.filter((entry) => entry.met === 'MISSED').length;
process.exitCode = missed === 0 ? 0 : 1;
