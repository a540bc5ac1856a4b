import type { Database } from 'better-sqlite3';

/** A feed's whole body as built from the event rows, with what an answer needs of it (migration 090). */
export interface StoredFeedBody {
  readonly feedName: string;
  /** What the body was built with besides the appointments: the feed's config, render key, header bytes, window. */
  readonly bodyKey: string;
  /** The appointments' change_seq the body reflects. */
  readonly changeSeq: number;
  readonly body: Buffer;
  readonly bodySha256: string;
  readonly eventCount: number;
  readonly newestModifiedMs: number | null;
  readonly skipped: number;
}

export interface FeedBodyRepository {
  /** The feed's stored body if it was built with this key at this change_seq; undefined otherwise (without reading the body). */
  readCurrent(feedName: string, bodyKey: string, changeSeq: number): StoredFeedBody | undefined;
  /** Stores the body unless one of a newer change_seq with the same key is already there. */
  write(body: StoredFeedBody): void;
  /** Forgets the feed's body (`feed remove`). */
  remove(feedName: string): void;
}

interface FeedBodyRow {
  body: Buffer;
  body_sha256: string;
  event_count: number;
  newest_modified_ms: number | null;
  skipped: number;
}

/** The SQL of feed_bodies: one row per feed, replaced whenever the feed's body is built anew. */
export function createFeedBodyRepository(db: Database): FeedBodyRepository {
  const statements = {
    readCurrent: db.prepare<[string, string, number], FeedBodyRow>(
      `SELECT body, body_sha256, event_count, newest_modified_ms, skipped FROM feed_bodies
       WHERE feed_name = ? AND body_key = ? AND change_seq = ?`,
    ),
    write: db.prepare(
      `INSERT INTO feed_bodies (feed_name, body_key, change_seq, body, body_sha256, event_count, newest_modified_ms, skipped)
       VALUES (@feedName, @bodyKey, @changeSeq, @body, @bodySha256, @eventCount, @newestModifiedMs, @skipped)
       ON CONFLICT (feed_name) DO UPDATE SET body_key = excluded.body_key, change_seq = excluded.change_seq, body = excluded.body,
         body_sha256 = excluded.body_sha256, event_count = excluded.event_count, newest_modified_ms = excluded.newest_modified_ms,
         skipped = excluded.skipped
       WHERE excluded.body_key <> feed_bodies.body_key OR excluded.change_seq >= feed_bodies.change_seq`,
    ),
    remove: db.prepare<[string]>('DELETE FROM feed_bodies WHERE feed_name = ?'),
  };
  return {
    readCurrent(feedName, bodyKey, changeSeq) {
      const row = statements.readCurrent.get(feedName, bodyKey, changeSeq);
      if (!row) return undefined;
      return {
        feedName,
        bodyKey,
        changeSeq,
        body: row.body,
        bodySha256: row.body_sha256,
        eventCount: row.event_count,
        newestModifiedMs: row.newest_modified_ms,
        skipped: row.skipped,
      };
    },
    write(body) {
      statements.write.run(body);
    },
    remove(feedName) {
      statements.remove.run(feedName);
    },
  };
}
