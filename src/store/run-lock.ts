import { existsSync } from 'node:fs';
import { hostname as readHostname } from 'node:os';
import Database from 'better-sqlite3';
import type { Database as StateDatabase } from 'better-sqlite3';
import { createPrivateFile } from './create-private-file.js';
import { LockHeldError, type LockHolder } from './lock-held-error.js';

export interface RunLock {
  readonly name: string;
  readonly owner: string;
  /** Refreshes the holder's description (shown by `status`); the lock itself needs no heartbeat. */
  heartbeat(): void;
  release(): void;
}

export interface AcquireLockOptions {
  /** Lock name; one lock file and one description row per name. Default 'sync'. */
  readonly name?: string;
  /** What the description says; the lock never trusts either. */
  readonly pid?: number;
  readonly hostname?: string;
}

/**
 * The run lock is held by the kernel, never inferred from a pid or a heartbeat: an exclusive SQLite
 * transaction (a POSIX fcntl lock underneath) on a small lock database next to the state database,
 * kept open for the run. A killed holder's locks are dropped by the kernel when it dies, whatever its
 * pid, so a container restarted with the same pid and hostname is never locked out.
 *
 * While held, the lock database cannot even be read, so who holds it is described in the state
 * database's run_lock row, written after the lock is taken. That row is only a description: a row
 * left by a killed run is overwritten by the next holder, and a lock taken but not yet described
 * reads as "not described yet".
 */
export interface RunLockFiles {
  acquire(stateDb: StateDatabase, owner: string, now: () => Date, options?: AcquireLockOptions): RunLock;
  /** The holder of a held lock, or null when the lock is free (a left-over description does not count). */
  readHolder(stateDb: StateDatabase, name?: string): LockHolder | null;
  /** Releases every lock this store still holds (closing the store). */
  releaseAll(): void;
}

/**
 * How long acquiring waits for a `status` that is only probing the lock (it holds the lock file for a
 * moment); a real holder keeps it much longer, and then the answer is LockHeldError.
 */
const ACQUIRE_WAIT_MS = 500;

type LockRow = { name: string; owner: string; pid: number; hostname: string; acquired_at: string; heartbeat_at: string };

/**
 * The run_lock statements, prepared once per state database: a daemon on a 1 s schedule takes the lock
 * every second, and each statement prepared anew holds native memory (its sqlite3_stmt) until V8 happens to
 * collect its wrapper, which it cannot see.
 */
const lockStatements = new WeakMap<StateDatabase, ReturnType<typeof prepareLockStatements>>();

function prepareLockStatements(stateDb: StateDatabase) {
  return {
    read: stateDb.prepare<[string], LockRow>('SELECT * FROM run_lock WHERE name = ?'),
    describe: stateDb.prepare(
      `INSERT INTO run_lock (name, owner, pid, hostname, acquired_at, heartbeat_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, pid = excluded.pid, hostname = excluded.hostname,
       acquired_at = excluded.acquired_at, heartbeat_at = excluded.heartbeat_at`,
    ),
    forget: stateDb.prepare('DELETE FROM run_lock WHERE name = ? AND owner = ? AND pid = ?'),
    heartbeat: stateDb.prepare('UPDATE run_lock SET heartbeat_at = ? WHERE name = ? AND owner = ? AND pid = ?'),
  };
}

function statementsOf(stateDb: StateDatabase): ReturnType<typeof prepareLockStatements> {
  let statements = lockStatements.get(stateDb);
  if (!statements) lockStatements.set(stateDb, (statements = prepareLockStatements(stateDb)));
  return statements;
}

/**
 * `statePath` ':memory:' or '' (a private temporary database) has no file to lock next to it: such a
 * store can only be used by this process, so the lock is kept in memory.
 */
// Long on purpose: a factory whose body is a list of small methods over one lock file.
export function createRunLockFiles(statePath: string): RunLockFiles {
  const inMemory = statePath === ':memory:' || statePath === '';
  const held = new Map<string, { release(): void }>();

  function lockPath(name: string): string {
    return name === 'sync' ? `${statePath}.lock` : `${statePath}.${name}.lock`;
  }

  /** The kernel lock itself: a connection in an exclusive transaction, or null when another holds it. */
  function take(name: string): { release(): void } | null {
    if (inMemory) {
      if (held.has(name)) return null;
      return { release: () => undefined };
    }
    const path = lockPath(name);
    createPrivateFile(path);
    const connection = new Database(path);
    try {
      connection.pragma(`busy_timeout = ${ACQUIRE_WAIT_MS}`);
      connection.exec('BEGIN EXCLUSIVE');
    } catch (error) {
      connection.close();
      if ((error as { code?: string }).code === 'SQLITE_BUSY') return null;
      throw error;
    }
    return {
      release() {
        connection.close();
      },
    };
  }

  function readRow(stateDb: StateDatabase, name: string): LockHolder | null {
    const row = statementsOf(stateDb).read.get(name);
    return row ? { owner: row.owner, pid: row.pid, hostname: row.hostname, since: row.acquired_at, heartbeatAt: row.heartbeat_at } : null;
  }

  return {
    acquire(stateDb, owner, now, options = {}) {
      const name = options.name ?? 'sync';
      const pid = options.pid ?? process.pid;
      const host = options.hostname ?? readHostname();
      const kernelLock = take(name);
      if (!kernelLock) throw new LockHeldError(name, readRow(stateDb, name));
      try {
        const stamp = now().toISOString();
        statementsOf(stateDb).describe.run(name, owner, pid, host, stamp, stamp);
      } catch (error) {
        kernelLock.release();
        throw error;
      }
      let released = false;
      const release = (): void => {
        if (released) return;
        released = true;
        held.delete(name);
        try {
          statementsOf(stateDb).forget.run(name, owner, pid);
        } finally {
          // The description may not go (a read-only database); the lock always does.
          kernelLock.release();
        }
      };
      held.set(name, { release });
      return {
        name,
        owner,
        heartbeat() {
          if (!released) statementsOf(stateDb).heartbeat.run(now().toISOString(), name, owner, pid);
        },
        release,
      };
    },
    readHolder(stateDb, name = 'sync') {
      if (inMemory) return held.has(name) ? readRow(stateDb, name) ?? undescribed() : null;
      return isHeld(lockPath(name)) ? readRow(stateDb, name) ?? undescribed() : null;
    },
    releaseAll() {
      for (const lock of [...held.values()]) {
        try {
          lock.release();
        } catch {
          // Closing anyway: the kernel lock is gone with the connection, only the description may stay.
        }
      }
    },
  };
}

/**
 * Asks the kernel with a read (a shared lock for a moment), which an exclusive holder refuses; it also
 * works on a read-only file. A run starting in that moment waits ACQUIRE_WAIT_MS rather than failing.
 * No lock file means no run ever took the lock here.
 */
function isHeld(path: string): boolean {
  if (!existsSync(path)) return false;
  const connection = new Database(path, { readonly: true, fileMustExist: true });
  try {
    connection.pragma('busy_timeout = 0');
    connection.prepare('SELECT count(*) FROM sqlite_master').get();
    return false;
  } catch (error) {
    if ((error as { code?: string }).code === 'SQLITE_BUSY') return true;
    throw error;
  } finally {
    connection.close();
  }
}

function undescribed(): LockHolder {
  return { owner: 'a run that has not described itself yet', pid: null, hostname: null, since: null, heartbeatAt: null };
}
