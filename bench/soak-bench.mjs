// Soak: `onoffice-sync daemon` (a child process of the compiled CLI) at a 1-second schedule
// (`* * * * * *`) for 1,000 runs against the emulator and Radicale, one appointment changed every 10 runs.
// Every 10 runs it reads the daemon's /metrics: process_resident_memory_bytes (RSS) and prom-client's
// event-loop delay (nodejs_eventloop_lag_p99_seconds / _max_seconds, a monitorEventLoopDelay histogram
// that is reset at each scrape, so each sample covers the 10 runs since the last one).
//   npm run build && node bench/soak-bench.mjs
// BENCH_SOAK_CYCLES (default 1000) shortens it; the RSS baseline is the settled band at cycle 100 (at half of a
// shorter run), when the caches, the JIT and SQLite's page cache have settled, as the highest sample of
// cycles 50–100 (see below). BENCH_SOAK_VERBOSE=1 prints
// every sample. The live heap stays at 12-14 MB (--trace-gc); what RSS did after settling was garbage: old
// space filling 7-8 MB past the live heap before V8 collected, and native sqlite3_stmt memory riding on
// statements prepared every run (both fixed, README "Benchmarks").
// The daemon runs with the Node.js flags the systemd units start it with (daemon-bench-harness.mjs reads
// them from systemd/onoffice-sync.service): --max-semi-space-size=2 --heap-growing-percent=50 hold the
// young generation and old space low, --expose-gc lets the daemon collect between runs
// (src/daemon/create-heap-trimmer.ts).
// BENCH_SOAK_SNAPSHOT_AT=100,300 signals the daemon for a heap snapshot at those cycles (multiples of 10), with
// BENCH_DAEMON_NODE_ARGS="--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=/tmp/x" (a diagnosis, not a figure).
//
// Goals: RSS at most 10 MB above the baseline, at its highest and at the end (the goal). The
// event loop's p99 delay below 50 ms in every sample: a run here writes a handful of objects, and a
// request to /healthz or a feed that waits longer than that behind a run is sync work blocking the
// loop, not I/O. (monitorEventLoopDelay samples every 10 ms, so an idle loop shows about 10 ms.) The
// maximum is printed without a goal: one GC pause or a busy machine moves it. The first sample, which
// holds the start (module loading, migrations, the first backfill), is shown on its own.
import { readFileSync } from 'node:fs';
import { benchRow, percentile, readMetrics, startDaemonBench } from './daemon-bench-harness.mjs';

const cycles = Number(process.env.BENCH_SOAK_CYCLES ?? 1000);
const settleAt = Math.max(10, Math.min(100, Math.round(cycles / 20) * 10));
const snapshotAt = new Set((process.env.BENCH_SOAK_SNAPSHOT_AT ?? '').split(',').filter(Boolean).map(Number));
const GOALS = { rssGrowthMb: 10, lagP99Ms: 50 };
const MB = 1024 * 1024;
const mb = (bytes) => `${(bytes / MB).toFixed(1)} MB`;

const bench = await startDaemonBench({ name: 'soak', appointments: 50, daemon: { schedule: '* * * * * *' } });
const samples = [];
let changes = 0;
let failures = 0;
const startedAt = performance.now();
try {
  const records = bench.emulator.data.list().filter((record) => !record.elements.abgesagt);
  for (let cycle = 1; cycle <= cycles; cycle += 1) {
    const run = await bench.log.next((line) => line.msg === 'sync run finished' || line.msg === 'sync run failed');
    if (run.msg === 'sync run failed') failures += 1;
    if (cycle % 10 === 0) {
      const record = records[(cycle / 10) % records.length];
      bench.emulator.data.update(record.id, { description: `Soak ${cycle}` });
      changes += 1;
      const metrics = await readMetrics(bench.base);
      samples.push({
        cycle,
        rss: metrics.get('process_resident_memory_bytes'),
        lagP99: metrics.get('nodejs_eventloop_lag_p99_seconds') * 1000,
        lagMax: metrics.get('nodejs_eventloop_lag_max_seconds') * 1000,
        heap: metrics.get('nodejs_heap_size_used_bytes'),
        heapTotal: metrics.get('nodejs_heap_size_total_bytes'),
        external: metrics.get('nodejs_external_memory_bytes'),
        ...readProcessMemory(bench.pid),
      });
      // A heap snapshot (a diagnosis: the daemon must run with BENCH_DAEMON_NODE_ARGS=--heapsnapshot-signal=SIGUSR2).
      if (snapshotAt.has(cycle)) process.kill(bench.pid, 'SIGUSR2');
      if (cycle % 100 === 0 || process.env.BENCH_SOAK_VERBOSE) {
        const { rss, heap, heapTotal, external, anon, file } = samples.at(-1);
        console.log(`cycle ${cycle}: RSS ${mb(rss)} (anonymous ${mb(anon)}, files ${mb(file)}), heap ${mb(heap)} of ${mb(heapTotal)}, external ${mb(external)}`);
      }
    }
  }
} finally {
  const stopped = await bench.stop();
  if (stopped?.code !== 0) console.log(`the daemon did not stop cleanly: ${JSON.stringify(stopped)}`);
}

