// What the latency and soak benchmarks share: the emulator (in this process, so changes are made
// directly in its data), a real Radicale, and `onoffice-sync daemon` as a child process of the compiled
// CLI, followed through its JSON log lines and its /metrics.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { findFreePort, startRadicale } from '../test/support/caldav-servers.mjs';
import { readServiceRuntime } from './read-service-runtime.mjs';

const repoDir = fileURLToPath(new URL('..', import.meta.url));
export const distDir = resolve(process.env.DIST_DIR ?? join(repoDir, 'dist'));

// A dist dir outside the repo cannot resolve the dependencies; point it at the repo's node_modules.
if (relative(repoDir, distDir).startsWith('..') && !existsSync(join(distDir, 'node_modules'))) {
  symlinkSync(join(repoDir, 'node_modules'), join(distDir, 'node_modules'), 'dir');
}
export const importDist = (path) => import(pathToFileURL(resolve(distDir, path)).href);

export const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

/** Nearest-rank percentile of numbers (p in 0..100). */
export function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** A console.table row in the shape bench/run.mjs reads. */
export function benchRow(area, measure, value, goal = '', met = '') {
  return { area, measure, value, goal, met: met === '' ? '' : met ? 'yes' : 'MISSED' };
}

/**
 * Starts the emulator with `appointments`, Radicale and the daemon with `daemon` settings (schedule,
 * adminToken…). The daemon's log is at info: one "sync run finished" line per run.
 */
export async function startDaemonBench({ name, appointments, daemon: daemonSettings }) {
  const { startEmulator } = await importDist('emulator/start-emulator.js');
  const temp = mkdtempSync(join(tmpdir(), `oos-${name}-`));
  const emulator = await startEmulator({ port: 0, seed: 7, appointments });
  const radicale = await startRadicale();
  const port = await findFreePort();
  const calendar = name;
  const configFile = join(temp, 'config.yaml');
  // JSON is YAML. The poll keeps its defaults (lagSeconds among them): what users run.
  writeFileSync(
    configFile,
    JSON.stringify({
      timezone: 'Europe/Berlin',
      stateDb: join(temp, 'state.db'),
      logLevel: 'info',
      onoffice: { url: emulator.url, token: emulator.token, secret: emulator.secret },
      poll: { horizonPastDays: 365 },
      caldav: [{ name: 'default', url: radicale.url, username: radicale.username, password: radicale.password, calendar }],
      daemon: { host: '127.0.0.1', port, ...daemonSettings },
    }),
    { mode: 0o600 },
  );

  // The daemon runs with the flags and runtime variables (MALLOC_ARENA_MAX) the systemd units start node with.
  // BENCH_DAEMON_NODE_ARGS: more Node.js flags after them, for a diagnosis only (--expose-gc,
  // --heapsnapshot-signal=SIGUSR2, --diagnostic-dir=…); the figures the bench prints are without them.
  const mainJs = join(distDir, 'cli', 'main.js');
  const runtime = readServiceRuntime();
  const nodeArgs = [...runtime.nodeFlags, ...(process.env.BENCH_DAEMON_NODE_ARGS ?? '').split(' ').filter(Boolean)];
  // BENCH_DAEMON_OUTPUT: a file that gets every line the daemon writes (with --trace-gc, its GC lines).
  const outputFile = process.env.BENCH_DAEMON_OUTPUT;
  const child = spawn(process.execPath, [...nodeArgs, mainJs, 'daemon', '--config', configFile], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...runtime.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = createLineWatcher();
  let tail = '';
  for (const stream of [child.stdout, child.stderr]) {
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop();
      for (const line of lines) {
        tail = `${tail}${line}\n`.slice(-4000);
        if (outputFile) appendFileSync(outputFile, `${line}\n`);
        log.push(line);
      }
    });
  }
  const exited = new Promise((done) => child.on('exit', (code, signal) => done({ code, signal })));
  exited.then(({ code, signal }) => log.fail(new Error(`the daemon exited (${code ?? signal}): ${tail}`)));

  const base = `http://127.0.0.1:${port}`;
  const collectionUrl = `${radicale.calendarHomeUrl}${calendar}/`;
  const authorization = `Basic ${Buffer.from(`${radicale.username}:${radicale.password}`).toString('base64')}`;

  return {
    emulator,
    base,
    log,
    pid: child.pid,
    collectionUrl,
    authorization,
    async stop() {
      child.kill('SIGTERM');
      const result = await Promise.race([exited, sleep(20_000).then(() => null)]);
      if (!result) child.kill('SIGKILL');
      await emulator.close();
      await radicale.stop();
      rmSync(temp, { recursive: true, force: true });
      return result;
    },
  };
}

