import type { Database } from 'better-sqlite3';
import type { KnownObject } from '../domain/known-object.js';
import type { CtagState } from '../domain/trust-ctag.js';

export interface OutboxEntry {
  readonly id: number;
  readonly calendarKey: string;
  readonly uid: string;
  readonly appointmentId: number;
  readonly action: string;
  readonly href: string;
  readonly startedAt: string;
}

export interface FailureEntry {
  readonly calendarKey: string;
  readonly uid: string;
  readonly appointmentId: number;
  readonly action: string;
  readonly error: string;
  readonly attempts: number;
  readonly lastAttempt: string;
}

export interface CalendarRow {
  readonly calendarKey: string;
  readonly url: string;
  readonly displayName: string;
  readonly syncToken: string | null;
  /** The getctag the last complete read of the changes left (domain/trust-ctag.ts), if the server has one. */
  readonly ctag: CtagState | null;
  /** When the server last confirmed the stored state (ms since the epoch; domain/may-skip-calendar-check.ts). */
  readonly checkedAt: number | null;
}

interface KnownRow {
  calendar_key: string;
  uid: string;
  href: string;
  etag: string | null;
  content_hash: string;
  appointment_id: number;
}

const toKnown = (row: KnownRow): KnownObject => ({
  calendarKey: row.calendar_key,
  uid: row.uid,
  href: row.href,
  etag: row.etag,
  hash: row.content_hash,
  appointmentId: row.appointment_id,
});

