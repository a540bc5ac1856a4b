import type { Database } from 'better-sqlite3';
import type { StoredStatus } from './appointment-repository.js';

/**
 * Id-only reads over the appointments table for bulk work (a full push over 100k appointments, status):
 * no record JSON is read or parsed, so memory stays flat however large the account.
 */
export function createAppointmentIndex(db: Database) {
  const countChanged = db.prepare<[number], { n: number }>('SELECT count(*) AS n FROM appointments WHERE change_seq > ?');
  const countChangedUpTo = db.prepare<[number, number], number>('SELECT count(*) FROM appointments WHERE change_seq > ? AND change_seq <= ?').pluck();
  const changeSeq = db.prepare<[number], number>('SELECT change_seq FROM appointments WHERE id = ?').pluck();
  const changedAfter = db.prepare<[number, number], { id: number; change_seq: number }>('SELECT id, change_seq FROM appointments WHERE change_seq > ? ORDER BY change_seq LIMIT ?');
  const liveIdsAfter = db.prepare<[number, number], number>("SELECT id FROM appointments WHERE id > ? AND status IN ('active', 'cancelled') ORDER BY id LIMIT ?").pluck();
  const revision = db.prepare<[number], number>('SELECT revision FROM appointments WHERE id = ?').pluck();
  const maxSeq = db.prepare<[], number>("SELECT value FROM counters WHERE name = 'change_seq'").pluck();
  return {
    /** The highest change sequence number handed out so far. */
    maxChangeSeq(): number {
      return maxSeq.get() ?? 0;
    },
    /** Ids with one of these statuses, ascending. */
    listIds(...statuses: StoredStatus[]): number[] {
      if (statuses.length === 0) return [];
      const rows = db.prepare(`SELECT id FROM appointments WHERE status IN (${statuses.map(() => '?').join(', ')}) ORDER BY id`).all(...statuses) as Array<{ id: number }>;
      return rows.map((row) => row.id);
    },
    /** A page of the changes after `seq`: up to `limit` ids with their change_seq, in change order. */
    listChangedAfter(seq: number, limit: number): Array<{ id: number; changeSeq: number }> {
      return changedAfter.all(seq, limit).map((row) => ({ id: row.id, changeSeq: row.change_seq }));
    },
    /** A page of the active or cancelled ids above `after`, ascending (keyset paging by the primary key). */
    listLiveIdsAfter(after: number, limit: number): number[] {
      return liveIdsAfter.all(after, limit);
    },
    /** The appointment's revision (iCalendar SEQUENCE) without reading its record; 0 when unknown. */
    readRevision(id: number): number {
      return revision.get(id) ?? 0;
    },
    /** Appointments changed after `after` up to and with `upTo` (by the change_seq index). */
    countChangedBetween(after: number, upTo: number): number {
      return countChangedUpTo.get(after, upTo) ?? 0;
    },
    /** The appointment's change_seq, null when there is no such row. */
    readChangeSeq(id: number): number | null {
      return changeSeq.get(id) ?? null;
    },
    countChangedSince(seq: number): number {
      return countChanged.get(seq)?.n ?? 0;
    },
  };
}

export type AppointmentIndex = ReturnType<typeof createAppointmentIndex>;
