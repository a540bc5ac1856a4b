import type { Database } from 'better-sqlite3';
import type { StoredStatus } from './appointment-repository.js';

/**
 * Id-only reads over the appointments table for bulk work (a full push over 100k appointments, status):
 * no record JSON is read or parsed, so memory stays flat however large the account.
 */
export function createAppointmentIndex(db: Database) {
  const changedIds = db.prepare<[number], { id: number }>('SELECT id FROM appointments WHERE change_seq > ? ORDER BY change_seq');
  const countChanged = db.prepare<[number], { n: number }>('SELECT count(*) AS n FROM appointments WHERE change_seq > ?');
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
    /** Ids of appointments created, changed, cancelled or deleted after change `seq`, in change order. */
    listChangedIdsSince(seq: number): number[] {
      return changedIds.all(seq).map((row) => row.id);
    },
    countChangedSince(seq: number): number {
      return countChanged.get(seq)?.n ?? 0;
    },
  };
}

export type AppointmentIndex = ReturnType<typeof createAppointmentIndex>;
