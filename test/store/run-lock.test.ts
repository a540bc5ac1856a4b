import Database from 'better-sqlite3';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/start-emulator.js';
import { LockHeldError } from '../../src/store/lock-held-error.js';
import { openStateStore } from '../../src/store/open-state-store.js';
import { describeResult, runCli, spawnCli, writeConfigFile } from '../faults/fault-harness.js';
import { createTempDir } from '../support/sync-fixture.js';

let temp: ReturnType<typeof createTempDir>;
beforeAll(() => {
  temp = createTempDir('oos-run-lock-');
});
afterAll(() => temp.remove());

describe('run lock held by the kernel', () => {
  it('excludes a second store on the same file and names the holder, which a reader can see', () => {
    const path = join(temp.dir, 'two.db');
    const first = openStateStore(path);
    const second = openStateStore(path);
    try {
      const lock = first.acquireLock('daemon pid 4242', { pid: 4242, hostname: 'box' });
      expect(() => second.acquireLock('sync')).toThrow(LockHeldError);
      expect(() => second.acquireLock('sync')).toThrow(/daemon pid 4242 \(pid 4242 on box, since /);
      expect(second.readLockHolder()).toMatchObject({ owner: 'daemon pid 4242', pid: 4242, hostname: 'box' });
      lock.release();
      expect(second.readLockHolder()).toBeNull();
      expect(second.acquireLock('sync').owner).toBe('sync');
    } finally {
      first.close();
      second.close();
    }
  });

  it('is not blocked by a description left with this very pid and host (a restarted container)', () => {
    const path = join(temp.dir, 'container.db');
    openStateStore(path).close();
    const raw = new Database(path);
    const stamp = new Date().toISOString();
    raw.prepare('INSERT INTO run_lock (name, owner, pid, hostname, acquired_at, heartbeat_at) VALUES (?, ?, ?, ?, ?, ?)').run('sync', 'daemon before the OOM kill', process.pid, hostname(), stamp, stamp);
    raw.close();
    const store = openStateStore(path);
    try {
      expect(store.readLockHolder()).toBeNull();
      expect(store.acquireLock('daemon after the restart').owner).toBe('daemon after the restart');
      expect(store.readLockHolder()).toMatchObject({ owner: 'daemon after the restart', pid: process.pid });
    } finally {
      store.close();
    }
  });

  it('is released when its store closes', () => {
    const path = join(temp.dir, 'close.db');
    const first = openStateStore(path);
    first.acquireLock('one');
    first.close();
    const second = openStateStore(path);
    expect(second.acquireLock('two').owner).toBe('two');
    second.close();
  });
});

describe('run lock across real processes', () => {
  let emulator: Emulator;
  let hanging: Server;
  let hangingUrl: string;

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, seed: 13 });
    // An onOffice that accepts and never answers: a sync holds the lock while it waits.
    hanging = createServer(() => undefined);
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    hangingUrl = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}/api/stable/api.php`;
  });

  afterAll(async () => {
    hanging.closeAllConnections();
    await new Promise<void>((resolve) => hanging.close(() => resolve()));
    await emulator.close();
  });

  it('two live runs exclude each other (exit 3); after kill -9 of the holder the next run succeeds at once', async () => {
    const stateDb = join(temp.dir, 'cli.db');
    const raw = (url: string) => ({
      stateDb,
      logLevel: 'warn',
      onoffice: { url, token: emulator.token, secret: emulator.secret, retries: 0, timeoutMs: 600_000 },
      poll: { lagSeconds: 0 },
    });
    const stuck = writeConfigFile(temp.dir, raw(hangingUrl), 'stuck.yaml');
    const working = writeConfigFile(temp.dir, raw(emulator.url), 'working.yaml');

    const holder = spawnCli(['sync', '--config', stuck.file]);
    const holderPid = holder.child.pid!;
    let exited = false;
    void holder.result.then(() => (exited = true));
    const store = openStateStore(stateDb);
    try {
      // Waits for the event "the child holds the lock"; the limit only guards against a hang.
      for (let attempt = 0; store.readLockHolder()?.pid !== holderPid; attempt++) {
        expect(exited, 'the holding sync exited early').toBe(false);
        expect(attempt).toBeLessThan(1200);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    } finally {
      store.close();
    }

    const second = await runCli(['sync', '--config', working.file]);
    expect(second.code, describeResult(second)).toBe(3);
    expect(second.stderr).toContain(`pid ${holderPid} on`);
    const status = await runCli(['status', '--config', working.file]);
    expect(status.code, describeResult(status)).toBe(0);
    expect(status.stdout).toMatch(new RegExp(`running now +incremental pid ${holderPid} on `));

    holder.child.kill('SIGKILL');
    expect((await holder.result).signal).toBe('SIGKILL');
    const next = await runCli(['sync', '--config', working.file]);
    expect(next.code, describeResult(next)).toBe(0);
    expect((await runCli(['status', '--config', working.file])).stdout).not.toMatch(/run lock/);
  });
});
