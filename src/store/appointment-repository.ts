import type { Database } from 'better-sqlite3';
import type { DateTime } from 'luxon';
import type { Appointment } from '../domain/appointment.js';
import type { AppointmentRecord } from '../domain/appointment-record.js';
import { hashAppointmentRecord } from '../domain/hash-appointment-record.js';

export type StoredStatus = 'active' | 'cancelled' | 'deleted' | 'quarantined';

/** The outcome of parseAppointment for one record. */
export type ParseOutcome = { readonly ok: true; readonly appointment: Appointment } | { readonly ok: false; readonly reason: string };

/** One record as read from onOffice, with its normalised hash and what the parser made of it. */
export interface RecordUpsert {
  readonly record: AppointmentRecord;
  readonly hash: string;
  readonly outcome: ParseOutcome;
}

export interface UpsertCounts {
  created: number;
  updated: number;
  unchanged: number;
  /** Newly quarantined or changed-and-still-bad records; a bad record seen again unchanged is not counted. */
  quarantined: number;
  /** Records that left quarantine because their new version parses. */
  released: number;
}

export interface StoredAppointment {
  readonly id: number;
  readonly record: AppointmentRecord;
  readonly hash: string;
  readonly modified: string;
  readonly status: StoredStatus;
  readonly startUtc: string | null;
  readonly endUtc: string | null;
  readonly firstSeen: string;
  readonly lastSeen: string;
  readonly deletedAt: string | null;
  readonly revision: number;
  readonly changeSeq: number;
}

export interface AppointmentCounts {
  readonly active: number;
  readonly cancelled: number;
  readonly deleted: number;
  /** Records whose latest version is in quarantine (some of them still show their last good version). */
  readonly quarantined: number;
}

export interface QuarantinedRecord {
  readonly recordId: string;
  readonly reason: string;
  readonly record: unknown;
  readonly modified: string | null;
  readonly firstSeen: string;
  readonly lastSeen: string;
}

export interface AppointmentRepository {
  upsertRecords(records: Iterable<RecordUpsert>): UpsertCounts;
  get(id: number): StoredAppointment | undefined;
  /** These appointments in one query (a push group), in id order; ids the store does not hold are absent. */
  getMany(ids: readonly number[]): StoredAppointment[];
  listActive(): StoredAppointment[];
  listByStatus(...statuses: StoredStatus[]): StoredAppointment[];
  /** Appointments whose change_seq is above `seq`, in change order. */
  listChangedSince(seq: number, limit?: number): StoredAppointment[];
  /** Ids of active or cancelled appointments whose own start and end lie within [fromUtc, toUtc] (ISO). */
  listIdsWithin(fromUtc: string, toUtc: string): number[];
  /** start_dt (local wall time, as onOffice sends it) of every active or cancelled appointment, sorted. */
  listStartTimes(): string[];
  /** Marks these appointments deleted (those not deleted already); returns how many changed. */
  markDeleted(ids: Iterable<number>): number;
  /** Counts by status: reads every row's status, for status pages; a run's summary uses countQuarantined. */
  counts(): AppointmentCounts;
  /** Records in quarantine (the small quarantine table, not the appointments). */
  countQuarantined(): number;
  maxChangeSeq(): number;
  listQuarantine(): QuarantinedRecord[];
}

interface AppointmentRow {
  id: number;
  raw_json: string;
  content_hash: string;
  modified: string;
  status: StoredStatus;
  start_utc: string | null;
  end_utc: string | null;
  first_seen: string;
  last_seen: string;
  deleted_at: string | null;
  revision: number;
  change_seq: number;
}

const toStored = (row: AppointmentRow): StoredAppointment => ({
  id: row.id,
  record: JSON.parse(row.raw_json) as AppointmentRecord,
  hash: row.content_hash,
  modified: row.modified,
  status: row.status,
  startUtc: row.start_utc,
  endUtc: row.end_utc,
  firstSeen: row.first_seen,
  lastSeen: row.last_seen,
  deletedAt: row.deleted_at,
  revision: row.revision,
  changeSeq: row.change_seq,
});

