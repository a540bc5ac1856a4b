import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';

/** One object a CalDAV server refused for good, as shown by status, doctor and /metrics. */
export interface CaldavQuarantineEntry {
  readonly calendarKey: string;
  readonly uid: string;
  readonly appointmentId: number;
  readonly action: string;
  /** sha256 of the refused iCalendar text: another rendering is tried again. */
  readonly hash: string;
  readonly status: number;
  /** The server's sentence (DAV:responsedescription or its own message), else its DAV:error element names. */
  readonly serverText: string;
  readonly error: string;
  readonly firstSeen: string;
  readonly lastSeen: string;
}

interface QuarantineRow {
  calendar_key: string;
  uid: string;
  appointment_id: number;
  action: string;
  content_hash: string;
  status: number;
  server_text: string;
  error: string;
  first_seen: string;
  last_seen: string;
}

const toEntry = (row: QuarantineRow): CaldavQuarantineEntry => ({
  calendarKey: row.calendar_key,
  uid: row.uid,
  appointmentId: row.appointment_id,
  action: row.action,
  hash: row.content_hash,
  status: row.status,
  serverText: row.server_text,
  error: row.error,
  firstSeen: row.first_seen,
  lastSeen: row.last_seen,
});

/** The CalDAV side's per-object quarantine (migration 050). Calendar keys are `<target>:<path>`. */
export function createCaldavQuarantineRepository(db: Database.Database, now: () => Date = () => new Date()) {
  const statements = {
    put: db.prepare(
      `INSERT INTO caldav_quarantine (calendar_key, uid, appointment_id, action, content_hash, status, server_text, error, first_seen, last_seen)
       VALUES (@calendarKey, @uid, @appointmentId, @action, @hash, @status, @serverText, @error, @now, @now)
       ON CONFLICT (calendar_key, uid) DO UPDATE SET appointment_id = excluded.appointment_id, action = excluded.action,
         content_hash = excluded.content_hash, status = excluded.status, server_text = excluded.server_text,
         error = excluded.error, last_seen = excluded.last_seen`,
    ),
    hash: db.prepare<[string, string], string>('SELECT content_hash FROM caldav_quarantine WHERE calendar_key = ? AND uid = ?').pluck(),
    release: db.prepare('DELETE FROM caldav_quarantine WHERE calendar_key = ? AND uid = ?'),
    // The journal and retry rows of caldav-state-repository: a quarantined object is settled, not failed.
    finishOutbox: db.prepare('DELETE FROM caldav_outbox WHERE id = ?'),
    clearFailure: db.prepare('DELETE FROM caldav_failures WHERE calendar_key = ? AND uid = ?'),
    byAppointment: db.prepare<[string, number], QuarantineRow>('SELECT * FROM caldav_quarantine WHERE instr(calendar_key, ?) = 1 AND appointment_id = ?'),
    byTarget: db.prepare<[string], QuarantineRow>('SELECT * FROM caldav_quarantine WHERE instr(calendar_key, ?) = 1 ORDER BY first_seen, uid'),
    all: db.prepare<[], QuarantineRow>('SELECT * FROM caldav_quarantine ORDER BY first_seen, uid'),
    count: db.prepare<[], number>('SELECT count(*) FROM caldav_quarantine').pluck(),
  };
  return {
    /** Quarantines the object and settles its journal row (outboxId) in one transaction. */
    record(entry: Omit<CaldavQuarantineEntry, 'firstSeen' | 'lastSeen'>, outboxId: number | null): void {
      db.transaction(() => {
        statements.put.run({ ...entry, now: now().toISOString() });
        statements.clearFailure.run(entry.calendarKey, entry.uid);
        if (outboxId !== null) statements.finishOutbox.run(outboxId);
      })();
    },
    /** Whether exactly this rendering of the object was refused. */
    holds(calendarKey: string, uid: string, hash: string): boolean {
      return statements.hash.get(calendarKey, uid) === hash;
    },
    release(calendarKey: string, uid: string): void {
      statements.release.run(calendarKey, uid);
    },
    /** Entries of the target's appointments whose objects are no longer wanted (deleted, filtered out) go. */
    releaseUnwanted(target: string, appointmentIds: Iterable<number>, isWanted: (calendarKey: string, uid: string) => boolean): void {
      for (const id of appointmentIds) {
        for (const row of statements.byAppointment.all(`${target}:`, id)) {
          if (!isWanted(row.calendar_key, row.uid)) statements.release.run(row.calendar_key, row.uid);
        }
      }
    },
    /** How many objects are in quarantine over all targets (a run's summary: no rows read). */
    count(): number {
      return statements.count.get() ?? 0;
    },
    list(target?: string): CaldavQuarantineEntry[] {
      return (target === undefined ? statements.all.all() : statements.byTarget.all(`${target}:`)).map(toEntry);
    },
  };
}

export type CaldavQuarantineRepository = ReturnType<typeof createCaldavQuarantineRepository>;

/**
 * The target's quarantined objects from the state database file, opened read-only (doctor changes
 * nothing); none when the file or the table does not exist yet or cannot be read, which the state check
 * reports on its own.
 */
export function readCaldavQuarantineFile(path: string, targetName: string): CaldavQuarantineEntry[] {
  if (!existsSync(path)) return [];
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    if (!db.prepare("SELECT name FROM sqlite_master WHERE name = 'caldav_quarantine'").get()) return [];
    return createCaldavQuarantineRepository(db).list(targetName);
  } catch {
    return [];
  } finally {
    db?.close();
  }
}
