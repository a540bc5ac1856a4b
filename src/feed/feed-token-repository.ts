import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import { FeedTokenExistsError } from './feed-errors.js';

export interface FeedTokenInfo {
  readonly feedName: string;
  readonly createdAt: string;
}

export interface FeedTokenRepository {
  /** Creates the feed's first token and returns it in clear; it cannot be read back later. */
  create(feedName: string): string;
  /** Replaces the feed's token (or creates one) and returns the new one; the old one stops working at once. */
  rotate(feedName: string): string;
  /** True when a token existed. */
  remove(feedName: string): boolean;
  /** Whether `token` is the feed's token, compared in constant time. False when the feed has none. */
  verify(feedName: string, token: string): boolean;
  read(feedName: string): FeedTokenInfo | null;
  list(): FeedTokenInfo[];
}

/** 32 random bytes: 256 bits, far beyond the 128 a guessable-URL secret needs. base64url keeps it URL-safe. */
export function createFeedToken(): string {
  return randomBytes(32).toString('base64url');
}

function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** Compared against when a feed has no token, so a miss costs the same work as a wrong token. */
const NO_TOKEN_HASH = Buffer.alloc(32);

export function createFeedTokenRepository(db: Database, now: () => Date = () => new Date()): FeedTokenRepository {
  const selectOne = db.prepare<[string], { token_sha256: Buffer; created_at: string }>(
    'SELECT token_sha256, created_at FROM feed_tokens WHERE feed_name = ?',
  );
  const selectAll = db.prepare<[], { feed_name: string; created_at: string }>(
    'SELECT feed_name, created_at FROM feed_tokens ORDER BY feed_name',
  );
  const insert = db.prepare('INSERT INTO feed_tokens (feed_name, token_sha256, created_at) VALUES (?, ?, ?)');
  const upsert = db.prepare(
    `INSERT INTO feed_tokens (feed_name, token_sha256, created_at) VALUES (?, ?, ?)
     ON CONFLICT (feed_name) DO UPDATE SET token_sha256 = excluded.token_sha256, created_at = excluded.created_at`,
  );
  const deleteOne = db.prepare('DELETE FROM feed_tokens WHERE feed_name = ?');

  return {
    create(feedName) {
      const token = createFeedToken();
      const created = db.transaction(() => {
        if (selectOne.get(feedName)) return false;
        insert.run(feedName, hashToken(token), now().toISOString());
        return true;
      })();
      if (!created) throw new FeedTokenExistsError(feedName);
      return token;
    },
    rotate(feedName) {
      const token = createFeedToken();
      upsert.run(feedName, hashToken(token), now().toISOString());
      return token;
    },
    remove(feedName) {
      return deleteOne.run(feedName).changes > 0;
    },
    verify(feedName, token) {
      const row = selectOne.get(feedName);
      const stored = row && row.token_sha256.length === 32 ? row.token_sha256 : NO_TOKEN_HASH;
      const equal = timingSafeEqual(hashToken(token), stored);
      return equal && row !== undefined;
    },
    read(feedName) {
      const row = selectOne.get(feedName);
      return row ? { feedName, createdAt: row.created_at } : null;
    },
    list() {
      return selectAll.all().map((row) => ({ feedName: row.feed_name, createdAt: row.created_at }));
    },
  };
}
