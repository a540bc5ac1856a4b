// Start-up benchmark: what a person waits for before a command does its work. `--help` as CPU time
// (user + sys, from process.resourceUsage() written by a preloaded hook) against `node -e 0` under the
// same hook; `status` over a state db of BENCH_N appointments; the no-change `onoffice-sync sync` as a
// process against a real Radicale after a backfill of BENCH_N from the emulator, and of that sync the
// time from process start to its first request and from its last answer to exit (its own clock, so what
// the servers take is apart). Imports the compiled
// code: `npm run build && node bench/startup-bench.mjs`. BENCH_N (default 2000), BENCH_RUNS (default
// 10 for the CPU rows, at least 5 for the process rows). BENCH_CPU_PROF_DIR: also write a CPU profile of
// one no-change sync there (`node --cpu-prof`).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startRadicale } from '../test/support/caldav-servers.mjs';
import { cliMain, createBenchTable, fmt, importDist, runCli } from './bench-support.mjs';

const { startEmulator } = await importDist('emulator/start-emulator.js');
const { generateAppointments } = await importDist('emulator/generate-appointments.js');

const N = Number(process.env.BENCH_N ?? 2000);
const RUNS = Math.max(10, Number(process.env.BENCH_RUNS ?? 10));
const PROCESS_RUNS = Math.max(5, Math.round(RUNS / 2));
const GOALS = { helpCpuRatio: 2, noChangeSyncMs: 300 };
const work = mkdtempSync(join(tmpdir(), 'oos-startup-bench-'));
const cpuFile = join(work, 'cpu.json');
// Written on exit by every measured process: its own CPU time, so neither spawning nor the pipes count;
// and, from its own clock (ms since the process started), when it sent its first request and read its
// last answer: the start-up and the wind-down apart from what the servers take.
const CPU_HOOK = `data:text/javascript,${encodeURIComponent(
  `import { writeFileSync } from 'node:fs'; import { subscribe } from 'node:diagnostics_channel'; let first = null; let last = null; ` +
    // Requests go out on node:http (src/http/send-http-request.ts): its diagnostics channels mark them.
    `subscribe('http.client.request.start', () => { first ??= performance.now(); }); subscribe('http.client.response.finish', () => { last = performance.now(); }); ` +
    `process.on('exit', () => { const usage = process.resourceUsage(); ` +
    `writeFileSync(process.env.BENCH_CPU_FILE, JSON.stringify({ cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000, firstRequestMs: first, lastAnswerMs: last, exitMs: performance.now() })); });`,
)}`;

const { rows, row, log } = createBenchTable('startup-bench');
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** One process: its wall time from spawn to exit, its own CPU time, its output. */
async function runMeasured(args, env = {}) {
  rmSync(cpuFile, { force: true });
  const started = performance.now();
  const result = await runCli(['--import', CPU_HOOK, ...args], { ...env, BENCH_CPU_FILE: cpuFile }, { cwd: work });
  const wallMs = performance.now() - started;
  const { cpuMs, firstRequestMs, lastAnswerMs, exitMs } = JSON.parse(readFileSync(cpuFile, 'utf8'));
  return { ...result, wallMs, cpuMs, firstRequestMs, tailMs: lastAnswerMs === null ? null : exitMs - lastAnswerMs };
}

