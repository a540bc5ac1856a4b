// Launchers for real CalDAV servers on free loopback ports, each in its own temp dir, for the tests (through
// caldav-servers.ts, typed by caldav-servers.d.mts) and the benchmark (bench/run.mjs) alike: plain ESM so
// that both run the same code without a build step.
//
// Radicale and Xandikos are started directly; DAViCal, Cyrus IMAP, SOGo and Sabre/DAV by a shell script
// (scripts/start-davical.sh, test/support/start-*.sh) that sets up its databases and tears everything down
// when its stdin closes, so a test process that dies leaves nothing behind. stop() ends the server and
// removes its data; servers still running when the process exits are killed then.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const TEST_USER = 'anna';
const running = new Set();
let exitHookInstalled = false;

function track(child) {
  running.add(child);
  child.once('exit', () => running.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const orphan of running) orphan.kill('SIGTERM');
    });
  }
}

/** The Debian package's version (`dpkg-query`), e.g. 'cyrus-caldav 3.6.1-4+deb12u5', or the name alone. */
export function packageVersion(name) {
  try {
    return `${name} ${execFileSync('dpkg-query', ['-W', '-f=${Version}', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })}`;
  } catch {
    return `${name} (version unknown: not a Debian package here)`;
  }
}

function createPassword() {
  return randomBytes(9).toString('base64url');
}

