import type { Database } from 'better-sqlite3';
import type { FeedCandidate, FeedVisibility } from './select-feed-appointments.js';

/** The tables of migration 021, plus the few columns of the store's appointments table the cache reads. */
export interface FeedCacheRepository {
  readState(): { readonly version: string; readonly syncedSeq: number } | undefined;
  writeState(version: string, syncedSeq: number): void;
  /** Forgets what the rows were computed with, so the next read rebuilds them all. */
  clearState(): void;
  /** Every appointments row (any status) whose change_seq is above `seq`, streamed in change order. */
  iterateChanged(seq: number): IterableIterator<ChangedAppointmentRow>;
  /**
   * Stored candidates whose span overlaps [fromMs, toMs). Participants and categories are read only when
   * asked for (a feed filters by them); otherwise they come back empty.
   */
  listCandidatesIn(fromMs: number, toMs: number, fields: { readonly participants: boolean; readonly categories: boolean }): FeedCandidate[];
  listUnparsableIds(): number[];
  /** The current rows of these appointments (any status). */
  listRecords(ids: readonly number[]): RecordRow[];
  /**
   * Stored events of these appointments in one visibility, with their bytes. `keyMatch` tells which of the two render keys the row was rendered with (1, 2; 0 neither), so
   * 5,000 keys are compared in SQLite rather than copied out.
   */
  listEvents(visibility: FeedVisibility, ids: readonly number[], keys: readonly [string, string]): ListedEventRow[];
  putCandidate(candidate: FeedCandidate): void;
  putUnparsable(id: number, changeSeq: number, reason: string): void;
  /** Drops the candidate and every event of the appointment. */
  remove(id: number): void;
  /** Drops the appointment's events rendered from an older version than `changeSeq`. */
  removeEventsBefore(id: number, changeSeq: number): void;
  /** Stores an event unless a newer version of the appointment's event is already there. */
  putEvent(event: StoredEventRow): void;
  clearCandidates(): void;
  /** Drops the events of appointments without a candidate (deleted since, or no longer parsing). */
  removeOrphanEvents(): void;
}

export interface ChangedAppointmentRow {
  readonly id: number;
  readonly status: string;
  readonly change_seq: number;
  readonly revision: number;
  readonly raw_json: string;
}

export interface RecordRow {
  readonly id: number;
  readonly change_seq: number;
  readonly revision: number;
  readonly raw_json: string;
}

export interface StoredEventRow {
  readonly id: number;
  readonly visibility: FeedVisibility;
  readonly changeSeq: number;
  readonly renderKey: string;
  readonly body: Buffer;
  readonly eventCount: number;
  readonly usesZone: boolean;
}

export interface ListedEventRow {
  readonly id: number;
  readonly changeSeq: number;
  readonly keyMatch: 0 | 1 | 2;
  readonly body: Buffer;
  readonly eventCount: number;
  readonly usesZone: boolean;
}

/** id, change_seq, start_ms, end_ms, flags (1 series, 2 cancelled, 4 private), modified_ms, user_ids, group_ids, categories. */
type CandidateRow = [number, number, number, number, number, number, string | null, string | null, string | null];

/** id, change_seq, key match, event_count * 2 + uses_zone, body. */
type EventRow = [number, number, 0 | 1 | 2, number, Buffer];

interface EventParameters {
  visibility: FeedVisibility;
  ids: string;
  key1: string;
  key2: string;
}

const NONE: readonly never[] = [];

// A 5,000-row read is the bulk of a cold render: rows come as arrays (raw), flags as one value.
function toCandidate(row: CandidateRow): FeedCandidate {
  const [id, changeSeq, startMs, endMs, flags, modifiedMs, userIds, groupIds, categories] = row;
  return {
    id,
    changeSeq,
    startMs,
    endMs,
    series: (flags & 1) !== 0,
    cancelled: (flags & 2) !== 0,
    private: (flags & 4) !== 0,
    userIds: userIds === null ? NONE : (JSON.parse(userIds) as number[]),
    groupIds: groupIds === null ? NONE : (JSON.parse(groupIds) as number[]),
    categories: categories === null ? NONE : (JSON.parse(categories) as string[]),
    modifiedMs,
  };
}

/**
 * The feed cache's SQL. Id lists go in as one JSON array (json_each), so a 5,000-appointment feed
 * costs one statement, not 5,000.
 */