async function measure(args, env, runs, expectedCode = 0) {
  const results = [];
  for (let i = 0; i < runs; i++) {
    const result = await runMeasured(args, env);
    if (result.code !== expectedCode) throw new Error(`node ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
    results.push(result);
  }
  const medianOf = (key) => median(results.map((result) => result[key]));
  return { wallMs: medianOf('wallMs'), cpuMs: medianOf('cpuMs'), firstRequestMs: medianOf('firstRequestMs'), tailMs: medianOf('tailMs') };
}

const emulator = await startEmulator({ port: 0, seed: 3 });
emulator.data.insertMany(generateAppointments({ count: N, seed: 3 }));
const radicale = await startRadicale();
try {
  log(`--help and node -e 0, ${RUNS} runs each`);
  const bare = await measure(['-e', '0'], {}, RUNS);
  const help = await measure([cliMain, '--help'], {}, RUNS);
  const syncHelp = await measure([cliMain, 'sync', '--help'], {}, RUNS);
  const daemonHelp = await measure([cliMain, 'daemon', '--help'], {}, RUNS);
  row('startup', `node -e 0, CPU time (user+sys), median of ${RUNS}`, `${fmt(bare.cpuMs)} ms`);
  row('startup', `onoffice-sync --help, CPU time, median of ${RUNS}`, `${fmt(help.cpuMs)} ms (${fmt(help.cpuMs / bare.cpuMs, 2)}×)`, `<= ${GOALS.helpCpuRatio}× node -e 0`, help.cpuMs / bare.cpuMs <= GOALS.helpCpuRatio);
  row('startup', `onoffice-sync sync --help, CPU time, median of ${RUNS}`, `${fmt(syncHelp.cpuMs)} ms (${fmt(syncHelp.cpuMs / bare.cpuMs, 2)}×)`, 'no goal (issue 17 sets it for --help)');
  row('startup', `onoffice-sync daemon --help, CPU time, median of ${RUNS}`, `${fmt(daemonHelp.cpuMs)} ms (${fmt(daemonHelp.cpuMs / bare.cpuMs, 2)}×)`, 'no goal (issue 17 sets it for --help)');

  const raw = {
    timezone: 'Europe/Berlin',
    stateDb: join(work, 'state.db'),
    logLevel: 'error',
    onoffice: { url: emulator.url, token: emulator.token, secret: emulator.secret },
    // The generator dates appointments from its fixed reference 2026-11-01: the horizon reaches back a year.
    poll: { lagSeconds: 0, horizonPastDays: 365 },
    caldav: [{ name: 'default', url: radicale.url, username: radicale.username, password: radicale.password, calendar: 'oos', concurrency: 8 }],
  };
  const configFile = join(work, 'config.yaml');
  writeFileSync(configFile, JSON.stringify(raw, null, 2), { mode: 0o600 });
  log(`backfill of ${N} into Radicale`);
  const backfill = await runMeasured([cliMain, 'sync', '--json', '--config', configFile]);
  if (backfill.code !== 0) throw new Error(`the backfill exited ${backfill.code}: ${backfill.stderr}`);
  const { created } = JSON.parse(backfill.stdout);

  // The steady state the daemon and a scheduled sync reach (as bench/run.mjs measures it): the backfill's
  // last getctag settles once a complete read begins 2 s after it was first seen
  // (src/domain/trust-ctag.ts), so one sync 2.1 s later reads and settles it; the measured runs follow
  // within the target's idleCheckSeconds and ask the calendar nothing.
  await new Promise((resolveWait) => setTimeout(resolveWait, 2100));
  const settle = await runMeasured([cliMain, 'sync', '--config', configFile]);
  if (settle.code !== 0) throw new Error(`the settling sync exited ${settle.code}: ${settle.stderr}`);
  log(`status and the no-change sync, ${PROCESS_RUNS} runs each`);
  const status = await measure([cliMain, 'status', '--config', configFile], {}, PROCESS_RUNS);
  row('startup', `onoffice-sync status over ${N} appointments (${created} in Radicale), wall time, median of ${PROCESS_RUNS}`, `${fmt(status.wallMs, 0)} ms (CPU ${fmt(status.cpuMs, 0)} ms)`);
  const noChange = await measure([cliMain, 'sync', '--config', configFile], {}, PROCESS_RUNS);
  row(
    'startup',
    `no-change onoffice-sync sync as a process (Radicale, ${N} stored, getctag settled), wall time, median of ${PROCESS_RUNS}`,
    `${fmt(noChange.wallMs, 0)} ms (CPU ${fmt(noChange.cpuMs, 0)} ms)`,
    `< ${GOALS.noChangeSyncMs} ms`,
    noChange.wallMs < GOALS.noChangeSyncMs,
  );
  row('startup', `no-change sync: process start to its first request, median of ${PROCESS_RUNS}`, `${fmt(noChange.firstRequestMs, 0)} ms`);
  row('startup', `no-change sync: its last answer (headers) to exit, median of ${PROCESS_RUNS}`, `${fmt(noChange.tailMs, 0)} ms`);
  if (process.env.BENCH_CPU_PROF_DIR) {
    // One more no-change run under the V8 profiler, to see what it spends before its first request.
    const profiled = await runMeasured(['--cpu-prof', '--cpu-prof-dir', resolve(process.env.BENCH_CPU_PROF_DIR), cliMain, 'sync', '--config', configFile]);
    log(`CPU profile of a no-change sync (exit ${profiled.code}) written to ${process.env.BENCH_CPU_PROF_DIR}`);
  }
} finally {
  await radicale.stop();
  await emulator.close();
  rmSync(work, { recursive: true, force: true });
}

console.log(`Start-up benchmark: node ${process.version}, N=${N}`);
console.table(rows);