/**
 * A touch in onOffice moves `modified` and nothing else. It keeps the stored record (and so DTSTAMP,
 * LAST-MODIFIED, SEQUENCE and change_seq): nothing an event shows changed, so no calendar or feed may.
 */
function isTouch(storedRawJson: string, record: AppointmentRecord): boolean {
  const stored = JSON.parse(storedRawJson) as AppointmentRecord;
  const withoutModified = (value: AppointmentRecord): AppointmentRecord => ({ ...value, elements: { ...value.elements, modified: undefined } });
  return stored.elements?.modified !== record.elements?.modified && hashAppointmentRecord(withoutModified(stored)) === hashAppointmentRecord(withoutModified(record));
}

/**
 * The instant as `toUTC().toISO()` writes it ('2026-03-29T01:30:00.000Z', expanded years as '+010000-…'),
 * the text start_utc/end_utc are compared as; Date builds it without luxon's zone and format work.
 */
function utcIso(instant: DateTime): string {
  return new Date(instant.toMillis()).toISOString();
}

/** A usable appointment id: a positive safe integer, given as number or digits. */
function readAppointmentId(id: unknown): number | null {
  const value = typeof id === 'number' ? id : typeof id === 'string' && /^\d+$/.test(id) ? Number(id) : NaN;
  return Number.isSafeInteger(value) && value > 0 ? value : null;
}

