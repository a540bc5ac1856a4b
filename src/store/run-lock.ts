import { hostname as readHostname } from 'node:os';
import type { Database } from 'better-sqlite3';
import { LockHeldError } from './lock-held-error.js';

export interface RunLock {
  readonly name: string;
  readonly owner: string;
  /** Proves the holder is alive; long runs call it at least every staleAfterMs. */
  heartbeat(): void;
  release(): void;
}

export interface AcquireLockOptions {
  /** Lock name; one row per name. Default 'sync'. */
  readonly name?: string;
  /** A lock whose heartbeat is older than this is taken over. Default 15 minutes. */
  readonly staleAfterMs?: number;
  readonly pid?: number;
  readonly hostname?: string;
  /** Whether a pid is running on this host; injectable for tests. */
  readonly isAlive?: (pid: number) => boolean;
}

export const DEFAULT_LOCK_STALE_MS = 15 * 60_000;

/** process.kill(pid, 0) probes without signalling; EPERM means the process exists under another user. */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

type LockRow = { name: string; owner: string; pid: number; hostname: string; acquired_at: string; heartbeat_at: string };

/**
 * Takes the named run lock in an IMMEDIATE transaction (so two processes cannot both see it free).
 * A holder whose pid is dead on this host, or whose heartbeat is older than staleAfterMs, is taken over;
 * a holder on another host can only go stale by its heartbeat, since its pid means nothing here.
 */
export function acquireRunLock(db: Database, owner: string, now: () => Date, options: AcquireLockOptions = {}): RunLock {
  const name = options.name ?? 'sync';
  const pid = options.pid ?? process.pid;
  const host = options.hostname ?? readHostname();
  const staleAfterMs = options.staleAfterMs ?? DEFAULT_LOCK_STALE_MS;
  const isAlive = options.isAlive ?? isProcessAlive;

  db.transaction(() => {
    const held = db.prepare('SELECT * FROM run_lock WHERE name = ?').get(name) as LockRow | undefined;
    if (held) {
      const deadHere = held.hostname === host && !isAlive(held.pid);
      const stale = now().getTime() - Date.parse(held.heartbeat_at) > staleAfterMs;
      if (!deadHere && !stale) throw new LockHeldError(name, held.owner, held.pid, held.hostname, held.heartbeat_at);
    }
    const stamp = now().toISOString();
    db.prepare(`INSERT INTO run_lock (name, owner, pid, hostname, acquired_at, heartbeat_at) VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, pid = excluded.pid, hostname = excluded.hostname,
      acquired_at = excluded.acquired_at, heartbeat_at = excluded.heartbeat_at`).run(name, owner, pid, host, stamp, stamp);
  }).immediate();

  const mine = 'name = ? AND pid = ? AND hostname = ? AND owner = ?';
  return {
    name,
    owner,
    heartbeat() {
      db.prepare(`UPDATE run_lock SET heartbeat_at = ? WHERE ${mine}`).run(now().toISOString(), name, pid, host, owner);
    },
    release() {
      db.prepare(`DELETE FROM run_lock WHERE ${mine}`).run(name, pid, host, owner);
    },
  };
}
