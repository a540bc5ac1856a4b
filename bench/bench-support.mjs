// What every bench file shares: where the compiled code is, running a node process to its end, and the
// one table shape (area, measure, value, goal, met) that bench/run.mjs gathers from all of them.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const repoDir = fileURLToPath(new URL('..', import.meta.url));
export const distDir = resolve(process.env.DIST_DIR ?? join(repoDir, 'dist'));
export const cliMain = join(distDir, 'cli', 'main.js');
if (!existsSync(cliMain)) throw new Error(`${cliMain} is missing: run \`npm run build\` first (npm run bench does)`);

/** A module of the compiled code, by its path below dist/. */
export const importDist = (path) => import(pathToFileURL(join(distDir, path)).href);

/** Runs `node ...args` in the repository to its end, with this process's environment: exit code and both outputs. */
export const runNode = (args, env = {}) => spawnToEnd(args, { ...process.env, ...env }, repoDir);

/**
 * Runs the CLI (`node ...args`) as a user's service or timer does: with PATH and HOME only. The shell's
 * environment can cost a measured start dearly: NODE_EXTRA_CA_CERTS (set on the bench machine) makes node
 * parse the whole CA bundle before the first line runs (`node -e 0`: 45 ms of CPU without it, 118 ms with it).
 */
export const runCli = (args, env = {}, { cwd = repoDir } = {}) => spawnToEnd(args, { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, cwd);

function spawnToEnd(args, env, cwd) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

/**
 * `rounds` rounds of each of `first` and `second` in ABBA pairs (first, second, second, first, ...), so a
 * drift over the minutes weighs on both sides alike.
 */
export const abbaOrder = (first, second, rounds) => Array.from({ length: rounds }, (_, index) => (index % 2 === 0 ? [first, second] : [second, first])).flat();

export const fmt = (value, digits = 1) => (typeof value === 'number' ? value.toFixed(digits) : String(value));

/**
 * The rows of one bench and its progress log on stderr. `row` with `ok` true/false prints yes/MISSED,
 * undefined prints nothing (no goal).
 */
export function createBenchTable(name) {
  const rows = [];
  const started = Date.now();
  return {
    rows,
    started,
    row(area, measure, value, goal = '', ok = undefined) {
      rows.push({ area, measure, value: String(value), goal, met: ok === undefined ? '' : ok ? 'yes' : 'MISSED' });
    },
    log(message) {
      process.stderr.write(`[${name} ${Math.round((Date.now() - started) / 1000)} s] ${message}\n`);
    },
  };
}