/** What we know about the CalDAV side: objects written, calendars, push cursors, failures, journal. */
// Long on purpose: a repository factory, a list of small methods over prepared statements.
export function createCaldavStateRepository(db: Database, now: () => Date = () => new Date()) {
  const stamp = (): string => now().toISOString();
  // A target's calendar keys are "<target>:<path>": every key in [target + ':', target + ';') and no
  // other, a range the primary keys and indexes answer (instr() on the key read the whole table).
  const range = (target: string): { lo: string; hi: string } => ({ lo: `${target}:`, hi: `${target};` });
  const IN_TARGET = 'calendar_key >= @lo AND calendar_key < @hi';

  const statements = {
    knownByTarget: db.prepare<[{ lo: string; hi: string }], KnownRow>(`SELECT * FROM caldav_objects WHERE ${IN_TARGET}`),
    // The ids as one JSON array: one statement per push group instead of one per appointment.
    knownByAppointments: db.prepare<[{ lo: string; hi: string; ids: string }], KnownRow>(
      `SELECT * FROM caldav_objects WHERE appointment_id IN (SELECT value FROM json_each(@ids)) AND ${IN_TARGET} ORDER BY appointment_id, calendar_key, uid`,
    ),
    knownByUid: db.prepare<[string, string], KnownRow>('SELECT * FROM caldav_objects WHERE calendar_key = ? AND uid = ?'),
    knownByHref: db.prepare<[string, string], KnownRow>('SELECT * FROM caldav_objects WHERE calendar_key = ? AND href = ?'),
    knownInCalendarAfter: db.prepare<[string, string, number], KnownRow>('SELECT * FROM caldav_objects WHERE calendar_key = ? AND uid > ? ORDER BY uid LIMIT ?'),
    knownIdsAfter: db.prepare<[{ lo: string; hi: string; after: number; limit: number }], number>(
      `SELECT DISTINCT appointment_id FROM caldav_objects WHERE ${IN_TARGET} AND appointment_id > @after ORDER BY appointment_id LIMIT @limit`,
    ).pluck(),
    upsertObject: db.prepare(
      `INSERT INTO caldav_objects (calendar_key, uid, appointment_id, href, etag, content_hash, written_at)
       VALUES (@calendarKey, @uid, @appointmentId, @href, @etag, @hash, @writtenAt)
       ON CONFLICT (calendar_key, uid) DO UPDATE SET appointment_id = excluded.appointment_id, href = excluded.href,
         etag = excluded.etag, content_hash = excluded.content_hash, written_at = excluded.written_at`,
    ),
    deleteObject: db.prepare('DELETE FROM caldav_objects WHERE calendar_key = ? AND uid = ?'),
    countPushScope: db.prepare<[{ lo: string; hi: string }], number>(
      `SELECT count(*) FROM (SELECT id FROM appointments WHERE status IN ('active', 'cancelled')
       UNION SELECT appointment_id FROM caldav_objects WHERE ${IN_TARGET})`,
    ).pluck(),
    countInCalendar: db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM caldav_objects WHERE calendar_key = ?'),
    countObjects: db.prepare<[{ lo: string; hi: string }], { n: number }>(`SELECT count(*) AS n FROM caldav_objects WHERE ${IN_TARGET}`),
    pushedSeq: db.prepare<[string], { pushed_seq: number; config_hash: string }>('SELECT pushed_seq, config_hash FROM caldav_targets WHERE target = ?'),
    setPushedSeq: db.prepare(
      `INSERT INTO caldav_targets (target, pushed_seq, config_hash) VALUES (?, ?, ?)
       ON CONFLICT (target) DO UPDATE SET pushed_seq = excluded.pushed_seq, config_hash = excluded.config_hash`,
    ),
    failures: db.prepare<[{ lo: string; hi: string }], Record<string, unknown>>(`SELECT * FROM caldav_failures WHERE ${IN_TARGET} ORDER BY last_attempt`),
    recordFailure: db.prepare(
      `INSERT INTO caldav_failures (calendar_key, uid, appointment_id, action, error, attempts, last_attempt)
       VALUES (@calendarKey, @uid, @appointmentId, @action, @error, 1, @lastAttempt)
       ON CONFLICT (calendar_key, uid) DO UPDATE SET action = excluded.action, error = excluded.error,
         attempts = caldav_failures.attempts + 1, last_attempt = excluded.last_attempt`,
    ),
    clearFailure: db.prepare('DELETE FROM caldav_failures WHERE calendar_key = ? AND uid = ?'),
    beginOutbox: db.prepare(
      'INSERT INTO caldav_outbox (calendar_key, uid, appointment_id, action, href, started_at) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    finishOutbox: db.prepare('DELETE FROM caldav_outbox WHERE id = ?'),
    pendingOutbox: db.prepare<[{ lo: string; hi: string }], Record<string, unknown>>(`SELECT * FROM caldav_outbox WHERE ${IN_TARGET} ORDER BY id`),
    clearOutboxFor: db.prepare('DELETE FROM caldav_outbox WHERE calendar_key = ? AND uid = ?'),
    calendar: db.prepare<
      [string],
      {
        calendar_key: string;
        url: string;
        display_name: string;
        sync_token: string | null;
        ctag: string | null;
        ctag_seen_at: number | null;
        ctag_read_at: number | null;
        checked_at: number | null;
      }
    >(
      'SELECT * FROM caldav_calendars WHERE calendar_key = ?',
    ),
    saveCalendar: db.prepare(
      `INSERT INTO caldav_calendars (calendar_key, url, display_name, sync_token) VALUES (?, ?, ?, NULL)
       ON CONFLICT (calendar_key) DO UPDATE SET url = excluded.url, display_name = excluded.display_name,
         ctag = CASE WHEN url = excluded.url THEN ctag END, checked_at = CASE WHEN url = excluded.url THEN checked_at END`,
    ),
    setSyncToken: db.prepare('UPDATE caldav_calendars SET sync_token = ? WHERE calendar_key = ?'),
    setSyncState: db.prepare<[string | null, string | null, number | null, number | null, number | null, string]>(
      'UPDATE caldav_calendars SET sync_token = ?, ctag = ?, ctag_seen_at = ?, ctag_read_at = ?, checked_at = ? WHERE calendar_key = ?',
    ),
    setCheckedAt: db.prepare<[number, string]>('UPDATE caldav_calendars SET checked_at = ? WHERE calendar_key = ?'),
  };

  return {
    /** Every object of the target: for tests and small targets; the push reads by appointment or href. */
    listKnown(target: string): KnownObject[] {
      return statements.knownByTarget.all(range(target)).map(toKnown);
    },
    /** The target's objects of these appointments, in one query, ordered by appointment, calendar and UID. */
    listKnownFor(target: string, appointmentIds: Iterable<number>): KnownObject[] {
      const ids = [...appointmentIds];
      if (ids.length === 0) return [];
      return statements.knownByAppointments.all({ ...range(target), ids: JSON.stringify(ids) }).map(toKnown);
    },
    findKnown(calendarKey: string, uid: string): KnownObject | undefined {
      const row = statements.knownByUid.get(calendarKey, uid);
      return row && toKnown(row);
    },
    /** The object recorded at this (normalised) href of the calendar, if any. */
    findKnownByHref(calendarKey: string, href: string): KnownObject | undefined {
      const row = statements.knownByHref.get(calendarKey, href);
      return row && toKnown(row);
    },
    /** The calendar's objects a page at a time (by UID), so a whole listing is compared without a whole-calendar array. */
    *iterateKnownInCalendar(calendarKey: string, pageSize = 1000): Generator<KnownObject> {
      let after = '';
      for (;;) {
        const page = statements.knownInCalendarAfter.all(calendarKey, after, pageSize);
        for (const row of page) yield toKnown(row);
        if (page.length < pageSize) return;
        after = page[page.length - 1]!.uid;
      }
    },
    /** Up to `limit` ids above `after`, ascending, of appointments with an object in the target. */
    listKnownAppointmentIdsAfter(target: string, after: number, limit: number): number[] {
      return statements.knownIdsAfter.all({ ...range(target), after, limit });
    },
    /** How many appointments a full push covers: the live ones and those with an object in the target. */
    countPushScope(target: string): number {
      return statements.countPushScope.get(range(target)) ?? 0;
    },
    countKnownInCalendar(calendarKey: string): number {
      return statements.countInCalendar.get(calendarKey)?.n ?? 0;
    },
    countKnown(target: string): number {
      return statements.countObjects.get(range(target))?.n ?? 0;
    },
    /** Each calendar of the target (known or holding objects) with its object count. */
    countObjectsPerCalendar(target: string): Array<{ calendarKey: string; url: string; displayName: string; objects: number }> {
      return db
        .prepare<[{ lo: string; hi: string }], { calendar_key: string; url: string | null; display_name: string | null; objects: number }>(
          `SELECT keys.calendar_key, c.url, c.display_name, (SELECT count(*) FROM caldav_objects o WHERE o.calendar_key = keys.calendar_key) AS objects
           FROM (SELECT calendar_key FROM caldav_calendars WHERE ${IN_TARGET}
                 UNION SELECT DISTINCT calendar_key FROM caldav_objects WHERE ${IN_TARGET}) AS keys
           LEFT JOIN caldav_calendars c ON c.calendar_key = keys.calendar_key ORDER BY keys.calendar_key`,
        )
        .all(range(target))
        .map((row) => ({ calendarKey: row.calendar_key, url: row.url ?? '', displayName: row.display_name ?? row.calendar_key, objects: row.objects }));
    },
    /** Appointments the target should show (active; cancelled too when it keeps them) with no object there yet. */
    countUnwritten(target: string, withCancelled: boolean): number {
      const statuses = withCancelled ? "('active', 'cancelled')" : "('active')";
      const row = db
        .prepare<[{ lo: string; hi: string }], { n: number }>(
          `SELECT count(*) AS n FROM appointments a WHERE a.status IN ${statuses}
           AND NOT EXISTS (SELECT 1 FROM caldav_objects o WHERE o.appointment_id = a.id AND o.calendar_key >= @lo AND o.calendar_key < @hi)`,
        )
        .get(range(target));
      return row?.n ?? 0;
    },
    /** `work` in one transaction (nested calls become savepoints): a push's group commit (create-group-commit.ts). */
    transaction(work: () => void): void {
      db.transaction(work)();
    },
    /** The object's state is now known: every journal row for it (also a killed run's) is settled. */
    recordWritten(object: KnownObject): void {
      db.transaction(() => {
        statements.upsertObject.run({ ...object, writtenAt: stamp() });
        statements.clearFailure.run(object.calendarKey, object.uid);
        statements.clearOutboxFor.run(object.calendarKey, object.uid);
      })();
    },
    /** Many objects' states at once (a seeded calendar's): all recorded or, on a failure, none. */
    recordAllWritten(objects: readonly KnownObject[]): void {
      db.transaction(() => {
        for (const object of objects) {
          statements.upsertObject.run({ ...object, writtenAt: stamp() });
          statements.clearFailure.run(object.calendarKey, object.uid);
          statements.clearOutboxFor.run(object.calendarKey, object.uid);
        }
      })();
    },
    recordDeleted(calendarKey: string, uid: string): void {
      db.transaction(() => {
        statements.deleteObject.run(calendarKey, uid);
        statements.clearFailure.run(calendarKey, uid);
        statements.clearOutboxFor.run(calendarKey, uid);
      })();
    },
    recordFailure(failure: { calendarKey: string; uid: string; appointmentId: number; action: string; error: string }, outboxId: number | null): void {
      db.transaction(() => {
        statements.recordFailure.run({ ...failure, lastAttempt: stamp() });
        if (outboxId !== null) statements.finishOutbox.run(outboxId);
      })();
    },
    listFailures(target: string): FailureEntry[] {
      return statements.failures.all(range(target)).map((row) => ({
        calendarKey: String(row.calendar_key),
        uid: String(row.uid),
        appointmentId: Number(row.appointment_id),
        action: String(row.action),
        error: String(row.error),
        attempts: Number(row.attempts),
        lastAttempt: String(row.last_attempt),
      }));
    },
    beginOutbox(entry: { calendarKey: string; uid: string; appointmentId: number; action: string; href: string }): number {
      const result = statements.beginOutbox.run(entry.calendarKey, entry.uid, entry.appointmentId, entry.action, entry.href, stamp());
      return Number(result.lastInsertRowid);
    },
    /** Journals many writes (one request's) in one transaction; returns their ids in order. */
    beginAllOutbox(entries: ReadonlyArray<{ calendarKey: string; uid: string; appointmentId: number; action: string; href: string }>): number[] {
      const at = stamp();
      return db.transaction(() => entries.map((entry) => Number(statements.beginOutbox.run(entry.calendarKey, entry.uid, entry.appointmentId, entry.action, entry.href, at).lastInsertRowid)))();
    },
    /** Journal rows of writes known not to have happened (a request the server refused), settled at once. */
    finishAllOutbox(ids: readonly number[]): void {
      db.transaction(() => {
        for (const id of ids) statements.finishOutbox.run(id);
      })();
    },
    listPendingOutbox(target: string): OutboxEntry[] {
      return statements.pendingOutbox.all(range(target)).map((row) => ({
        id: Number(row.id),
        calendarKey: String(row.calendar_key),
        uid: String(row.uid),
        appointmentId: Number(row.appointment_id),
        action: String(row.action),
        href: String(row.href),
        startedAt: String(row.started_at),
      }));
    },
    readPushState(target: string): { pushedSeq: number; configHash: string } {
      const row = statements.pushedSeq.get(target);
      return { pushedSeq: row?.pushed_seq ?? 0, configHash: row?.config_hash ?? '' };
    },
    savePushState(target: string, pushedSeq: number, configHash: string): void {
      statements.setPushedSeq.run(target, pushedSeq, configHash);
    },
    readCalendar(calendarKey: string): CalendarRow | null {
      const row = statements.calendar.get(calendarKey);
      if (!row) return null;
      const ctag = row.ctag !== null && row.ctag_seen_at !== null && row.ctag_read_at !== null ? { value: row.ctag, seenAt: row.ctag_seen_at, readAt: row.ctag_read_at } : null;
      return { calendarKey: row.calendar_key, url: row.url, displayName: row.display_name, syncToken: row.sync_token, ctag, checkedAt: row.checked_at };
    },
    saveCalendar(calendarKey: string, url: string, displayName: string): void {
      statements.saveCalendar.run(calendarKey, url, displayName);
    },
    /** The server confirmed at `at` that the calendar is as stored (its getctag equals the trusted one). */
    saveCalendarChecked(calendarKey: string, at: number): void {
      statements.setCheckedAt.run(at, calendarKey);
    },
    /**
     * The token a read of the changes returned; with `ctag`, the getctag read before it as well (null
     * clears it), and the calendar counts as checked when that getctag was read.
     */
    saveSyncToken(calendarKey: string, syncToken: string | null, ctag?: CtagState | null): void {
      if (ctag === undefined) statements.setSyncToken.run(syncToken, calendarKey);
      else statements.setSyncState.run(syncToken, ctag?.value ?? null, ctag?.seenAt ?? null, ctag?.readAt ?? null, ctag?.readAt ?? null, calendarKey);
    },
  };
}

export type CaldavStateRepository = ReturnType<typeof createCaldavStateRepository>;
