// The write-concurrency rule against a fixed concurrency: N objects PUT into a fresh calendar through the
// project's CalDAV target, once with its adaptive gate (src/caldav/adaptive-concurrency.ts: halving on
// overload, and the queue rule) and once ungated, CONCURRENCY writers each time, in ABBA pairs on a freshly
// started, empty server per round, so a drift over the minutes weighs on both alike. It prints each
// server's seconds per round, their means and the ratio of the means.
// No goal: it shows what the rule does on each server (the backfill rows of run.mjs carry the goals).
//
//   node bench/concurrency-bench.mjs
//   BENCH_SERVERS (default sabre,sogo,cyrus,davical), BENCH_N (default 1900), BENCH_CONCURRENCY (default 8),
//   BENCH_PAIRS (default 2: four rounds each way)
import { startCyrus, startDavical, startSabre, startSogo } from '../test/support/caldav-servers.mjs';
import { abbaOrder, createBenchTable, fmt, importDist } from './bench-support.mjs';

const { createCaldavTarget } = await importDist('caldav/caldav-target.js');

const N = Number(process.env.BENCH_N ?? 1900);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const PAIRS = Number(process.env.BENCH_PAIRS ?? 2);
const SERVERS = {
  sabre: { name: 'Sabre', start: () => startSabre({ auth: 'basic' }) },
  sogo: { name: 'SOGo', start: () => startSogo({ workers: 3 }) },
  cyrus: { name: 'Cyrus', start: () => startCyrus() },
  davical: { name: 'DAViCal', start: () => startDavical({ phpWorkers: 8 }) },
};
const chosen = (process.env.BENCH_SERVERS ?? 'sabre,sogo,cyrus,davical').split(',').map((name) => name.trim().toLowerCase());
const { rows, row, log } = createBenchTable('concurrency-bench');

/** An event about the size of the sync's (900 bytes or so), CRLF line ends. */
function renderObject(index) {
  const day = new Date(Date.UTC(2026, 0, 1) + index * 3_600_000 * 7);
  const stamp = (date) => date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const lines = [
    'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//onoffice-sync//concurrency-bench//EN', 'CALSCALE:GREGORIAN', 'BEGIN:VEVENT',
    `UID:bench-${index}@onoffice-sync`, 'SEQUENCE:0', `DTSTAMP:${stamp(new Date(Date.UTC(2026, 0, 1)))}`,
    `DTSTART:${stamp(day)}`, `DTEND:${stamp(new Date(day.getTime() + 3_600_000))}`,
    `SUMMARY:Besichtigung ${index}`, 'LOCATION:Charlottenburger Allee 200\\, 52064 Aachen\\, Deutschland',
    `DESCRIPTION:${'Termin mit Interessenten zur Besichtigung der Wohnung. '.repeat(6).trim()}`,
    'CATEGORIES:Besichtigung', 'STATUS:CONFIRMED', `X-ONOFFICE-ID:${index}`, 'END:VEVENT', 'END:VCALENDAR',
  ];
  return `${lines.join('\r\n')}\r\n`;
}
const objects = Array.from({ length: N }, (_, index) => ({ filename: `bench-${index}.ics`, ics: renderObject(index) }));

/** One round: every object PUT by CONCURRENCY writers, through the gate (adaptive) or not (fixed). */
async function putRound(server, rule) {
  const target = createCaldavTarget({ url: server.url, username: server.username, password: server.password, ...(rule === 'adaptive' ? { writeConcurrency: CONCURRENCY } : {}) });
  const t0 = performance.now();
  const calendar = await target.ensureCalendar({ path: 'bench', displayName: 'concurrency bench' });
  const queue = [...objects];
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let object = queue.shift(); object; object = queue.shift()) await target.createObject(calendar, object.filename, object.ics);
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const stored = (await target.listObjects(calendar)).length;
  if (stored !== N) throw new Error(`${rule} round: ${stored} of ${N} objects stored`);
  return seconds;
}

for (const key of chosen) {
  const server = SERVERS[key];
  if (!server) throw new Error(`BENCH_SERVERS: unknown server ${key} (${Object.keys(SERVERS).join(', ')})`);
  const seconds = { fixed: [], adaptive: [] };
  const order = abbaOrder('fixed', 'adaptive', PAIRS * 2);
  for (const rule of order) {
    const running = await server.start();
    try {
      log(`${server.name}: ${N} PUTs, ${rule}, round ${seconds[rule].length + 1}`);
      seconds[rule].push(await putRound(running, rule));
    } finally {
      await running.stop();
    }
  }
  const mean = (values) => values.reduce((sum, value) => sum + value, 0) / values.length;
  row(server.name, `fixed concurrency ${CONCURRENCY}, seconds per round`, `${seconds.fixed.map((value) => fmt(value, 2)).join(', ')} (mean ${fmt(mean(seconds.fixed), 2)})`);
  row(server.name, `adaptive from ${CONCURRENCY}, seconds per round`, `${seconds.adaptive.map((value) => fmt(value, 2)).join(', ')} (mean ${fmt(mean(seconds.adaptive), 2)})`);
  row(server.name, 'adaptive / fixed, mean seconds', fmt(mean(seconds.adaptive) / mean(seconds.fixed), 2));
}
console.table(rows);
