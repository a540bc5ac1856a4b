import Database from 'better-sqlite3';
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { applyMigrations, readSchemaVersion } from '../../src/store/apply-migrations.js';
import { MigrationError } from '../../src/store/migration-error.js';

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const tables = (db: Database.Database): string[] =>
  (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 't%' ORDER BY name").all() as Array<{ name: string }>).map((row) => row.name);

describe('migrations are linear', () => {
  it('refuse a pending migration numbered below the highest applied, and apply one numbered above it', () => {
    dir = mkdtempSync(join(tmpdir(), 'oos-migrations-'));
    const migrations = join(dir, 'migrations');
    const write = (file: string, table: string): void => {
      mkdirSync(migrations, { recursive: true });
      writeFileSync(join(migrations, file), `CREATE TABLE ${table} (id INTEGER PRIMARY KEY);\n`);
    };
    write('001_one.sql', 't1');
    write('030_thirty.sql', 't30');
    const db = new Database(join(dir, 'state.db'));
    try {
      expect(applyMigrations(db, migrations).applied.map((migration) => migration.version)).toEqual([1, 30]);

      // Numbered into a gap below 030: on this database it would run after 030, on a new one before it.
      write('005_late.sql', 't5');
      const refused = (() => {
        try {
          applyMigrations(db, migrations);
          return null;
        } catch (error) {
          return error;
        }
      })();
      expect(refused).toBeInstanceOf(MigrationError);
      expect((refused as MigrationError).file).toBe(join(migrations, '005_late.sql'));
      expect((refused as MigrationError).message).toMatch(/numbered 5, below version 30 .*renumber the file above 30/);
      expect(tables(db)).toEqual(['t1', 't30']);
      expect(readSchemaVersion(db)).toBe(30);

      unlinkSync(join(migrations, '005_late.sql'));
      write('031_next.sql', 't31');
      expect(applyMigrations(db, migrations)).toMatchObject({ from: 30, to: 31 });
      expect(tables(db)).toEqual(['t1', 't30', 't31']);
    } finally {
      db.close();
    }
  });

  it('reads the version of a database without creating anything in it', () => {
    dir = mkdtempSync(join(tmpdir(), 'oos-migrations-'));
    const db = new Database(join(dir, 'state.db'));
    try {
      expect(readSchemaVersion(db)).toBe(0);
      expect(db.prepare('SELECT count(*) AS n FROM sqlite_master').get()).toEqual({ n: 0 });
    } finally {
      db.close();
    }
  });
});

