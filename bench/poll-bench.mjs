// Change-feed poller benchmark: backfill (date sweep) and catch-up (modified windows) against the
// emulator over HTTP, for uniform and bursty `modified`. Imports the compiled code:
//   npx tsc -p tsconfig.json --outDir /tmp/oos-dist-poll && DIST_DIR=/tmp/oos-dist-poll node bench/poll-bench.mjs
// The emulator runs in a child process of its own and each case in another, so peak RSS (maxRSS) is
// the poller's alone; the case process gets the Node.js flags of the systemd units (where a backfill runs).
// BENCH_SIZES=10000,100000 (default) chooses the sizes. Rows: area, measure, value, goal, met.
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { readServiceRuntime } from './read-service-runtime.mjs';

const distDir = resolve(process.env.DIST_DIR ?? './dist');
const migrationsDir = resolve(process.env.MIGRATIONS_DIR ?? './migrations');
const importDist = (path) => import(pathToFileURL(resolve(distDir, path)).href);

async function serveEmulator(count, shape) {
  const { startEmulator } = await importDist('emulator/start-emulator.js');
  const { generateAppointments, GENERATOR_REFERENCE } = await importDist('emulator/generate-appointments.js');
  const emulator = await startEmulator({ port: 0, seed: 11, now: () => GENERATOR_REFERENCE });
  const burst = shape === 'bursty' ? { size: 1200, modified: '2026-10-15 08:00:00' } : undefined;
  emulator.data.insertMany(generateAppointments({ count, seed: 11, ...(burst ? { burst } : {}) }));
  process.stdout.write(`${JSON.stringify({ url: emulator.url, token: emulator.token, secret: emulator.secret })}\n`);
  // Counts are read by the case process through this channel: one line per request for them.
  for await (const line of createInterface({ input: process.stdin })) {
    if (line === 'reset') emulator.log.reset();
    process.stdout.write(`${JSON.stringify({ requests: emulator.log.httpRequests, actions: emulator.log.actions })}\n`);
  }
  await emulator.close();
}

async function runCase(emulator) {
  const { GENERATOR_REFERENCE } = await importDist('emulator/generate-appointments.js');
  const { createOnOfficeClient } = await importDist('onoffice/onoffice-client.js');
  const { pollChanges, MODIFIED_CURSOR } = await importDist('onoffice/poll-changes.js');
  const { openStateStore } = await importDist('store/open-state-store.js');
  const { pollSchema } = await importDist('config/config-schema.js');

  const clock = GENERATOR_REFERENCE;
  const now = () => new Date(clock);
  const client = createOnOfficeClient({ url: emulator.url, token: emulator.token, secret: emulator.secret, now: () => clock, retries: 4 });
  const config = { timezone: 'Europe/Berlin', poll: pollSchema.parse({}) };
  const rows = [];

  async function measure(phase, store) {
    const started = process.hrtime.bigint();
    const result = await pollChanges({ client, store, config, now });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    // maxRSS so far: after the backfill, the backfill's own peak (it runs first in this process).
    rows.push({ phase, records: result.records, requests: result.requests, actions: result.actions, lowerBound: Math.ceil(result.records / 500), ms, overflow: result.overflowSeconds.length, rssMb: process.resourceUsage().maxRSS / 1024 });
  }

  // Files, as in production: an in-memory database would count its pages as the process's RSS.
  const dir = mkdtempSync(join(tmpdir(), 'oos-poll-bench-'));
  const backfillStore = openStateStore(join(dir, 'backfill.db'), { now, migrationsDir });
  await measure('backfill', backfillStore);
  backfillStore.close();
  // Catch-up: a store that last read before every `modified`, as after a long outage.
  const catchUpStore = openStateStore(join(dir, 'catch-up.db'), { now, migrationsDir });
  catchUpStore.cursors.set(MODIFIED_CURSOR, '2025-10-01 00:00:00');
  await measure('catch-up', catchUpStore);
  catchUpStore.close();
  rmSync(dir, { recursive: true, force: true });
  return { rows };
}

if (process.argv[2] === '--emulator') {
  await serveEmulator(Number(process.argv[3]), process.argv[4]);
} else if (process.argv[2] === '--case') {
  const result = await runCase(JSON.parse(process.argv[3]));
  process.stdout.write(JSON.stringify(result));
} else {
  const sizes = (process.env.BENCH_SIZES ?? '10000,100000').split(',').map(Number);
  const table = [];
  for (const count of sizes) {
    for (const shape of ['uniform', 'bursty']) {
      const server = spawn(process.execPath, [fileURLToPath(import.meta.url), '--emulator', String(count), shape], { stdio: ['pipe', 'pipe', 'inherit'] });
      const lines = createInterface({ input: server.stdout })[Symbol.asyncIterator]();
      const emulator = (await lines.next()).value;
      // The case process runs with the Node.js flags and runtime variables of the systemd units, where a
      // backfill runs (the daemon's first run, or the one-shot unit's).
      const { nodeFlags, env } = readServiceRuntime();
      const out = execFileSync(process.execPath, [...nodeFlags, fileURLToPath(import.meta.url), '--case', emulator], { env: { ...process.env, ...env }, maxBuffer: 16 * 1024 * 1024 });
      const { rows } = JSON.parse(out.toString());
      server.stdin.write('count\n');
      const seen = JSON.parse((await lines.next()).value);
      server.stdin.end();
      await once(server, 'exit');
      // The emulator's own count includes retried requests (a keep-alive socket closed under us).
      const retried = seen.requests - rows.reduce((sum, row) => sum + row.requests, 0);
      for (const row of rows) {
        const name = `poll-bench N=${count} ${shape} ${row.phase}`;
        const bound = row.lowerBound;
        // Goals: a bursty `modified` (1,200 changes in one second among them) costs at most twice the bound.
        const burstGoal = shape === 'bursty' ? { goal: `≤ 2 × ceil(N/500) = ${2 * bound} requests`, met: row.requests <= 2 * bound ? 'yes' : 'MISSED' } : { goal: '', met: '' };
        table.push({
          area: 'c. onOffice API use',
          measure: `${name}: requests`,
          value: `${row.requests} requests, ${row.actions} actions (${(row.actions / bound).toFixed(2)} × bound), ${row.records} records, ${row.overflow} capped second(s), ${Math.round(row.ms)} ms${retried > 0 ? `, ${retried} retried` : ''}`,
          ...burstGoal,
        });
        const rssGoal = row.phase === 'backfill' && count >= 100_000 ? { goal: '< 150 MB', met: row.rssMb < 150 ? 'yes' : 'MISSED' } : { goal: '', met: '' };
        table.push({ area: 'c. onOffice API use', measure: `${name}: peak RSS${row.phase === 'backfill' ? '' : ' (with the backfill before it)'}`, value: `${Math.round(row.rssMb)} MB`, ...rssGoal });
      }
    }
  }
  console.table(table);
}
