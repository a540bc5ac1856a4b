// Real CalDAV servers for the benchmark, each on a free loopback port in a temp dir: Radicale (Debian
// package radicale) and DAViCal (scripts/start-davical.sh with 8 PHP workers). stop() ends them.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export async function findFreePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitForHttp(url, child, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${child.spawnfile} exited before answering on ${url}`);
    try {
      await fetch(url, { method: 'OPTIONS', signal: AbortSignal.timeout(1000) });
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`${child.spawnfile} did not answer on ${url}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

export async function startRadicale() {
  const dir = mkdtempSync(join(tmpdir(), 'oos-bench-radicale-'));
  const port = await findFreePort();
  const username = 'anna';
  const password = randomBytes(9).toString('base64url');
  writeFileSync(join(dir, 'users'), `${username}:${password}\n`);
  writeFileSync(
    join(dir, 'config'),
    `[server]\nhosts = 127.0.0.1:${port}\n\n[auth]\ntype = htpasswd\nhtpasswd_filename = ${join(dir, 'users')}\nhtpasswd_encryption = plain\n\n` +
      `[storage]\nfilesystem_folder = ${join(dir, 'collections')}\n\n[logging]\nlevel = warning\nmask_passwords = True\n`,
  );
  const child = spawn('/usr/bin/python3', ['-m', 'radicale', '--config', join(dir, 'config')], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}/`;
  await waitForHttp(url, child);
  return {
    name: 'Radicale',
    url,
    homeUrl: `${url}${username}/`,
    username,
    password,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', resolve)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function startDavical(workers = 8) {
  const port = await findFreePort();
  const password = randomBytes(9).toString('base64url');
  const script = fileURLToPath(new URL('../scripts/start-davical.sh', import.meta.url));
  const child = spawn('bash', [script, String(port), password], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, DAVICAL_PHP_WORKERS: String(workers) } });
  await new Promise((resolve, reject) => {
    let seen = '';
    child.stdout.on('data', (chunk) => {
      seen += chunk.toString();
      if (seen.includes('DAVICAL_READY')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`scripts/start-davical.sh exited with ${code}`)));
  });
  const url = `http://127.0.0.1:${port}/caldav.php/`;
  await waitForHttp(url, child);
  return {
    name: 'DAViCal',
    url,
    homeUrl: `${url}admin/`,
    username: 'admin',
    password,
    stop: async () => {
      const exited = new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', resolve)));
      child.stdin.end();
      await exited;
    },
  };
}
