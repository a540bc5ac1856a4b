import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/*
 * The runtime of the service. Its Node.js flags: every systemd unit's ExecStart starts node with the same V8 heap
 * flags (--max-semi-space-size, --heap-growing-percent, and --expose-gc for the daemon's collection between
 * runs, src/daemon/create-heap-trimmer.ts), or an installation started by one unit is not
 * what the benches measured with another's. The `onoffice-sync` bin carries none: those heap flags cost
 * every command ~10–25 ms of CPU at start (bench/startup-bench.mjs, `--help` against `node -e 0`), which
 * a long-running or scheduled service does not notice and a person at a prompt does.
 * Its allocator: every unit sets MALLOC_ARENA_MAX=2, glibc's malloc with two arenas instead of up to 8
 * per core (README "Node.js flags" gives the soak that chose it); bench/read-service-runtime.mjs hands the
 * same to what the benches start.
 */
const systemdDir = fileURLToPath(new URL('../../systemd/', import.meta.url));
const mainTs = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const services = readdirSync(systemdDir).filter((name) => name.endsWith('.service'));

function runtimeEnvironment(name: string): string[] {
  return readFileSync(`${systemdDir}${name}`, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('Environment=MALLOC_'));
}

function execStartFlags(name: string): string[][] {
  const execStarts = readFileSync(`${systemdDir}${name}`, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('ExecStart='));
  expect(execStarts.length).toBeGreaterThan(0);
  return execStarts.map((line) => {
    const words = line.slice('ExecStart='.length).split(' ');
    const main = words.indexOf('/opt/onoffice-sync/dist/cli/main.js');
    expect(words[0]).toBe('/usr/bin/node');
    expect(main).toBeGreaterThan(0);
    return words.slice(1, main);
  });
}

describe('the Node.js flags and allocator of the systemd units and of the bin', () => {
  const [reference] = execStartFlags('onoffice-sync.service');

  it('the service names node with heap flags, and node accepts them and exposes gc', () => {
    expect(reference).toEqual(expect.arrayContaining([expect.stringMatching(/^--max-semi-space-size=\d+$/), expect.stringMatching(/^--heap-growing-percent=\d+$/), '--expose-gc']));
    const result = spawnSync(process.execPath, [...reference!, '-e', "if (typeof gc !== 'function') process.exit(3)"], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it.each(services)('%s starts node with the same flags', (name) => {
    for (const flags of execStartFlags(name)) expect(flags).toEqual(reference);
  });

  it.each(services)('%s limits glibc to two malloc arenas', (name) => {
    expect(runtimeEnvironment(name)).toEqual(['Environment=MALLOC_ARENA_MAX=2']);
  });

  it('the bin starts node without them', () => {
    const [first] = readFileSync(mainTs, 'utf8').split('\n', 1);
    expect(first).toBe('#!/usr/bin/env node');
  });
});
