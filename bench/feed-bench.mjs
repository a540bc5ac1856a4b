// ICS feed benchmark: the cold render of a 5,000-appointment feed, the re-render after one changed
// appointment, and the cost of a 304 and of a cached 200 over loopback HTTP. Imports the compiled code:
//   npx tsc -p tsconfig.json --outDir /tmp/oos-dist-feed && DIST_DIR=/tmp/oos-dist-feed node bench/feed-bench.mjs
// BENCH_REQUESTS (default 300) sets how many requests each median is taken over.
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DateTime } from 'luxon';

const repoDir = fileURLToPath(new URL('..', import.meta.url));
const distDir = resolve(process.env.DIST_DIR ?? './dist');
const migrationsDir = resolve(process.env.MIGRATIONS_DIR ?? join(repoDir, 'migrations'));
const requests = Number(process.env.BENCH_REQUESTS ?? 300);
const GOALS = { coldMs: 100, notModifiedMs: 2, cachedMs: 2 };

// A dist dir outside the repo cannot resolve the dependencies; point it at the repo's node_modules.
if (relative(repoDir, distDir).startsWith('..') && !existsSync(join(distDir, 'node_modules'))) {
  symlinkSync(join(repoDir, 'node_modules'), join(distDir, 'node_modules'), 'dir');
  console.log(`linked ${join(distDir, 'node_modules')} -> ${join(repoDir, 'node_modules')}`);
}
const importDist = (path) => import(pathToFileURL(resolve(distDir, path)).href);

const { generateAppointments, GENERATOR_REFERENCE } = await importDist('emulator/generate-appointments.js');
const { openStateStore } = await importDist('store/open-state-store.js');
const { parseAppointment } = await importDist('onoffice/parse-appointment.js');
const { hashAppointmentRecord } = await importDist('onoffice/hash-appointment-record.js');
const { parseConfig } = await importDist('config/load-config.js');
const { createFeedTokenRepository } = await importDist('feed/feed-token-repository.js');
const { startFeedServer } = await importDist('feed/start-feed-server.js');
const { createSilentLogger } = await importDist('log/create-logger.js');
const { createFeedCandidates } = await importDist('feed/create-feed-candidates.js');
const { planFeedWindow, selectFeedAppointments } = await importDist('feed/select-feed-appointments.js');
const { renderFeed } = await importDist('feed/render-feed.js');

const zone = 'Europe/Berlin';
const now = () => new Date(GENERATOR_REFERENCE);
const dir = mkdtempSync(join(tmpdir(), 'oos-feed-bench-'));
const store = openStateStore(join(dir, 'state.db'), { now, migrationsDir });
const toUpsert = (record) => ({ record, hash: hashAppointmentRecord(record), outcome: parseAppointment(record, zone) });
const records = generateAppointments({ count: 5000, seed: 5 }).map((elements, index) => ({ id: index + 1, type: 'calendar', elements }));
store.appointments.upsertRecords(records.map(toUpsert));

// The generator spreads starts from 90 days before to two years after its reference: the window holds them all.
const config = parseConfig({
  onoffice: { token: 'bench', secret: 'bench' },
  timezone: zone,
  feeds: [{ name: 'bench', pastDays: 120, futureDays: 800, includeCancelled: true, privateAppointments: 'full' }],
});
const token = createFeedTokenRepository(store.db).create('bench');
const path = `/feeds/bench.ics?token=${token}`;
const agent = new Agent({ keepAlive: true, maxSockets: 1 });
const unlimited = { burst: 1e9, perSecond: 1e9 };

function get(base, headers = {}) {
  return new Promise((resolvePromise, reject) => {
    const started = process.hrtime.bigint();
    const req = request(`${base}${path}`, { agent, headers }, (res) => {
      let bytes = 0;
      res.on('data', (chunk) => (bytes += chunk.length));
      res.on('end', () =>
        resolvePromise({ status: res.statusCode, headers: res.headers, bytes, ms: Number(process.hrtime.bigint() - started) / 1e6 }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

async function measureRepeated(base, headers, expectedStatus) {
  const times = [];
  for (let i = 0; i < requests; i++) {
    const answer = await get(base, headers);
    if (answer.status !== expectedStatus) throw new Error(`expected ${expectedStatus}, got ${answer.status}`);
    times.push(answer.ms);
  }
  return median(times);
}

const rows = [];
const row = (what, ms, goal, note = '') => rows.push({ what, ms: ms.toFixed(2), goal: goal === undefined ? '' : `< ${goal}`, met: goal === undefined ? '' : ms < goal ? 'yes' : 'NO', note });

// Cold: a fresh server (empty caches) answering its first request: parse 5,000 rows, select, render, hash.
const colds = [];
let first;
for (let round = 0; round < 5; round++) {
  const server = await startFeedServer({ store, config, logger: createSilentLogger(), now, host: '127.0.0.1', port: 0, rateLimit: unlimited });
  const answer = await get(server.url);
  colds.push(answer.ms);
  first ??= answer;
  await server.close();
}
row('cold render, first in process (5,000 stored, GET)', colds[0], GOALS.coldMs, `${first.bytes} bytes`);
row('cold render, median of next 4', median(colds.slice(1)), GOALS.coldMs);

// Where a cold render's time goes (the same steps the handler runs, without HTTP).
const timed = (fn) => {
  const started = performance.now();
  const value = fn();
  return [value, performance.now() - started];
};
const [{ list }, parseMs] = timed(() => createFeedCandidates(store.appointments, zone).read());
const window = planFeedWindow(DateTime.fromJSDate(now()), zone, config.feeds[0]);
const [selection, selectMs] = timed(() => selectFeedAppointments(list, config.feeds[0], window));
const [, renderMs] = timed(() => renderFeed(selection, config.feeds[0], config, window));
row('  of which: parse 5,000 stored records', parseMs);
row('  of which: select (filters, window, series)', selectMs);
row(`  of which: render ${selection.length} appointments to iCalendar`, renderMs);

const server = await startFeedServer({ store, config, logger: createSilentLogger(), now, host: '127.0.0.1', port: 0, rateLimit: unlimited });
const warm = await get(server.url);
const etag = warm.headers.etag;

const changed = structuredClone(records[0]);
changed.elements.description = 'changed for the benchmark';
changed.elements.modified = '2026-11-01 11:59:00';
store.appointments.upsertRecords([toUpsert(changed)]);
const rerender = await get(server.url);
row('re-render after 1 changed appointment', rerender.ms, undefined, 'reuses the other events');

row(`304 (If-None-Match), median of ${requests}`, await measureRepeated(server.url, { 'If-None-Match': rerender.headers.etag }, 304), GOALS.notModifiedMs);
row(`304 (If-Modified-Since), median of ${requests}`, await measureRepeated(server.url, { 'If-Modified-Since': rerender.headers['last-modified'] }, 304), GOALS.notModifiedMs);
row(`cached 200 gzip, median of ${requests}`, await measureRepeated(server.url, { 'Accept-Encoding': 'gzip' }, 200), GOALS.cachedMs);
row(`cached 200 identity (${warm.bytes} bytes), median of ${requests}`, await measureRepeated(server.url, {}, 200), GOALS.cachedMs);

await server.close();
agent.destroy();
store.close();
rmSync(dir, { recursive: true, force: true });

console.log(`ICS feed benchmark: ${records.length} appointments, node ${process.version}, first ETag ${etag.slice(0, 12)}…`);
console.table(rows);
