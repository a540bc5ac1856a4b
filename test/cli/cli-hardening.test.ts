import { spawn } from 'node:child_process';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/start-emulator.js';
import { CLI_MAIN, describeResult, REPO_ROOT, runCli, type CliResult } from '../faults/fault-harness.js';
import { createTempDir } from '../support/sync-fixture.js';

let emulator: Emulator;
let temp: ReturnType<typeof createTempDir>;
let env: Record<string, string>;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, seed: 9, appointments: 40 });
  temp = createTempDir('oos-cli-');
  env = { ONOFFICE_API_URL: emulator.url, ONOFFICE_TOKEN: emulator.token, ONOFFICE_SECRET: emulator.secret, STATE_DB: join(temp.dir, 'state.db'), ONOFFICE_SYNC_TIMEZONE: 'Europe/Berlin' };
  const sync = await runCli(['sync'], env);
  expect(sync.code, describeResult(sync)).toBe(0);
});

afterAll(async () => {
  await emulator.close();
  temp.remove();
});

const localEnv = (): Record<string, string> => ({ STATE_DB: env.STATE_DB!, ONOFFICE_SYNC_TIMEZONE: 'Europe/Berlin' });

describe('the command line', () => {
  it('exits 2 with the usage for an unknown command or option', async () => {
    for (const args of [['snyc'], ['sync', '--ful'], ['export', '--out', '-', '--form', '2026-01-01'], []]) {
      const result = await runCli(args, env);
      expect(result.code, describeResult(result)).toBe(2);
      expect(result.stderr).toMatch(/Usage: onoffice-sync/);
    }
    expect((await runCli(['--help'], env)).code).toBe(0);
  });

  it('writes the export to stdout with --out -, and refuses --from after --to', async () => {
    const exported = await runCli(['export', '--out', '-'], env);
    expect(exported.code, describeResult(exported)).toBe(0);
    expect(exported.stdout.startsWith('BEGIN:VCALENDAR')).toBe(true);
    expect(exported.stdout).toMatch(/END:VCALENDAR\r\n$/);
    expect(exported.stderr).toMatch(/wrote \d+ appointment\(s\), \d+ bytes, to stdout/);
    const swapped = await runCli(['export', '--out', '-', '--from', '2026-05-02', '--to', '2026-05-01'], env);
    expect(swapped.code, describeResult(swapped)).toBe(2);
    expect(swapped.stderr).toMatch(/--from \(2026-05-02\) is after --to \(2026-05-01\)/);
    expect(swapped.stdout).toBe('');
  });

  it('names the path and the fix when a file cannot be written or read', async () => {
    const blocker = join(temp.dir, 'not-a-folder');
    writeFileSync(blocker, '');
    const result = await runCli(['export', '--out', join(blocker, 'x.ics')], env);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(`cannot write ${join(blocker, 'x.ics')}: E`);
    expect(result.stderr).toMatch(/: E(NOTDIR|EXIST); a part of the path is a file, not a folder/);
    const config = await runCli(['status', '--config', join(temp.dir, 'missing.yaml')], env);
    expect(config.code).toBe(2);
    expect(config.stderr).toContain(`cannot read ${join(temp.dir, 'missing.yaml')}`);
  });

  it('runs status and export without onOffice credentials', async () => {
    const status = await runCli(['status'], localEnv());
    expect(status.code, describeResult(status)).toBe(0);
    expect(status.stdout).toMatch(/appointments\s+\d+ active/);
    const exported = await runCli(['export', '--out', join(temp.dir, 'no-credentials.ics')], localEnv());
    expect(exported.code, describeResult(exported)).toBe(0);
  });

  it('reports a damaged state database from status as sync does: the path and the fix', async () => {
    const damaged = join(temp.dir, 'damaged.db');
    writeFileSync(damaged, 'this is not an SQLite database, just some text long enough to look like a header'.repeat(100));
    const status = await runCli(['status'], { ...localEnv(), STATE_DB: damaged });
    const sync = await runCli(['sync'], { ...env, STATE_DB: damaged });
    for (const result of [status, sync]) {
      expect(result.code, describeResult(result)).toBe(1);
      expect(result.stderr).toContain(`state database ${damaged}: the file is damaged or not a state database`);
    }
  });
});

/** The CLI under `umask 000`, which would make every file world-writable. */
function runWithUmask000(args: readonly string[], extraEnv: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', 'umask 000 && exec "$0" "$@"', process.execPath, CLI_MAIN, ...args], { cwd: REPO_ROOT, env: { PATH: process.env.PATH ?? '', ...extraEnv } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

describe('files the tool creates', () => {
  it('are 0600, and its folders 0700, whatever the umask', async () => {
    const base = join(temp.dir, 'modes');
    const stateDb = join(base, 'var', 'state.db');
    const sync = await runWithUmask000(['sync'], { ...env, STATE_DB: stateDb });
    expect(sync.code, describeResult(sync)).toBe(0);
    const exportFile = join(base, 'exports', 'all.ics');
    const exported = await runWithUmask000(['export', '--out', exportFile], { ...env, STATE_DB: stateDb });
    expect(exported.code, describeResult(exported)).toBe(0);
    // -wal and -shm exist while a connection is open: a status run in the background keeps none, so
    // open one here (its mode comes from the database file, which SQLite copies).
    const Database = (await import('better-sqlite3')).default;
    const reader = new Database(stateDb);
    try {
      reader.prepare('SELECT count(*) FROM appointments').get();
      const mode = (path: string): string => (statSync(path).mode & 0o777).toString(8);
      expect({
        base: mode(base),
        var: mode(join(base, 'var')),
        exports: mode(join(base, 'exports')),
        db: mode(stateDb),
        wal: mode(`${stateDb}-wal`),
        shm: mode(`${stateDb}-shm`),
        lock: mode(`${stateDb}.lock`),
        export: mode(exportFile),
      }).toEqual({ base: '700', var: '700', exports: '700', db: '600', wal: '600', shm: '600', lock: '600', export: '600' });
    } finally {
      reader.close();
    }
  });
});