/** A port nothing listens on right now: bind port 0, read it, release it. */
export async function findFreePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function collectOutput(child) {
  let output = '';
  const append = (chunk) => {
    output = (output + chunk.toString('utf8')).slice(-8000);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  return () => output;
}

function hasExited(child) {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Polls until the server answers HTTP at all (401 counts: it is up). */
async function waitForHttp(url, child, output, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (hasExited(child)) throw new Error(`${child.spawnfile} exited before answering on ${url}:\n${output()}`);
    try {
      const response = await fetch(url, { method: 'OPTIONS', signal: AbortSignal.timeout(1000) });
      await response.arrayBuffer();
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`${child.spawnfile} did not answer on ${url} within ${timeoutMs} ms:\n${output()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

async function stopChild(child, signal = 'SIGTERM', graceMs = 5000) {
  if (hasExited(child)) return;
  const exited = new Promise((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Spawns a server process and waits until it answers HTTP; on failure it is stopped again. */
async function launchChild(command, args, url) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  track(child);
  try {
    await waitForHttp(url, child, collectOutput(child), 30_000);
  } catch (error) {
    await stopChild(child);
    throw error;
  }
  return child;
}

/**
 * Runs a start script that prints `marker` once its server is set up and holds it until its stdin closes;
 * resolves when the server answers HTTP on `probeUrl`. The returned stop() closes the script's stdin and
 * waits for its teardown.
 */
async function launchScript({ script, args, env = {}, marker, probeUrl, timeoutMs = 120_000 }) {
  const child = spawn('bash', [script, ...args], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  track(child);
  const output = collectOutput(child);
  const stop = async () => {
    if (hasExited(child)) return;
    const exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.stdin?.end();
    const timer = setTimeout(() => child.kill('SIGTERM'), 15_000);
    await exited;
    clearTimeout(timer);
  };
  const name = script.slice(script.lastIndexOf('/') + 1);
  try {
    await new Promise((resolve, reject) => {
      const onData = () => {
        if (!output().includes(marker)) return;
        child.stdout?.off('data', onData);
        child.off('exit', onExit);
        resolve();
      };
      const onExit = (code) => reject(Object.assign(new Error(`${name} exited with ${code}:\n${output()}`), { exitCode: code }));
      child.stdout?.on('data', onData);
      child.once('exit', onExit);
    });
    await waitForHttp(probeUrl, child, output, timeoutMs);
  } catch (error) {
    await stop();
    throw error;
  }
  return stop;
}

const scriptPath = (relative) => fileURLToPath(new URL(relative, import.meta.url));

/** Radicale 3 with htpasswd plain auth for one user, or no auth. */
export async function startRadicale(options = {}) {
  return startRestartableRadicale(options);
}

/**
 * Radicale (`python3 -m radicale` of the Debian package: /usr/bin/python3, since a pyenv python3 on the
 * PATH does not see Debian's modules) whose process can be killed and started again on the same port over
 * the same storage, for crash tests of the CalDAV side.
 */
export async function startRestartableRadicale(options = {}) {
  const auth = options.auth ?? true;
  const dir = await mkdtemp(join(tmpdir(), 'onoffice-sync-radicale-'));
  const port = await findFreePort();
  const username = TEST_USER;
  const password = createPassword();
  await writeFile(join(dir, 'users'), `${username}:${password}\n`);
  const authSection = auth
    ? `[auth]\ntype = htpasswd\nhtpasswd_filename = ${join(dir, 'users')}\nhtpasswd_encryption = plain\n`
    : '[auth]\ntype = none\n';
  await writeFile(
    join(dir, 'config'),
    `[server]\nhosts = 127.0.0.1:${port}\n\n${authSection}\n[storage]\nfilesystem_folder = ${join(dir, 'collections')}\n\n[logging]\nlevel = warning\nmask_passwords = True\n`,
  );
  const url = `http://127.0.0.1:${port}/`;
  const launch = () => launchChild('/usr/bin/python3', ['-m', 'radicale', '--config', join(dir, 'config')], url);
  let child = null;
  try {
    child = await launch();
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url,
    calendarHomeUrl: `${url}${username}/`,
    version: packageVersion('radicale'),
    username,
    password,
    kill: async () => {
      if (child) await stopChild(child, 'SIGKILL');
    },
    restart: async () => {
      if (child) await stopChild(child, 'SIGKILL');
      child = await launch();
    },
    stop: async () => {
      if (child) await stopChild(child);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Xandikos (no auth) with its default principal /user/; calendars live in /user/calendars/. */
export async function startXandikos() {
  const dir = await mkdtemp(join(tmpdir(), 'onoffice-sync-xandikos-'));
  const port = await findFreePort();
  const url = `http://127.0.0.1:${port}/`;
  let child;
  try {
    child = await launchChild('xandikos', ['-d', dir, '--defaults', '-l', '127.0.0.1', '-p', String(port)], url);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url,
    calendarHomeUrl: `${url}user/calendars/`,
    version: packageVersion('xandikos'),
    stop: async () => {
      await stopChild(child);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** DAViCal on PHP's built-in server (4 workers unless told) over a private PostgreSQL cluster, user `admin`. */
export async function startDavical(options = {}) {
  const port = await findFreePort();
  const password = createPassword();
  const url = `http://127.0.0.1:${port}/caldav.php/`;
  const stop = await launchScript({
    script: scriptPath('../../scripts/start-davical.sh'),
    args: [String(port), password],
    env: { DAVICAL_PHP_WORKERS: String(options.phpWorkers ?? 4) },
    marker: 'DAVICAL_READY',
    probeUrl: url,
  });
  return { url, calendarHomeUrl: `${url}admin/`, version: packageVersion('davical'), username: 'admin', password, stop };
}

/** start-cyrus.sh's exit when another server answered on the IMAP port it was given (see startCyrus). */
const PORT_TAKEN = 75;
const CYRUS_STARTS = 3;

/**
 * Cyrus IMAP 3.6 with its CalDAV module (httpd) and imapd on loopback, SASL users in a private sasldb;
 * the user's calendar home is /dav/calendars/user/NAME/. Needs root: cyrmaster runs as the cyrus user.
 * A port found free (findFreePort) can be taken by a parallel test's server before cyrmaster binds it;
 * only that case is started again, on new ports, a few times at most.
 */
export async function startCyrus() {
  for (let start = 1; ; start++) {
    const [port, imapPort] = [await findFreePort(), await findFreePort()];
    const password = createPassword();
    const url = `http://127.0.0.1:${port}/dav/`;
    try {
      const stop = await launchScript({
        script: scriptPath('./start-cyrus.sh'),
        args: [String(port), String(imapPort), TEST_USER, password],
        marker: 'CYRUS_READY',
        probeUrl: url,
      });
      return { url, calendarHomeUrl: `${url}calendars/user/${TEST_USER}/`, version: packageVersion('cyrus-caldav'), username: TEST_USER, password, stop };
    } catch (error) {
      if (error?.exitCode !== PORT_TAKEN || start >= CYRUS_STARTS) throw error;
    }
  }
}

/**
 * SOGo 5.8 (sogod with `workers` workers, default 3) over a private PostgreSQL cluster and memcached, an
 * SQL user source with a plain password; the user's calendar home is /SOGo/dav/NAME/Calendar/.
 */
export async function startSogo(options = {}) {
  const [port, pgPort, memcachedPort] = [await findFreePort(), await findFreePort(), await findFreePort()];
  const password = createPassword();
  const url = `http://127.0.0.1:${port}/SOGo/dav/`;
  const stop = await launchScript({
    script: scriptPath('./start-sogo.sh'),
    args: [String(port), String(pgPort), String(memcachedPort), TEST_USER, password],
    env: { SOGO_WORKERS: String(options.workers ?? 3) },
    marker: 'SOGO_READY',
    probeUrl: url,
  });
  return { url, calendarHomeUrl: `${url}${TEST_USER}/Calendar/`, version: packageVersion('sogo'), username: TEST_USER, password, stop };
}

/**
 * Sabre/DAV 1.8 (test/support/sabre-server.php on SQLite) under `php -S` with 4 workers. `auth: 'digest'`
 * is the stock PDO backend, which offers Digest only; `'basic'` checks Basic credentials.
 */
export async function startSabre(options) {
  const port = await findFreePort();
  const password = createPassword();
  const url = `http://127.0.0.1:${port}/`;
  const stop = await launchScript({
    script: scriptPath('./start-sabre.sh'),
    args: [String(port), options.auth, TEST_USER, password],
    marker: 'SABRE_READY',
    probeUrl: url,
  });
  return { url, calendarHomeUrl: `${url}calendars/${TEST_USER}/`, version: packageVersion('php-sabre-dav'), username: TEST_USER, password, stop };
}
