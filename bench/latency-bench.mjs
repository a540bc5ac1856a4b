// Change latency: how long a change made in onOffice (the emulator) takes to be visible on a real CalDAV
// server (Radicale), with `onoffice-sync daemon` as a child process of the compiled CLI:
//   1. at a 10-second schedule (`*/10 * * * * *`), changes at random offsets against it;
//   2. the same daemon, each change followed at once by a trigger (POST /sync with the admin token).
// The schedule keeps running in 2, as it would in production: were it off, a change the triggered run
// cannot read yet (the poll stops poll.lagSeconds before now) would never show up at all.
// Each change is timed from the write in the emulator until a GET of its object (every 100 ms) shows it.
//   npm run build && node bench/latency-bench.mjs
// BENCH_LATENCY_CHANGES (default 20) sets the changes per phase. The poll keeps its default settings.
import { benchRow, createAdminToken, percentile, readCalendarHrefs, sleep, startDaemonBench, waitUntilVisible } from './daemon-bench-harness.mjs';

const changes = Number(process.env.BENCH_LATENCY_CHANGES ?? 20);
const GOALS = { scheduledP95: 15, triggeredP95: 3 };
const adminToken = createAdminToken();

const bench = await startDaemonBench({ name: 'latency', appointments: Math.max(50, 2 * changes), daemon: { schedule: '*/10 * * * * *', adminToken } });
const rows = [];
try {
  await bench.log.next((line) => line.msg === 'sync run finished');
  const hrefs = await readCalendarHrefs(bench.collectionUrl, bench.authorization);
  // Single appointments that made it into the calendar (a series' own UID would do too, but keep it plain).
  const candidates = bench.emulator.data
    .list()
    .filter((record) => !record.elements.abgesagt && !record.elements.rp_flag)
    .map((record) => ({ id: record.id, href: [...hrefs].find(([uid]) => uid.startsWith(`onoffice-${record.id}@`))?.[1] }))
    .filter((candidate) => candidate.href);
  if (candidates.length < changes) throw new Error(`only ${candidates.length} appointments in the calendar to change; ${changes} needed`);

  /** Changes one appointment's title and waits until the server has it; seconds. */
  const measureChange = async (candidate, label, afterWrite = async () => {}) => {
    const marker = `${label}-${createAdminToken().slice(0, 8)}`;
    const started = performance.now();
    bench.emulator.data.update(candidate.id, { description: `Besichtigung ${marker}` });
    await afterWrite();
    const seen = await waitUntilVisible(candidate.href, bench.authorization, marker);
    return (seen - started) / 1000;
  };

  const scheduled = [];
  for (let index = 0; index < changes; index += 1) {
    // A random point within the schedule's 10-second period.
    await sleep(Math.random() * 10_000);
    scheduled.push(await measureChange(candidates[index], `scheduled${index}`));
  }

  const triggered = [];
  const answers = new Map();
  for (let index = 0; index < changes; index += 1) {
    await sleep(Math.random() * 1_000);
    triggered.push(
      await measureChange(candidates[candidates.length - 1 - index], `triggered${index}`, async () => {
        const response = await fetch(`${bench.base}/sync`, { method: 'POST', headers: { authorization: `Bearer ${adminToken}` } });
        const key = `${response.status} ${JSON.stringify(await response.json())}`;
        answers.set(key, (answers.get(key) ?? 0) + 1);
      }),
    );
  }

  const seconds = (value) => `${value.toFixed(2)} s`;
  rows.push(
    benchRow('latency', `change → visible in Radicale, 10 s schedule, p50 of ${scheduled.length}`, seconds(percentile(scheduled, 50))),
    benchRow('latency', `change → visible in Radicale, 10 s schedule, p95 of ${scheduled.length}`, seconds(percentile(scheduled, 95)), `< ${GOALS.scheduledP95} s`, percentile(scheduled, 95) < GOALS.scheduledP95),
    benchRow('latency', `change + POST /sync → visible, p50 of ${triggered.length}`, seconds(percentile(triggered, 50))),
    benchRow('latency', `change + POST /sync → visible, p95 of ${triggered.length}`, seconds(percentile(triggered, 95)), `< ${GOALS.triggeredP95} s`, percentile(triggered, 95) < GOALS.triggeredP95),
  );
  console.log(`POST /sync answers: ${[...answers].map(([answer, count]) => `${count}× ${answer}`).join(', ')}`);
  console.log(`scheduled (s): ${scheduled.map((value) => value.toFixed(1)).join(' ')}`);
  console.log(`triggered (s): ${triggered.map((value) => value.toFixed(1)).join(' ')}`);
} finally {
  const stopped = await bench.stop();
  if (stopped?.code !== 0) console.log(`the daemon did not stop cleanly: ${JSON.stringify(stopped)}`);
}
console.table(rows);
