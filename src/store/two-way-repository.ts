import type { Database } from 'better-sqlite3';
import type { TwoWayData } from '../domain/two-way-data.js';
import type { ImportEvent } from '../domain/import-event.js';


export type ConfirmationState = 'none' | 'pending' | 'sent' | 'unknown' | 'failed';

export interface CreationRecord {
  readonly source: string;
  readonly uid: string;
  readonly recurrenceId: string;
  readonly marker: string;
  readonly href: string | null;
  readonly write: Record<string, unknown>;
  readonly state: 'pending' | 'created';
  readonly appointmentId: number | null;
  readonly startedAt: string;
  readonly createdAt: string | null;
  readonly confirmation: ConfirmationState;
  readonly confirmationAt: string | null;
}

export interface TwoWayReport {
  readonly source: string;
  readonly uid: string;
  readonly recurrenceId: string;
  readonly kind: 'unsupported' | 'conflict' | 'confirmation' | 'failed';
  readonly appointmentId: number | null;
  readonly message: string;
  readonly firstSeen: string;
  readonly lastSeen: string;
}

export interface HrefState {
  readonly etag: string | null;
  readonly state: 'ignored' | 'retry';
  readonly reason: string;
}

export type { ImportEvent } from '../domain/import-event.js';

export interface ImportFeedState {
  readonly url: string;
  readonly etag: string | null;
  readonly lastModified: string | null;
  readonly fetchedAt: string | null;
  readonly events: number;
}

interface CreationRow {
  source: string;
  uid: string;
  recurrence_id: string;
  marker: string;
  href: string | null;
  write_json: string;
  state: 'pending' | 'created';
  appointment_id: number | null;
  started_at: string;
  created_at: string | null;
  confirmation: ConfirmationState;
  confirmation_at: string | null;
}

const toCreation = (row: CreationRow): CreationRecord => ({
  source: row.source,
  uid: row.uid,
  recurrenceId: row.recurrence_id,
  marker: row.marker,
  href: row.href,
  write: JSON.parse(row.write_json) as Record<string, unknown>,
  state: row.state,
  appointmentId: row.appointment_id,
  startedAt: row.started_at,
  createdAt: row.created_at,
  confirmation: row.confirmation,
  confirmationAt: row.confirmation_at,
});

