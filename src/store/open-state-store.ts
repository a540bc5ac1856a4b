import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import type { Logger } from '../log/create-logger.js';
import { applyMigrations, type MigrationOutcome } from './apply-migrations.js';
import { createAppointmentRepository, type AppointmentRepository } from './appointment-repository.js';
import { createPrivateFile } from './create-private-file.js';
import { StateDatabaseError } from './state-database-error.js';
import type { LockHolder } from './lock-held-error.js';
import { createRunLockFiles, type AcquireLockOptions, type RunLock } from './run-lock.js';
import { createCursorRepository, createRunRepository, type CursorRepository, type RunRepository } from './run-repository.js';

export interface StateStore {
  /** The open database, for other parts' repositories (their tables come from their own migrations). */
  readonly db: Database.Database;
  readonly path: string;
  readonly migrations: MigrationOutcome;
  readonly appointments: AppointmentRepository;
  readonly cursors: CursorRepository;
  readonly runs: RunRepository;
  /** Runs fn in one transaction (nested calls become savepoints). */
  transaction<T>(fn: () => T): T;
  acquireLock(owner: string, options?: AcquireLockOptions): RunLock;
  releaseLock(lock: RunLock): void;
  /** Who holds the named run lock now (default 'sync'), or null when it is free. */
  readLockHolder(name?: string): LockHolder | null;
  close(): void;
}

export interface OpenStateStoreOptions {
  readonly logger?: Logger;
  readonly now?: () => Date;
  readonly migrationsDir?: string;
}

/** Relative to this module, so it resolves the same from src/ (vitest) and dist/. */
export const DEFAULT_MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));

/**
 * Opens (creating if needed) the state database, brings its schema up to date and returns the typed
 * repositories. WAL lets the feed server read while a sync writes; busy_timeout makes a second
 * process wait for the writer instead of failing with SQLITE_BUSY at once.
 */
export function openStateStore(path: string, options: OpenStateStoreOptions = {}): StateStore {
  const now = options.now ?? (() => new Date());
  if (path !== ':memory:' && path !== '') createPrivateFile(path);
  let db: Database.Database;
  try {
    db = new Database(path);
  } catch (error) {
    throw StateDatabaseError.wrap(error, path);
  }
  const locks = createRunLockFiles(path);
  let migrations: MigrationOutcome;
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('busy_timeout = 5000');
    db.pragma('synchronous = NORMAL');
    // better-sqlite3 builds SQLite with a 16 MB page cache per connection; a backfill of 100k rows
    // filled it (a third of the poller's native memory) and ran no faster than with 4 MB.
    db.pragma('cache_size = -4000');
    db.pragma('foreign_keys = ON');
    migrations = applyMigrations(db, options.migrationsDir ?? DEFAULT_MIGRATIONS_DIR, { path, now });
  } catch (error) {
    db.close();
    // A damaged, read-only or unreadable file reads the same for every command: the path and the fix.
    throw StateDatabaseError.wrap(error, path);
  }
  if (migrations.applied.length > 0) {
    options.logger?.child({ module: 'store' }).info(
      { path, from: migrations.from, to: migrations.to, applied: migrations.applied.map((m) => `${String(m.version).padStart(3, '0')}_${m.name}`) },
      'state database migrated',
    );
  }
  return {
    db,
    path,
    migrations,
    appointments: createAppointmentRepository(db, now),
    cursors: createCursorRepository(db, now),
    runs: createRunRepository(db, now),
    transaction: (fn) => db.transaction(fn)(),
    acquireLock: (owner, lockOptions) => locks.acquire(db, owner, now, lockOptions),
    releaseLock: (lock) => lock.release(),
    readLockHolder: (name) => locks.readHolder(db, name),
    close: () => {
      locks.releaseAll();
      db.close();
    },
  };
}
