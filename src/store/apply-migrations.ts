import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Database } from 'better-sqlite3';
import { MigrationError } from './migration-error.js';
import { StateVersionError } from './state-version-error.js';
import { reachFailpoint } from '../failpoint/reach-failpoint.js';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly file: string;
}

export interface MigrationOutcome {
  readonly from: number;
  readonly to: number;
  readonly applied: readonly Migration[];
}

const MIGRATION_FILE = /^(\d{3})_([a-z0-9_-]+)\.sql$/i;

/**
 * Every `NNN_name.sql` in `dir`, in version order. The numbers only ever grow: a new migration is
 * numbered above every one that exists (the gaps between 004, 010, 020, 021 and 030 stay, databases
 * out there have those versions).
 */
export function readMigrations(dir: string): Migration[] {
  const migrations: Migration[] = [];
  for (const file of readdirSync(dir)) {
    const match = MIGRATION_FILE.exec(file);
    if (!match) continue;
    migrations.push({ version: Number(match[1]), name: match[2]!, file: join(dir, file) });
  }
  migrations.sort((a, b) => a.version - b.version);
  for (let i = 1; i < migrations.length; i++) {
    if (migrations[i]!.version === migrations[i - 1]!.version) {
      throw new MigrationError(migrations[i]!.file, `version ${migrations[i]!.version} is used by two files`);
    }
  }
  return migrations;
}

/** The highest applied version, 0 for a fresh database. Writes nothing (the doctor reads read-only). */
export function readSchemaVersion(db: Database): number {
  if (!db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get()) return 0;
  const row = db.prepare('SELECT MAX(version) AS version FROM schema_migrations').get() as { version: number | null };
  return row.version ?? 0;
}

/**
 * Applies the migrations not yet recorded, in order, each in its own transaction together with the row
 * that records it. A database that has seen a version newer than any file here was written by a newer
 * onoffice-sync: StateVersionError, nothing touched.
 *
 * Migrations are linear: one numbered below the highest applied version is refused (MigrationError,
 * nothing touched), since it would run after the later ones on this database but before them on a new
 * one, and the two would end up different.
 */
export function applyMigrations(db: Database, dir: string, options: { path?: string; now?: () => Date } = {}): MigrationOutcome {
  const now = options.now ?? (() => new Date());
  const migrations = readMigrations(dir);
  ensureMigrationTable(db);
  const from = readSchemaVersion(db);
  const known = migrations.at(-1)?.version ?? 0;
  if (from > known) throw new StateVersionError(options.path ?? db.name, from, known);

  const done = new Set((db.prepare('SELECT version FROM schema_migrations').all() as Array<{ version: number }>).map((r) => r.version));
  const late = migrations.find((migration) => !done.has(migration.version) && migration.version < from);
  if (late) {
    throw new MigrationError(
      late.file,
      `it is numbered ${late.version}, below version ${from} that this database already has; a new migration must be numbered above every existing one (renumber the file above ${migrations.at(-1)!.version})`,
    );
  }
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  const applied: Migration[] = [];
  for (const migration of migrations) {
    if (done.has(migration.version)) continue;
    const sql = readFileSync(migration.file, 'utf8');
    try {
      db.transaction(() => {
        db.exec(sql);
        reachFailpoint('store.migration-before-version');
        record.run(migration.version, migration.name, now().toISOString());
      }).immediate();
    } catch (error) {
      throw new MigrationError(migration.file, (error as Error).message, { cause: error });
    }
    applied.push(migration);
  }
  return { from, to: readSchemaVersion(db), applied };
}

function ensureMigrationTable(db: Database): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at TEXT NOT NULL
  )`);
}