/** The state of the way back (migrations/030_two_way.sql): written data, intents, reports, imports. */
// Long on purpose: a repository factory, a list of small methods over prepared statements.
export function createTwoWayRepository(db: Database, now: () => Date = () => new Date()) {
  const stamp = (): string => now().toISOString();
  const s = {
    readWritten: db.prepare<[string, string], { appointment_id: number; data_json: string }>(
      'SELECT appointment_id, data_json FROM two_way_written WHERE calendar_key = ? AND uid = ?',
    ),
    saveWritten: db.prepare(
      `INSERT INTO two_way_written (calendar_key, uid, appointment_id, data_json, written_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (calendar_key, uid) DO UPDATE SET appointment_id = excluded.appointment_id, data_json = excluded.data_json, written_at = excluded.written_at`,
    ),
    dropWritten: db.prepare('DELETE FROM two_way_written WHERE calendar_key = ? AND uid = ?'),
    readHref: db.prepare<[string, string], { etag: string | null; state: 'ignored' | 'retry'; reason: string }>(
      'SELECT etag, state, reason FROM two_way_hrefs WHERE calendar_key = ? AND href = ?',
    ),
    listRetries: db.prepare<[string], { href: string }>("SELECT href FROM two_way_hrefs WHERE calendar_key = ? AND state = 'retry' ORDER BY href"),
    markHref: db.prepare(
      `INSERT INTO two_way_hrefs (calendar_key, href, etag, state, reason, updated_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (calendar_key, href) DO UPDATE SET etag = excluded.etag, state = excluded.state, reason = excluded.reason, updated_at = excluded.updated_at`,
    ),
    clearHref: db.prepare('DELETE FROM two_way_hrefs WHERE calendar_key = ? AND href = ?'),
    addTombstone: db.prepare('INSERT OR IGNORE INTO two_way_tombstones (target, appointment_id, created_at) VALUES (?, ?, ?)'),
    tombstones: db.prepare<[string], { appointment_id: number }>('SELECT appointment_id FROM two_way_tombstones WHERE target = ?'),
    readCreation: db.prepare<[string, string, string], CreationRow>('SELECT * FROM two_way_creations WHERE source = ? AND uid = ? AND recurrence_id = ?'),
    pendingCreations: db.prepare<[string], CreationRow>("SELECT * FROM two_way_creations WHERE source = ? AND state = 'pending' ORDER BY started_at"),
    beginCreation: db.prepare(
      `INSERT INTO two_way_creations (source, uid, recurrence_id, marker, href, write_json, state, appointment_id, started_at)
       VALUES (@source, @uid, @recurrenceId, @marker, @href, @writeJson, 'pending', NULL, @startedAt)
       ON CONFLICT (source, uid, recurrence_id) DO UPDATE SET marker = excluded.marker, href = excluded.href, write_json = excluded.write_json,
         state = 'pending', appointment_id = NULL, started_at = excluded.started_at, created_at = NULL, confirmation = 'none', confirmation_at = NULL`,
    ),
    completeCreation: db.prepare(
      "UPDATE two_way_creations SET state = 'created', appointment_id = ?, created_at = ? WHERE source = ? AND uid = ? AND recurrence_id = ?",
    ),
    dropCreation: db.prepare('DELETE FROM two_way_creations WHERE source = ? AND uid = ? AND recurrence_id = ?'),
    setConfirmation: db.prepare('UPDATE two_way_creations SET confirmation = ?, confirmation_at = ? WHERE source = ? AND uid = ? AND recurrence_id = ?'),
    creationsWithConfirmation: db.prepare<[string], CreationRow>('SELECT * FROM two_way_creations WHERE confirmation = ? ORDER BY started_at'),
    mappedIds: db.prepare<[], { appointment_id: number }>(
      `SELECT appointment_id FROM two_way_creations WHERE appointment_id IS NOT NULL
       UNION SELECT appointment_id FROM caldav_objects WHERE uid NOT LIKE 'onoffice-%'
       UNION SELECT appointment_id FROM ics_import_events`,
    ),
    readReport: db.prepare<[string, string, string, string], { message: string }>(
      'SELECT message FROM two_way_reports WHERE source = ? AND uid = ? AND recurrence_id = ? AND kind = ?',
    ),
    saveReport: db.prepare(
      `INSERT INTO two_way_reports (source, uid, recurrence_id, kind, appointment_id, message, first_seen, last_seen)
       VALUES (@source, @uid, @recurrenceId, @kind, @appointmentId, @message, @now, @now)
       ON CONFLICT (source, uid, recurrence_id, kind) DO UPDATE SET appointment_id = excluded.appointment_id,
         message = excluded.message, last_seen = excluded.last_seen,
         first_seen = CASE WHEN two_way_reports.message = excluded.message THEN two_way_reports.first_seen ELSE excluded.first_seen END`,
    ),
    clearReport: db.prepare('DELETE FROM two_way_reports WHERE source = ? AND uid = ? AND recurrence_id = ? AND kind = ?'),
    listReports: db.prepare<[], Record<string, unknown>>('SELECT * FROM two_way_reports ORDER BY last_seen DESC, source, uid'),
    readImport: db.prepare<[string], { url: string; etag: string | null; last_modified: string | null; fetched_at: string | null; events: number }>(
      'SELECT url, etag, last_modified, fetched_at, events FROM ics_imports WHERE name = ?',
    ),
    listImports: db.prepare<[], { name: string; url: string; fetched_at: string | null; events: number }>('SELECT name, url, fetched_at, events FROM ics_imports ORDER BY name'),
    saveImport: db.prepare(
      `INSERT INTO ics_imports (name, url, etag, last_modified, fetched_at, events) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET url = excluded.url, etag = excluded.etag, last_modified = excluded.last_modified,
         fetched_at = excluded.fetched_at, events = excluded.events`,
    ),
    importEvents: db.prepare<[string], Record<string, unknown>>('SELECT * FROM ics_import_events WHERE name = ? ORDER BY uid, recurrence_id'),
    saveImportEvent: db.prepare(
      `INSERT INTO ics_import_events (name, uid, recurrence_id, appointment_id, data_json, ends_at, dismissed, updated_at)
       VALUES (@name, @uid, @recurrenceId, @appointmentId, @dataJson, @endsAt, 0, @now)
       ON CONFLICT (name, uid, recurrence_id) DO UPDATE SET appointment_id = excluded.appointment_id, data_json = excluded.data_json,
         ends_at = excluded.ends_at, dismissed = 0, updated_at = excluded.updated_at`,
    ),
    dismissImportEvent: db.prepare('UPDATE ics_import_events SET dismissed = 1, updated_at = ? WHERE name = ? AND uid = ? AND recurrence_id = ?'),
    dropImportEvent: db.prepare('DELETE FROM ics_import_events WHERE name = ? AND uid = ? AND recurrence_id = ?'),
  };

  return {
    readWritten(calendarKey: string, uid: string): { appointmentId: number; data: TwoWayData } | null {
      const row = s.readWritten.get(calendarKey, uid);
      return row ? { appointmentId: row.appointment_id, data: JSON.parse(row.data_json) as TwoWayData } : null;
    },
    saveWritten(calendarKey: string, uid: string, appointmentId: number, data: TwoWayData): void {
      s.saveWritten.run(calendarKey, uid, appointmentId, JSON.stringify(data), stamp());
    },
    dropWritten(calendarKey: string, uid: string): void {
      s.dropWritten.run(calendarKey, uid);
    },
    readHref(calendarKey: string, href: string): HrefState | null {
      return s.readHref.get(calendarKey, href) ?? null;
    },
    listRetries(calendarKey: string): string[] {
      return s.listRetries.all(calendarKey).map((row) => row.href);
    },
    markHref(calendarKey: string, href: string, etag: string | null, state: HrefState['state'], reason: string): void {
      s.markHref.run(calendarKey, href, etag, state, reason, stamp());
    },
    clearHref(calendarKey: string, href: string): void {
      s.clearHref.run(calendarKey, href);
    },
    addTombstone(target: string, appointmentId: number): void {
      s.addTombstone.run(target, appointmentId, stamp());
    },
    listTombstones(target: string): Set<number> {
      return new Set(s.tombstones.all(target).map((row) => row.appointment_id));
    },
    readCreation(source: string, uid: string, recurrenceId = ''): CreationRecord | null {
      const row = s.readCreation.get(source, uid, recurrenceId);
      return row ? toCreation(row) : null;
    },
    listPendingCreations(source: string): CreationRecord[] {
      return s.pendingCreations.all(source).map(toCreation);
    },
    beginCreation(entry: { source: string; uid: string; recurrenceId: string; marker: string; href: string | null; write: unknown }): void {
      s.beginCreation.run({ ...entry, writeJson: JSON.stringify(entry.write), startedAt: stamp() });
    },
    completeCreation(source: string, uid: string, recurrenceId: string, appointmentId: number): void {
      s.completeCreation.run(appointmentId, stamp(), source, uid, recurrenceId);
    },
    dropCreation(source: string, uid: string, recurrenceId: string): void {
      s.dropCreation.run(source, uid, recurrenceId);
    },
    setConfirmation(source: string, uid: string, recurrenceId: string, state: ConfirmationState): void {
      s.setConfirmation.run(state, stamp(), source, uid, recurrenceId);
    },
    listCreationsWithConfirmation(state: ConfirmationState): CreationRecord[] {
      return s.creationsWithConfirmation.all(state).map(toCreation);
    },
    /** Every appointment id a person's calendar event, a feed event or a creation already stands for. */
    listMappedAppointmentIds(): Set<number> {
      return new Set(s.mappedIds.all().map((row) => row.appointment_id));
    },
    /** Stores a report; returns true when it is new or its message changed (worth a log line). */
    report(entry: { source: string; uid: string; recurrenceId?: string; kind: TwoWayReport['kind']; appointmentId: number | null; message: string }): boolean {
      const recurrenceId = entry.recurrenceId ?? '';
      const previous = s.readReport.get(entry.source, entry.uid, recurrenceId, entry.kind);
      s.saveReport.run({ ...entry, recurrenceId, now: stamp() });
      return previous?.message !== entry.message;
    },
    clearReport(source: string, uid: string, recurrenceId: string, kind: TwoWayReport['kind']): void {
      s.clearReport.run(source, uid, recurrenceId, kind);
    },
    listReports(): TwoWayReport[] {
      return s.listReports.all().map((row) => ({
        source: String(row.source),
        uid: String(row.uid),
        recurrenceId: String(row.recurrence_id),
        kind: String(row.kind) as TwoWayReport['kind'],
        appointmentId: row.appointment_id === null ? null : Number(row.appointment_id),
        message: String(row.message),
        firstSeen: String(row.first_seen),
        lastSeen: String(row.last_seen),
      }));
    },
    readImport(name: string): ImportFeedState | null {
      const row = s.readImport.get(name);
      return row ? { url: row.url, etag: row.etag, lastModified: row.last_modified, fetchedAt: row.fetched_at, events: row.events } : null;
    },
    listImports(): Array<{ name: string; url: string; fetchedAt: string | null; events: number }> {
      return s.listImports.all().map((row) => ({ name: row.name, url: row.url, fetchedAt: row.fetched_at, events: row.events }));
    },
    saveImport(name: string, state: { url: string; etag: string | null; lastModified: string | null; events: number }): void {
      s.saveImport.run(name, state.url, state.etag, state.lastModified, stamp(), state.events);
    },
    listImportEvents(name: string): ImportEvent[] {
      return s.importEvents.all(name).map((row) => ({
        uid: String(row.uid),
        recurrenceId: String(row.recurrence_id),
        appointmentId: Number(row.appointment_id),
        data: JSON.parse(String(row.data_json)) as TwoWayData,
        endsAt: row.ends_at === null ? null : String(row.ends_at),
        dismissed: Number(row.dismissed) === 1,
      }));
    },
    saveImportEvent(name: string, event: { uid: string; recurrenceId: string; appointmentId: number; data: TwoWayData; endsAt: string | null }): void {
      s.saveImportEvent.run({ name, uid: event.uid, recurrenceId: event.recurrenceId, appointmentId: event.appointmentId, dataJson: JSON.stringify(event.data), endsAt: event.endsAt, now: stamp() });
    },
    dismissImportEvent(name: string, uid: string, recurrenceId: string): void {
      s.dismissImportEvent.run(stamp(), name, uid, recurrenceId);
    },
    dropImportEvent(name: string, uid: string, recurrenceId: string): void {
      s.dropImportEvent.run(name, uid, recurrenceId);
    },
    transaction<T>(fn: () => T): T {
      return db.transaction(fn)();
    },
  };
}

