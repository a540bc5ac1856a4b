import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, openSync, closeSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateAppointments } from '../../src/emulator/generate-appointments.js';
import { createSilentLogger } from '../../src/log/create-logger.js';
import { openStateStore } from '../../src/store/open-state-store.js';
import { createSyncRuntime } from '../../src/app/create-sync-runtime.js';
import { runSync } from '../../src/app/run-sync.js';
import { insertFresh } from './mutate-emulator.js';
import { createRawConfig, describeResult, findCalendarProblems, readJournal, runCli, useFaultServers, writeConfigFile } from './fault-harness.js';

/**
 * The state database cannot be written: its directory is read-only, or its disk is full. As root
 * (CI containers, this machine) a small tmpfs gives both for real: remounted read-only, or filled to the
 * last byte. Without root, chmod makes it read-only and SQLite's max_page_count (per connection, so that
 * run is in-process) stands in for the full disk. The run must fail loudly, and once the disk is fixed
 * the next run leaves the calendar exactly right.
 */
const isRoot = process.getuid?.() === 0;

function tryMountTmpfs(dir: string, size: string): boolean {
  if (!isRoot) return false;
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function unmount(dir: string): void {
  execFileSync('umount', ['-l', dir], { stdio: 'ignore' });
}

/** Writes zeros until the filesystem refuses: ENOSPC. */
function fillDisk(file: string): number {
  const fd = openSync(file, 'w');
  const block = Buffer.alloc(64 * 1024);
  let written = 0;
  try {
    for (;;) written += writeSync(fd, block);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
  return written;
}

describe('state database that cannot be written', () => {
  const servers = useFaultServers({ seed: 61, count: 40 });
  const mounts: string[] = [];

  afterAll(() => {
    for (const dir of mounts) unmount(dir);
  });

  /** A calendar `name` whose state database lives at `stateDb` (on a mount of the test's own). */
  const setUp = (name: string, stateDb: string) => {
    const raw = createRawConfig({ emulator: servers.emulator, caldavUrl: servers.radicale.url, username: servers.radicale.username, password: servers.radicale.password, stateDb, target: { calendar: name } });
    return writeConfigFile(servers.dir, raw, `${name}.yaml`);
  };

  const expectExact = async (config: ReturnType<typeof setUp>['config'], stateDb: string): Promise<number> => {
    const { problems, objects, expected } = await findCalendarProblems(config, servers.emulator);
    expect(problems, problems.join("\n")).toEqual([]);
    expect(objects).toBe(expected);
    expect(readJournal(stateDb)).toMatchObject({ outbox: 0, failures: 0, locks: 0 });
    return objects;
  };

  it('fails loudly on a read-only state database and recovers once it is writable', async () => {
    const dir = join(servers.dir, 'readonly');
    mkdirSync(dir);
    const mounted = tryMountTmpfs(dir, '16m');
    if (mounted) mounts.push(dir);
    const stateDb = join(dir, 'state.db');
    const { file, config } = setUp('readonly', stateDb);
    const first = await runCli(['sync', '--config', file]);
    expect(first.code, describeResult(first)).toBe(0);

    servers.emulator.data.update(servers.emulator.data.list()[1]!.id, { description: 'changed while the disk was read-only' });
    if (mounted) execFileSync('mount', ['-o', 'remount,ro', dir]);
    else {
      chmodSync(stateDb, 0o444);
      chmodSync(dir, 0o555);
    }
    let readOnly;
    try {
      readOnly = await runCli(['sync', '--config', file]);
    } finally {
      if (mounted) execFileSync('mount', ['-o', 'remount,rw', dir]);
      else {
        chmodSync(dir, 0o755);
        chmodSync(stateDb, 0o644);
      }
    }
    expect(readOnly.code, describeResult(readOnly)).not.toBe(0);
    expect(readOnly.code, describeResult(readOnly)).not.toBeNull();
    expect(readOnly.stderr, describeResult(readOnly)).toMatch(/state database \S+: (cannot write: the file or its filesystem is read-only|cannot open the file)/);

    const recovered = await runCli(['sync', '--config', file]);
    expect(recovered.code, describeResult(recovered)).toBe(0);
    await expectExact(config, stateDb);
    console.info(`state db read-only (${mounted ? 'tmpfs remounted ro' : 'chmod'}): exit ${readOnly.code}: ${readOnly.stderr.trim().split('\n').pop()}`);
  }, 60_000);

  it('fails loudly on a full disk and recovers once there is space', async () => {
    const dir = join(servers.dir, 'full');
    mkdirSync(dir);
    const mounted = tryMountTmpfs(dir, '8m');
    if (mounted) mounts.push(dir);
    const stateDb = join(dir, 'state.db');
    const { file, config } = setUp('full', stateDb);
    const first = await runCli(['sync', '--config', file]);
    expect(first.code, describeResult(first)).toBe(0);
    // Long notes make the store grow by far more than the few free bytes left.
    const big = generateAppointments({ count: 120, seed: 62 }).map((elements) => ({ ...elements, note: `${elements.note} ${'Lorem ipsum dolor sit amet. '.repeat(120)}` }));
    insertFresh(servers.emulator, big);

    let outcome: string;
    if (mounted) {
      const filler = join(dir, 'filler');
      fillDisk(filler);
      const full = await runCli(['sync', '--config', file]);
      rmSync(filler);
      expect(full.code, describeResult(full)).not.toBe(0);
      expect(full.code, describeResult(full)).not.toBeNull();
      expect(full.stderr, describeResult(full)).toMatch(/state database \S+: (the disk is full|the disk reported an I\/O error)/);
      outcome = `exit ${full.code}: ${full.stderr.trim().split('\n').pop()}`;
    } else {
      const store = openStateStore(stateDb);
      const pages = store.db.pragma('page_count', { simple: true }) as number;
      store.db.pragma(`max_page_count = ${pages + 2}`);
      const runtime = createSyncRuntime(config, createSilentLogger(), { store });
      try {
        await expect(runSync(runtime)).rejects.toThrow(/full/i);
      } finally {
        store.close();
      }
      outcome = 'in-process run rejected with SQLITE_FULL (max_page_count)';
    }

    const recovered = await runCli(['sync', '--config', file]);
    expect(recovered.code, describeResult(recovered)).toBe(0);
    const objects = await expectExact(config, stateDb);
    console.info(`state db full (${mounted ? 'tmpfs filled' : 'max_page_count'}): ${outcome}; after space freed: exit 0, calendar ${objects} objects`);
  }, 60_000);
});