/** Parsed JSON log lines, with waits for the next line that matches (a hang guard of `limitMs`). */
function createLineWatcher() {
  const waiters = new Set();
  let failure = null;
  const counts = new Map();
  return {
    /** How many lines with this msg were seen so far. */
    count: (msg) => counts.get(msg) ?? 0,
    push(text) {
      let line;
      try {
        line = JSON.parse(text);
      } catch {
        return;
      }
      counts.set(line.msg, (counts.get(line.msg) ?? 0) + 1);
      for (const waiter of [...waiters]) {
        if (!waiter.matches(line)) continue;
        waiters.delete(waiter);
        waiter.resolve(line);
      }
    },
    fail(error) {
      failure = error;
      for (const waiter of waiters) waiter.reject(error);
      waiters.clear();
    },
    next(matches, limitMs = 120_000) {
      if (failure) return Promise.reject(failure);
      return new Promise((resolvePromise, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`gave up waiting for a log line after ${limitMs} ms (a hang guard)`));
        }, limitMs);
        const waiter = {
          matches,
          resolve: (line) => (clearTimeout(timer), resolvePromise(line)),
          reject: (error) => (clearTimeout(timer), reject(error)),
        };
        waiters.add(waiter);
      });
    },
  };
}

/** The calendar's objects on the server: UID → href, read with one calendar-query REPORT. */
export async function readCalendarHrefs(collectionUrl, authorization) {
  const body =
    '<?xml version="1.0" encoding="utf-8"?><C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/><C:calendar-data/></D:prop>' +
    '<C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"/></C:comp-filter></C:filter></C:calendar-query>';
  const response = await fetch(collectionUrl, { method: 'REPORT', headers: { authorization, depth: '1', 'content-type': 'application/xml; charset=utf-8' }, body });
  if (response.status !== 207) throw new Error(`REPORT ${collectionUrl}: HTTP ${response.status}`);
  const hrefs = new Map();
  for (const part of (await response.text()).split(/<(?:[\w-]+:)?response[\s>]/).slice(1)) {
    const href = /<(?:[\w-]+:)?href>([^<]+)</.exec(part)?.[1];
    const uid = /\nUID:([^\r\n]+)/.exec(part)?.[1];
    if (href && uid) hrefs.set(uid.trim(), new URL(href, collectionUrl).href);
  }
  return hrefs;
}

/** Polls the object every `everyMs` until its body contains `marker`; resolves with when it did. */
export async function waitUntilVisible(url, authorization, marker, { everyMs = 100, limitMs = 180_000 } = {}) {
  const deadline = performance.now() + limitMs;
  for (;;) {
    const response = await fetch(url, { headers: { authorization } });
    const text = await response.text();
    if (response.status === 200 && text.includes(marker)) return performance.now();
    if (performance.now() > deadline) throw new Error(`${marker} did not show up at ${url} within ${limitMs} ms`);
    await sleep(everyMs);
  }
}

/** Reads the numbers of a Prometheus text exposition: name{labels} → value. */
export async function readMetrics(base) {
  const text = await (await fetch(`${base}/metrics`)).text();
  const values = new Map();
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (match) values.set(match[1], Number(match[2]));
  }
  return values;
}

export const createAdminToken = () => randomUUID();