/** The daemon's resident memory by kind (Linux): anonymous (heap, malloc) and file-backed (code, mapped files). */
function readProcessMemory(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { anon: kb('RssAnon'), file: kb('RssFile') };
}

// Where RSS settled is a band, not one sample: with the saw-tooth above, the sample at cycle 100 can land
// at its bottom or its top, and the growth would say more about that than about the daemon. The baseline
// is the band's top over the second half of the settling (cycles 50–100 of 1,000); a leak lifts the band,
// so the later maximum and the end are compared with that top.
const band = samples.filter((sample) => sample.cycle >= settleAt / 2 && sample.cycle <= settleAt);
const baseline = band.reduce((top, sample) => (sample.rss > top.rss ? sample : top), band[0]);
const atSettle = samples.find((sample) => sample.cycle >= settleAt);
const after = samples.filter((sample) => sample.cycle > settleAt);
const maxRss = Math.max(...after.map((sample) => sample.rss));
const endRss = samples.at(-1).rss;
// The first sample holds the start (modules loading, migrations, the first backfill): not the steady state.
const steady = samples.slice(1);
const worstP99 = Math.max(...steady.map((sample) => sample.lagP99));
const ms = (value) => `${value.toFixed(1)} ms`;
console.table([
  benchRow('soak', `runs at a 1 s schedule (${changes} changes, ${failures} failed runs)`, `${cycles} in ${((performance.now() - startedAt) / 1000).toFixed(0)} s`),
  benchRow('soak', `RSS at cycle ${atSettle.cycle} (one sample)`, mb(atSettle.rss)),
  benchRow('soak', `RSS settled: highest sample of cycles ${band[0].cycle}–${band.at(-1).cycle}`, `${mb(baseline.rss)} (cycle ${baseline.cycle})`),
  benchRow('soak', `RSS max after cycle ${atSettle.cycle}, above the settled band`, `${mb(maxRss)} (+${mb(maxRss - baseline.rss)})`, `≤ +${GOALS.rssGrowthMb} MB`, maxRss - baseline.rss <= GOALS.rssGrowthMb * MB),
  benchRow('soak', `RSS at cycle ${samples.at(-1).cycle}, against the settled band`, `${mb(endRss)} (+${mb(endRss - baseline.rss)})`, `≤ +${GOALS.rssGrowthMb} MB`, endRss - baseline.rss <= GOALS.rssGrowthMb * MB),
  benchRow('soak', 'heap used, at settling → end', `${mb(atSettle.heap)} → ${mb(samples.at(-1).heap)}`),
  benchRow('soak', `event-loop delay p99, worst of ${steady.length} samples after the start`, ms(worstP99), `< ${GOALS.lagP99Ms} ms`, worstP99 < GOALS.lagP99Ms),
  benchRow('soak', 'event-loop delay p99, median sample', ms(percentile(steady.map((sample) => sample.lagP99), 50))),
  benchRow('soak', 'event-loop delay max, worst sample after the start', ms(Math.max(...steady.map((sample) => sample.lagMax)))),
  benchRow('soak', 'event-loop delay max during the start (first 10 runs)', ms(samples[0].lagMax)),
]);