// Long on purpose: a repository factory, a list of small methods over prepared statements.
export function createAppointmentRepository(db: Database, now: () => Date): AppointmentRepository {
  const statements = {
    get: db.prepare('SELECT * FROM appointments WHERE id = ?'),
    // One statement for any number of ids: they come as one JSON array (a point read each cost 10 µs
    // of statement overhead, a second over 100,000 in a full push).
    getMany: db.prepare('SELECT * FROM appointments WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id'),
    // An upsert compares with these only: reading raw_json too made 1 kB of garbage per record read.
    getState: db.prepare('SELECT content_hash, status, revision FROM appointments WHERE id = ?'),
    getRawJson: db.prepare('SELECT raw_json FROM appointments WHERE id = ?').pluck(),
    nextSeq: db.prepare("UPDATE counters SET value = value + 1 WHERE name = 'change_seq' RETURNING value"),
    maxSeq: db.prepare("SELECT value FROM counters WHERE name = 'change_seq'"),
    setSeq: db.prepare("UPDATE counters SET value = ? WHERE name = 'change_seq'"),
    insert: db.prepare(`INSERT INTO appointments
      (id, raw_json, content_hash, modified, status, start_utc, end_utc, first_seen, last_seen, deleted_at, revision, change_seq)
      VALUES (@id, @raw_json, @content_hash, @modified, @status, @start_utc, @end_utc, @now, @now, NULL, 0, @change_seq)`),
    update: db.prepare(`UPDATE appointments SET raw_json = @raw_json, content_hash = @content_hash, modified = @modified,
      status = @status, start_utc = @start_utc, end_utc = @end_utc, last_seen = @now, deleted_at = NULL,
      revision = @revision, change_seq = @change_seq WHERE id = @id`),
    touch: db.prepare('UPDATE appointments SET last_seen = ?, modified = ? WHERE id = ?'),
    markDeleted: db.prepare(`UPDATE appointments SET status = 'deleted', deleted_at = ?, change_seq = ?
      WHERE id = ? AND status != 'deleted'`),
    isDeletable: db.prepare("SELECT 1 FROM appointments WHERE id = ? AND status != 'deleted'"),
    getQuarantine: db.prepare('SELECT content_hash FROM quarantine WHERE record_id = ?'),
    putQuarantine: db.prepare(`INSERT INTO quarantine (record_id, reason, raw_json, content_hash, modified, first_seen, last_seen)
      VALUES (@record_id, @reason, @raw_json, @content_hash, @modified, @now, @now)
      ON CONFLICT (record_id) DO UPDATE SET reason = excluded.reason, raw_json = excluded.raw_json,
        content_hash = excluded.content_hash, modified = excluded.modified, last_seen = excluded.last_seen`),
    touchQuarantine: db.prepare('UPDATE quarantine SET last_seen = ? WHERE record_id = ?'),
    releaseQuarantine: db.prepare('DELETE FROM quarantine WHERE record_id = ?'),
    counts: db.prepare("SELECT status, COUNT(*) AS n FROM appointments WHERE status != 'quarantined' GROUP BY status"),
    countQuarantine: db.prepare('SELECT COUNT(*) AS n FROM quarantine'),
    anyQuarantine: db.prepare('SELECT EXISTS (SELECT 1 FROM quarantine)').pluck(),
    listQuarantine: db.prepare('SELECT * FROM quarantine ORDER BY first_seen, record_id'),
    changedSince: db.prepare('SELECT * FROM appointments WHERE change_seq > ? ORDER BY change_seq LIMIT ?'),
    startTimes: db.prepare(`SELECT json_extract(raw_json, '$.elements.start_dt') AS s FROM appointments
      WHERE status IN ('active', 'cancelled') AND s IS NOT NULL ORDER BY s`).pluck(),
    within: db.prepare(`SELECT id FROM appointments WHERE status IN ('active', 'cancelled')
      AND start_utc >= ? AND end_utc <= ? ORDER BY id`),
  };

  const nextSeq = (): number => (statements.nextSeq.get() as { value: number }).value;
  const readSeq = (): number => (statements.maxSeq.get() as { value: number }).value;

  /**
   * What one upsertRecords call reads once and writes once instead of per record (inside its
   * transaction): the change_seq counter (an UPDATE … RETURNING per record was a tenth of a backfill's
   * store time) and whether the quarantine holds anything (a DELETE per record to release it, almost
   * always of nothing).
   */
  interface UpsertBatch {
    seq: number;
    quarantineMayHold: boolean;
  }

  function upsertOne(input: RecordUpsert, stamp: string, counts: UpsertCounts, batch: UpsertBatch): void {
    const { record, hash, outcome } = input;
    const recordId = String(record.id);
    const id = readAppointmentId(record.id);
    const modified = typeof record.elements?.modified === 'string' ? record.elements.modified : '';
    const rawJson = JSON.stringify(record);
    const existing = id === null ? undefined : (statements.getState.get(id) as Pick<AppointmentRow, 'content_hash' | 'status' | 'revision'> | undefined);

    if (!outcome.ok || id === null) {
      const reason = outcome.ok ? `unusable record id ${JSON.stringify(record.id)}` : outcome.reason;
      const previous = statements.getQuarantine.get(recordId) as { content_hash: string } | undefined;
      if (previous?.content_hash === hash) {
        statements.touchQuarantine.run(stamp, recordId);
      } else {
        statements.putQuarantine.run({ record_id: recordId, reason, raw_json: rawJson, content_hash: hash, modified, now: stamp });
        batch.quarantineMayHold = true;
        counts.quarantined++;
      }
      // A record that never parsed gets a placeholder row so change_seq consumers learn of it; one with
      // a good earlier version keeps that version live: a bad edit must not take an event off calendars.
      if (id !== null && !existing) {
        statements.insert.run({
          id, raw_json: rawJson, content_hash: hash, modified, status: 'quarantined',
          start_utc: null, end_utc: null, now: stamp, change_seq: ++batch.seq,
        });
      }
      return;
    }

    const { appointment } = outcome;
    const status: StoredStatus = appointment.cancelled ? 'cancelled' : 'active';
    const row = {
      id, raw_json: rawJson, content_hash: hash, modified, status,
      start_utc: utcIso(appointment.start), end_utc: utcIso(appointment.end), now: stamp,
    };
    if (batch.quarantineMayHold && statements.releaseQuarantine.run(recordId).changes > 0) counts.released++;
    if (!existing) {
      statements.insert.run({ ...row, change_seq: ++batch.seq });
      counts.created++;
      return;
    }
    if (existing.status === 'quarantined') {
      statements.update.run({ ...row, revision: 0, change_seq: ++batch.seq });
      counts.created++;
      return;
    }
    if (existing.status === status && (existing.content_hash === hash || isTouch(statements.getRawJson.get(id) as string, record))) {
      statements.touch.run(stamp, modified, id);
      counts.unchanged++;
      return;
    }
    const revision = existing.revision + (existing.content_hash === hash ? 0 : 1);
    statements.update.run({ ...row, revision, change_seq: ++batch.seq });
    counts.updated++;
  }

  return {
    upsertRecords(records) {
      const counts: UpsertCounts = { created: 0, updated: 0, unchanged: 0, quarantined: 0, released: 0 };
      const stamp = now().toISOString();
      db.transaction(() => {
        const seqBefore = readSeq();
        const batch: UpsertBatch = { seq: seqBefore, quarantineMayHold: statements.anyQuarantine.get() === 1 };
        for (const input of records) upsertOne(input, stamp, counts, batch);
        if (batch.seq !== seqBefore) statements.setSeq.run(batch.seq);
      })();
      return counts;
    },
    get(id) {
      const row = statements.get.get(id) as AppointmentRow | undefined;
      return row && toStored(row);
    },
    getMany(ids) {
      if (ids.length === 0) return [];
      return (statements.getMany.all(JSON.stringify(ids)) as AppointmentRow[]).map(toStored);
    },
    listActive() {
      return this.listByStatus('active');
    },
    listByStatus(...statuses) {
      if (statuses.length === 0) return [];
      const rows = db
        .prepare(`SELECT * FROM appointments WHERE status IN (${statuses.map(() => '?').join(', ')}) ORDER BY id`)
        .all(...statuses) as AppointmentRow[];
      return rows.map(toStored);
    },
    listChangedSince(seq, limit = Number.MAX_SAFE_INTEGER) {
      return (statements.changedSince.all(seq, limit) as AppointmentRow[]).map(toStored);
    },
    listIdsWithin(fromUtc, toUtc) {
      return (statements.within.all(fromUtc, toUtc) as Array<{ id: number }>).map((r) => r.id);
    },
    listStartTimes() {
      return statements.startTimes.all() as string[];
    },
    markDeleted(ids) {
      const stamp = now().toISOString();
      let changed = 0;
      db.transaction(() => {
        for (const id of ids) {
          if (!statements.isDeletable.get(id)) continue;
          changed += statements.markDeleted.run(stamp, nextSeq(), id).changes;
        }
      })();
      return changed;
    },
    counts() {
      const byStatus = new Map((statements.counts.all() as Array<{ status: string; n: number }>).map((r) => [r.status, r.n]));
      return {
        active: byStatus.get('active') ?? 0,
        cancelled: byStatus.get('cancelled') ?? 0,
        deleted: byStatus.get('deleted') ?? 0,
        quarantined: (statements.countQuarantine.get() as { n: number }).n,
      };
    },
    countQuarantined() {
      return (statements.countQuarantine.get() as { n: number }).n;
    },
    maxChangeSeq() {
      return readSeq();
    },
    listQuarantine() {
      const rows = statements.listQuarantine.all() as Array<{
        record_id: string; reason: string; raw_json: string; modified: string | null; first_seen: string; last_seen: string;
      }>;
      return rows.map((r) => ({
        recordId: r.record_id, reason: r.reason, record: JSON.parse(r.raw_json) as unknown,
        modified: r.modified || null, firstSeen: r.first_seen, lastSeen: r.last_seen,
      }));
    },
  };
}