export function createFeedCacheRepository(db: Database): FeedCacheRepository {
  const statements = {
    readState: db.prepare<[], { version: string; synced_seq: number }>('SELECT version, synced_seq FROM feed_cache_state WHERE id = 1'),
    writeState: db.prepare<[string, number]>(
      `INSERT INTO feed_cache_state (id, version, synced_seq) VALUES (1, ?, ?)
       ON CONFLICT (id) DO UPDATE SET version = excluded.version, synced_seq = excluded.synced_seq`,
    ),
    // The store's table: only the columns the feed needs, raw_json last so the rest stays cheap.
    changed: db.prepare<[number], ChangedAppointmentRow>(
      'SELECT id, status, change_seq, revision, raw_json FROM appointments WHERE change_seq > ? ORDER BY change_seq',
    ),
    records: db.prepare<[string], RecordRow>(
      'SELECT id, change_seq, revision, raw_json FROM appointments WHERE id IN (SELECT value FROM json_each(?))',
    ),
    candidatesIn: db
      .prepare<{ from: number; to: number; participants: number; categories: number }, CandidateRow>(
        `SELECT id, change_seq, start_ms, end_ms, series | (cancelled << 1) | (private << 2), modified_ms,
           iif(@participants, user_ids, NULL), iif(@participants, group_ids, NULL), iif(@categories, categories, NULL)
         FROM feed_appointments WHERE end_ms > @from AND start_ms < @to AND parse_error IS NULL`,
      )
      .raw(),
    unparsable: db.prepare<[], number>('SELECT id FROM feed_appointments WHERE parse_error IS NOT NULL').pluck(),
    events: db
      .prepare<EventParameters, EventRow>(
        `SELECT id, change_seq, CASE render_key WHEN @key1 THEN 1 WHEN @key2 THEN 2 ELSE 0 END, event_count * 2 + uses_zone, body
         FROM feed_events WHERE visibility = @visibility AND id IN (SELECT value FROM json_each(@ids))`,
      )
      .raw(),
    putCandidate: db.prepare(
      `INSERT OR REPLACE INTO feed_appointments
       (id, change_seq, parse_error, start_ms, end_ms, series, cancelled, private, user_ids, group_ids, categories, modified_ms)
       VALUES (@id, @changeSeq, NULL, @startMs, @endMs, @series, @cancelled, @private, @userIds, @groupIds, @categories, @modifiedMs)`,
    ),
    putUnparsable: db.prepare<[number, number, string]>(
      'INSERT OR REPLACE INTO feed_appointments (id, change_seq, parse_error) VALUES (?, ?, ?)',
    ),
    removeCandidate: db.prepare<[number]>('DELETE FROM feed_appointments WHERE id = ?'),
    removeEvents: db.prepare<[number]>('DELETE FROM feed_events WHERE id = ?'),
    removeEventsBefore: db.prepare<[number, number]>('DELETE FROM feed_events WHERE id = ? AND change_seq < ?'),
    putEvent: db.prepare(
      `INSERT INTO feed_events (id, visibility, change_seq, render_key, body, event_count, uses_zone)
       VALUES (@id, @visibility, @changeSeq, @renderKey, @body, @eventCount, @usesZone)
       ON CONFLICT (id, visibility) DO UPDATE SET change_seq = excluded.change_seq, render_key = excluded.render_key,
         body = excluded.body, event_count = excluded.event_count, uses_zone = excluded.uses_zone
       WHERE excluded.change_seq >= feed_events.change_seq`,
    ),
    clearState: db.prepare('DELETE FROM feed_cache_state'),
    clearCandidates: db.prepare('DELETE FROM feed_appointments'),
    removeOrphanEvents: db.prepare('DELETE FROM feed_events WHERE id NOT IN (SELECT id FROM feed_appointments WHERE parse_error IS NULL)'),
  };

  const toEvent = ([id, changeSeq, keyMatch, counts, body]: EventRow): ListedEventRow => ({
    id,
    changeSeq,
    keyMatch,
    eventCount: counts >> 1,
    usesZone: (counts & 1) === 1,
    body,
  });

  return {
    readState() {
      const row = statements.readState.get();
      return row && { version: row.version, syncedSeq: row.synced_seq };
    },
    writeState(version, syncedSeq) {
      statements.writeState.run(version, syncedSeq);
    },
    clearState() {
      statements.clearState.run();
    },
    iterateChanged(seq) {
      return statements.changed.iterate(seq);
    },
    listCandidatesIn(fromMs, toMs, fields) {
      const parameters = { from: fromMs, to: toMs, participants: fields.participants ? 1 : 0, categories: fields.categories ? 1 : 0 };
      return statements.candidatesIn.all(parameters).map(toCandidate);
    },
    listUnparsableIds() {
      return statements.unparsable.all();
    },
    listRecords(ids) {
      return ids.length === 0 ? [] : statements.records.all(JSON.stringify(ids));
    },
    listEvents(visibility, ids, [key1, key2]) {
      if (ids.length === 0) return [];
      return statements.events.all({ visibility, ids: JSON.stringify(ids), key1, key2 }).map(toEvent);
    },
    putCandidate(candidate) {
      statements.putCandidate.run({
        ...candidate,
        series: candidate.series ? 1 : 0,
        cancelled: candidate.cancelled ? 1 : 0,
        private: candidate.private ? 1 : 0,
        userIds: JSON.stringify(candidate.userIds),
        groupIds: JSON.stringify(candidate.groupIds),
        categories: JSON.stringify(candidate.categories),
      });
    },
    putUnparsable(id, changeSeq, reason) {
      statements.putUnparsable.run(id, changeSeq, reason);
    },
    remove(id) {
      statements.removeCandidate.run(id);
      statements.removeEvents.run(id);
    },
    removeEventsBefore(id, changeSeq) {
      statements.removeEventsBefore.run(id, changeSeq);
    },
    putEvent(event) {
      statements.putEvent.run({
        id: event.id,
        visibility: event.visibility,
        changeSeq: event.changeSeq,
        renderKey: event.renderKey,
        body: event.body,
        eventCount: event.eventCount,
        usesZone: event.usesZone ? 1 : 0,
      });
    },
    clearCandidates() {
      statements.clearCandidates.run();
    },
    removeOrphanEvents() {
      statements.removeOrphanEvents.run();
    },
  };
}