export type TwoWayRepository = ReturnType<typeof createTwoWayRepository>;

/** What `status` can show about the way back. */
export interface TwoWayStatus {
  readonly reports: readonly TwoWayReport[];
  /** Creates whose outcome is unknown; the next run looks for them in onOffice before creating again. */
  readonly pendingCreates: number;
  /** Confirmations that may or may not have been mailed; never resent automatically. */
  readonly unknownConfirmations: ReadonlyArray<{ readonly source: string; readonly uid: string; readonly appointmentId: number | null; readonly at: string | null }>;
  readonly imports: ReadonlyArray<{ readonly name: string; readonly url: string; readonly fetchedAt: string | null; readonly events: number }>;
}

export function readTwoWayStatus(db: Database): TwoWayStatus {
  const repository = createTwoWayRepository(db);
  const pending = db.prepare<[], { n: number }>("SELECT count(*) AS n FROM two_way_creations WHERE state = 'pending'").get()?.n ?? 0;
  return {
    reports: repository.listReports(),
    pendingCreates: pending,
    unknownConfirmations: repository
      .listCreationsWithConfirmation('unknown')
      .map((creation) => ({ source: creation.source, uid: creation.uid, appointmentId: creation.appointmentId, at: creation.confirmationAt })),
    imports: repository.listImports(),
  };
}
