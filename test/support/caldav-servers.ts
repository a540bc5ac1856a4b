import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Launchers for real CalDAV servers on free loopback ports, each in its own temp dir: Radicale and
 * Xandikos (Debian packages radicale, xandikos) and DAViCal (davical, php-cli, php-pgsql, postgresql; see
 * scripts/start-davical.sh). stop() ends the server and removes its data; servers still running when the
 * test process exits are killed then.
 */

export interface RunningServer {
  /** What a user would configure: the server root. Discovery finds the calendar home from here. */
  url: string;
  /** The calendar home of the test user. */
  calendarHomeUrl: string;
  username?: string;
  password?: string;
  stop(): Promise<void>;
}

export interface RunningAuthServer extends RunningServer {
  username: string;
  password: string;
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function track(child: ChildProcess): void {
  running.add(child);
  child.once('exit', () => running.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const orphan of running) orphan.kill('SIGTERM');
    });
  }
}

/** A port nothing listens on right now: bind port 0, read it, release it. */
export async function findFreePort(): Promise<number> {
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

function collectOutput(child: ChildProcess): () => string {
  let output = '';
  const append = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-8000);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  return () => output;
}

/** Polls until the server answers HTTP at all (401 counts: it is up). */
async function waitForHttp(url: string, child: ChildProcess, output: () => string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${child.spawnfile} exited before answering on ${url}:\n${output()}`);
    }
    try {
      await fetch(url, { method: 'OPTIONS', signal: AbortSignal.timeout(1000) });
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`${child.spawnfile} did not answer on ${url} within ${timeoutMs} ms:\n${output()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

async function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/**
 * Radicale 3 (`python3 -m radicale` of the Debian package: /usr/bin/python3, since a pyenv python3 on the
 * PATH does not see Debian's modules) with htpasswd plain auth for one user, or no auth.
 */
export async function startRadicale(options: { auth?: boolean } = {}): Promise<RestartableServer> {
  return startRestartableRadicale(options);
}

/** Spawns a server process and waits until it answers HTTP; on failure it is stopped again. */
async function launchChild(command: string, args: string[], url: string): Promise<ChildProcess> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  track(child);
  try {
    await waitForHttp(url, child, collectOutput(child));
  } catch (error) {
    await stopChild(child);
    throw error;
  }
  return child;
}

/** Xandikos (no auth) with its default principal /user/; calendars live in /user/calendars/. */
export async function startXandikos(): Promise<RunningServer> {
  const dir = await mkdtemp(join(tmpdir(), 'onoffice-sync-xandikos-'));
  const port = await findFreePort();
  const url = `http://127.0.0.1:${port}/`;
  let child: ChildProcess;
  try {
    child = await launchChild('xandikos', ['-d', dir, '--defaults', '-l', '127.0.0.1', '-p', String(port)], url);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url,
    calendarHomeUrl: `${url}user/calendars/`,
    stop: async () => {
      await stopChild(child);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const startDavicalScript = fileURLToPath(new URL('../../scripts/start-davical.sh', import.meta.url));

/**
 * DAViCal on PHP's built-in server over a private PostgreSQL cluster, user `admin` with a random
 * password. scripts/start-davical.sh does the setup and tears everything down when its stdin closes.
 */
export async function startDavical(): Promise<RunningAuthServer> {
  const port = await findFreePort();
  const password = randomBytes(9).toString('base64url');
  const child = spawn('bash', [startDavicalScript, String(port), password], { stdio: ['pipe', 'pipe', 'pipe'] });
  track(child);
  const output = collectOutput(child);
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.stdin?.end();
    const timer = setTimeout(() => child.kill('SIGTERM'), 15_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await new Promise<void>((resolve, reject) => {
      const onData = (): void => {
        if (output().includes('DAVICAL_READY')) {
          child.stdout?.off('data', onData);
          resolve();
        }
      };
      child.stdout?.on('data', onData);
      child.once('exit', (code) => reject(new Error(`scripts/start-davical.sh exited with ${code}:\n${output()}`)));
    });
    await waitForHttp(`http://127.0.0.1:${port}/caldav.php/`, child, output);
  } catch (error) {
    await stop();
    throw error;
  }
  const url = `http://127.0.0.1:${port}/caldav.php/`;
  return { url, calendarHomeUrl: `${url}admin/`, username: 'admin', password, stop };
}

export interface RestartableServer extends RunningAuthServer {
  /** SIGKILLs the server process; its storage stays. */
  kill(): Promise<void>;
  /** Starts the server again on the same port and storage. */
  restart(): Promise<void>;
}

/**
 * Radicale like startRadicale (with auth), whose process can be killed and started again on the same
 * port over the same storage, for crash tests of the CalDAV side.
 */
export async function startRestartableRadicale(options: { auth?: boolean } = {}): Promise<RestartableServer> {
  const auth = options.auth ?? true;
  const dir = await mkdtemp(join(tmpdir(), 'onoffice-sync-radicale-'));
  const port = await findFreePort();
  const username = 'anna';
  const password = randomBytes(9).toString('base64url');
  await writeFile(join(dir, 'users'), `${username}:${password}\n`);
  const authSection = auth
    ? `[auth]\ntype = htpasswd\nhtpasswd_filename = ${join(dir, 'users')}\nhtpasswd_encryption = plain\n`
    : '[auth]\ntype = none\n';
  await writeFile(
    join(dir, 'config'),
    `[server]\nhosts = 127.0.0.1:${port}\n\n${authSection}\n[storage]\nfilesystem_folder = ${join(dir, 'collections')}\n\n[logging]\nlevel = warning\nmask_passwords = True\n`,
  );
  const url = `http://127.0.0.1:${port}/`;
  const launch = (): Promise<ChildProcess> => launchChild('/usr/bin/python3', ['-m', 'radicale', '--config', join(dir, 'config')], url);
  let child: ChildProcess | null = null;
  try {
    child = await launch();
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url,
    calendarHomeUrl: `${url}${username}/`,
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
