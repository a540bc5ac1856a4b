import { hashAppointmentRecord } from '../../src/domain/hash-appointment-record.js';
import Database from 'better-sqlite3';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import { afterEach, describe, expect, it } from 'vitest';
import type { Appointment } from '../../src/domain/appointment.js';
import type { AppointmentRecord } from '../../src/domain/appointment-record.js';
import { DEFAULT_MIGRATIONS_DIR, openStateStore } from '../../src/store/open-state-store.js';
import { StateVersionError } from '../../src/store/state-version-error.js';
import type { RecordUpsert } from '../../src/store/appointment-repository.js';

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));
const tempDir = (): string => (dir = mkdtempSync(join(tmpdir(), 'oos-store-')));

const highestMigration = Math.max(...readdirSync(DEFAULT_MIGRATIONS_DIR).filter((f) => /^\d{3}_/.test(f)).map((f) => Number(f.slice(0, 3))));

function upsert(id: number, hash: string, options: { cancelled?: boolean; bad?: string } = {}): RecordUpsert {
  const record: AppointmentRecord = { id, type: 'calendar', elements: { start_dt: '2026-11-03 09:00:00', modified: '2026-11-01 10:00:00' } };
  const start = DateTime.fromISO('2026-11-03T09:00:00', { zone: 'Europe/Berlin' });
  const appointment = { id, start, end: start.plus({ hours: 1 }), cancelled: options.cancelled ?? false } as unknown as Appointment;
  return { record, hash, outcome: options.bad ? { ok: false, reason: options.bad } : { ok: true, appointment } };
}

describe('migrations', () => {
  it('bring a fresh database to the newest version, and a second open applies nothing', () => {
    const path = join(tempDir(), 'state.db');
    const store = openStateStore(path);
    expect(store.migrations).toMatchObject({ from: 0, to: highestMigration });
    expect(store.migrations.applied.map((m) => m.version).slice(0, 4)).toEqual([1, 2, 3, 4]);
    store.close();
    const again = openStateStore(path);
    expect(again.migrations).toMatchObject({ from: highestMigration, to: highestMigration, applied: [] });
    again.close();
  });

  it('refuse a database written by a newer onoffice-sync', () => {
    const path = join(tempDir(), 'state.db');
    const store = openStateStore(path);
    store.db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 'x')").run();
    store.close();
    expect(() => openStateStore(path)).toThrow(StateVersionError);
    expect(() => openStateStore(path)).toThrow(`state database is at version 999, this onoffice-sync knows ${highestMigration}: upgrade onoffice-sync or point STATE_DB elsewhere`);
  });

  it('roll a failing migration back and keep the earlier ones', () => {
    const migrations = join(tempDir(), 'migrations');
    mkdirSync(migrations);
    copyFileSync(join(DEFAULT_MIGRATIONS_DIR, '001_appointments.sql'), join(migrations, '001_appointments.sql'));
    writeFileSync(join(migrations, '002_broken.sql'), 'CREATE TABLE half (x INTEGER);\nSELECT * FROM no_such_table;');
    const path = join(dir, 'state.db');
    expect(() => openStateStore(path, { migrationsDir: migrations })).toThrow(/002_broken\.sql failed/);
    const db = new Database(path, { readonly: true });
    expect(db.prepare('SELECT version FROM schema_migrations').pluck().all()).toEqual([1]);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'half'").all()).toEqual([]);
    db.close();
  });
});

describe('appointments', () => {
  it('take a touch (only modified moved) as no change: same record, revision and change_seq', () => {
    const store = openStateStore(':memory:');
    const repo = store.appointments;
    const record = (modified: string, description: string): RecordUpsert => {
      const base = upsert(1, '');
      const next: AppointmentRecord = { ...base.record, elements: { ...base.record.elements, modified, description } };
      return { ...base, record: next, hash: hashAppointmentRecord(next) };
    };
    repo.upsertRecords([record('2026-11-01 10:00:00', 'Besichtigung')]);
    expect(repo.upsertRecords([record('2026-11-02 10:00:00', 'Besichtigung')])).toMatchObject({ unchanged: 1, updated: 0 });
    expect(repo.get(1)).toMatchObject({ revision: 0, changeSeq: 1 });
    expect(repo.get(1)!.record.elements.modified).toBe('2026-11-01 10:00:00');
    expect(repo.upsertRecords([record('2026-11-03 10:00:00', 'Besichtigung, neu')])).toMatchObject({ updated: 1 });
    expect(repo.get(1)).toMatchObject({ revision: 1, changeSeq: 2 });
    store.close();
  });

  it('count revisions on content changes and change_seq on every change', () => {
    const store = openStateStore(':memory:');
    const repo = store.appointments;
    expect(repo.upsertRecords([upsert(1, 'a'), upsert(2, 'b')])).toMatchObject({ created: 2 });
    expect(repo.upsertRecords([upsert(1, 'a')])).toMatchObject({ unchanged: 1, updated: 0 });
    expect(repo.get(1)).toMatchObject({ revision: 0, changeSeq: 1, status: 'active' });
    expect(repo.upsertRecords([upsert(1, 'a2', { cancelled: true })])).toMatchObject({ updated: 1 });
    expect(repo.get(1)).toMatchObject({ revision: 1, changeSeq: 3, status: 'cancelled' });
    expect(repo.markDeleted([2, 2, 99])).toBe(1);
    expect(repo.get(2)).toMatchObject({ status: 'deleted', changeSeq: 4 });
    expect(repo.listChangedSince(2).map((a) => a.id)).toEqual([1, 2]);
    expect(repo.counts()).toEqual({ active: 0, cancelled: 1, deleted: 1, quarantined: 0 });
    expect(repo.maxChangeSeq()).toBe(4);
    store.close();
  });

  it('keep the last good version live while a newer version sits in quarantine', () => {
    const store = openStateStore(':memory:');
    const repo = store.appointments;
    repo.upsertRecords([upsert(1, 'good')]);
    expect(repo.upsertRecords([upsert(1, 'bad', { bad: 'start_dt unreadable' })])).toMatchObject({ quarantined: 1 });
    expect(repo.upsertRecords([upsert(1, 'bad', { bad: 'start_dt unreadable' })])).toMatchObject({ quarantined: 0 });
    expect(repo.get(1)).toMatchObject({ status: 'active', hash: 'good', changeSeq: 1 });
    expect(repo.listQuarantine()).toMatchObject([{ recordId: '1', reason: 'start_dt unreadable' }]);
    expect(repo.upsertRecords([upsert(1, 'fixed')])).toMatchObject({ released: 1, updated: 1 });
    expect(repo.counts().quarantined).toBe(0);
    store.close();
  });
});
