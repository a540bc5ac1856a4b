import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import { FeedTokenExistsError } from './feed-errors.js';

export interface FeedTokenInfo {
  readonly feedName: string;
  readonly createdAt: string;
  /** ISO UTC until which the token replaced by the last rotation still works; null when none does. */
  readonly previousValidUntil: string | null;
}

export interface FeedTokenRepository {
  /** Creates the feed's first token and returns it in clear; it cannot be read back later. */
  create(feedName: string): string;
  /**
   * Replaces the feed's token (or creates one) and returns the new one. With `graceDays` > 0 the old
   * token keeps working that long (it replaces any earlier one still in its grace); else it stops at once.
   */
  rotate(feedName: string, options?: { graceDays?: number }): string;
  /** True when a token existed. */
  remove(feedName: string): boolean;
  /**
   * Whether `token` is the feed's token, or its previous one within the grace, compared in constant
   * time. False when the feed has none.
   */
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

/** Compared against when a feed has no (previous) token, so a miss costs the same work as a wrong token. */
const NO_TOKEN_HASH = Buffer.alloc(32);
const DAY_MS = 86_400_000;

interface TokenRow {
  feed_name: string;
  token_sha256: Buffer;
  created_at: string;
  previous_sha256: Buffer | null;
  previous_expires_at: string | null;
}

export function createFeedTokenRepository(db: Database, now: () => Date = () => new Date()): FeedTokenRepository {
  const selectOne = db.prepare<[string], TokenRow>('SELECT * FROM feed_tokens WHERE feed_name = ?');
  const selectAll = db.prepare<[], TokenRow>('SELECT * FROM feed_tokens ORDER BY feed_name');
  const insert = db.prepare('INSERT INTO feed_tokens (feed_name, token_sha256, created_at) VALUES (?, ?, ?)');
  const upsert = db.prepare<[string, Buffer, string, Buffer | null, string | null]>(
    `INSERT INTO feed_tokens (feed_name, token_sha256, created_at, previous_sha256, previous_expires_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (feed_name) DO UPDATE SET token_sha256 = excluded.token_sha256, created_at = excluded.created_at,
       previous_sha256 = excluded.previous_sha256, previous_expires_at = excluded.previous_expires_at`,
  );
  const deleteOne = db.prepare('DELETE FROM feed_tokens WHERE feed_name = ?');

  const previousValidUntil = (row: TokenRow): string | null =>
    row.previous_sha256 && row.previous_expires_at && Date.parse(row.previous_expires_at) > now().getTime() ? row.previous_expires_at : null;
  const toInfo = (row: TokenRow): FeedTokenInfo => ({ feedName: row.feed_name, createdAt: row.created_at, previousValidUntil: previousValidUntil(row) });

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
    rotate(feedName, options = {}) {
      const token = createFeedToken();
      const graceDays = options.graceDays ?? 0;
      db.transaction(() => {
        const old = selectOne.get(feedName);
        const at = now();
        const keep = old !== undefined && graceDays > 0;
        upsert.run(
          feedName,
          hashToken(token),
          at.toISOString(),
          keep ? old.token_sha256 : null,
          keep ? new Date(at.getTime() + graceDays * DAY_MS).toISOString() : null,
        );
      })();
      return token;
    },
    remove(feedName) {
      return deleteOne.run(feedName).changes > 0;
    },
    verify(feedName, token) {
      const row = selectOne.get(feedName);
      const hash = hashToken(token);
      const current = row && row.token_sha256.length === 32 ? row.token_sha256 : NO_TOKEN_HASH;
      const previous = row && previousValidUntil(row) !== null && row.previous_sha256!.length === 32 ? row.previous_sha256! : NO_TOKEN_HASH;
      // Both comparisons always run, so the answer's timing says nothing about which token matched.
      const matchesCurrent = timingSafeEqual(hash, current);
      const matchesPrevious = timingSafeEqual(hash, previous);
      return row !== undefined && (matchesCurrent || (matchesPrevious && previous !== NO_TOKEN_HASH));
    },
    read(feedName) {
      const row = selectOne.get(feedName);
      return row ? toInfo(row) : null;
    },
    list() {
      return selectAll.all().map(toInfo);
    },
  };
}
