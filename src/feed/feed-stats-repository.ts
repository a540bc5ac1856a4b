import type { Database } from 'better-sqlite3';

export interface FeedStats {
  readonly feedName: string;
  /** sha256 (hex) of the last rendered body: the strong ETag. */
  readonly bodySha256: string | null;
  /** ISO UTC. */
  readonly lastModified: string | null;
  readonly sizeBytes: number | null;
  readonly eventCount: number | null;
  /** The last body was over FEED_SIZE_LIMIT_BYTES, which Google Calendar refuses. */
  readonly oversize: boolean;
  readonly renderedAt: string | null;
  readonly lastServedAt: string | null;
  readonly servedCount: number;
  readonly notModifiedCount: number;
}

export interface FeedRenderRecord {
  readonly feedName: string;
  readonly bodySha256: string;
  readonly lastModified: string;
  readonly sizeBytes: number;
  readonly eventCount: number;
  readonly oversize: boolean;
  readonly renderedAt: string;
}

export interface FeedServedCounts {
  readonly served: number;
  readonly notModified: number;
  readonly lastServedAt: string;
}

export interface FeedStatsRepository {
  read(feedName: string): FeedStats | null;
  list(): FeedStats[];
  recordRender(record: FeedRenderRecord): void;
  addServed(feedName: string, counts: FeedServedCounts): void;
  remove(feedName: string): void;
}

/** Google Calendar drops subscribed feeds larger than about 1 MB. */
export const FEED_SIZE_LIMIT_BYTES = 1_000_000;

interface FeedStatsRow {
  feed_name: string;
  body_sha256: string | null;
  last_modified: string | null;
  size_bytes: number | null;
  event_count: number | null;
  oversize: number;
  rendered_at: string | null;
  last_served_at: string | null;
  served_count: number;
  not_modified_count: number;
}

function toStats(row: FeedStatsRow): FeedStats {
  return {
    feedName: row.feed_name,
    bodySha256: row.body_sha256,
    lastModified: row.last_modified,
    sizeBytes: row.size_bytes,
    eventCount: row.event_count,
    oversize: row.oversize === 1,
    renderedAt: row.rendered_at,
    lastServedAt: row.last_served_at,
    servedCount: row.served_count,
    notModifiedCount: row.not_modified_count,
  };
}

/** Per-feed figures over the feed_stats table of migration 020; `status` and `feed list` read them. */
export function createFeedStatsRepository(db: Database): FeedStatsRepository {
  const selectOne = db.prepare<[string], FeedStatsRow>('SELECT * FROM feed_stats WHERE feed_name = ?');
  const selectAll = db.prepare<[], FeedStatsRow>('SELECT * FROM feed_stats ORDER BY feed_name');
  const upsertRender = db.prepare(
    `INSERT INTO feed_stats (feed_name, body_sha256, last_modified, size_bytes, event_count, oversize, rendered_at)
     VALUES (@feedName, @bodySha256, @lastModified, @sizeBytes, @eventCount, @oversize, @renderedAt)
     ON CONFLICT (feed_name) DO UPDATE SET body_sha256 = excluded.body_sha256, last_modified = excluded.last_modified,
       size_bytes = excluded.size_bytes, event_count = excluded.event_count, oversize = excluded.oversize,
       rendered_at = excluded.rendered_at`,
  );
  const upsertServed = db.prepare(
    `INSERT INTO feed_stats (feed_name, last_served_at, served_count, not_modified_count)
     VALUES (@feedName, @lastServedAt, @served, @notModified)
     ON CONFLICT (feed_name) DO UPDATE SET last_served_at = excluded.last_served_at,
       served_count = served_count + excluded.served_count,
       not_modified_count = not_modified_count + excluded.not_modified_count`,
  );
  const deleteOne = db.prepare('DELETE FROM feed_stats WHERE feed_name = ?');

  return {
    read(feedName) {
      const row = selectOne.get(feedName);
      return row ? toStats(row) : null;
    },
    list() {
      return selectAll.all().map(toStats);
    },
    recordRender(record) {
      upsertRender.run({ ...record, oversize: record.oversize ? 1 : 0 });
    },
    addServed(feedName, counts) {
      upsertServed.run({ feedName, ...counts });
    },
    remove(feedName) {
      deleteOne.run(feedName);
    },
  };
}
