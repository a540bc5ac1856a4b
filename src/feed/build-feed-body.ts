import { createHash } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import type { Config, FeedConfig } from '../config/config-schema.js';
import { createAppointmentIndex } from '../store/appointment-index.js';
import { createFeedBodyRepository } from '../store/feed-body-repository.js';
import { createFeedCache, type FeedCacheOptions } from './create-feed-cache.js';
import { renderFeed, type FeedRenderConfig } from './render-feed.js';
import type { FeedWindow } from './select-feed-appointments.js';

/** A feed's body for one state of the store and one window, with what an answer needs of it. */
export interface FeedBody {
  /** The store's change_seq the body reflects. */
  readonly seq: number;
  /** The VCALENDAR in UTF-8, exactly as served without Content-Encoding. */
  readonly body: Buffer;
  /** sha256 (hex) of the body: the strong ETag. */
  readonly hash: string;
  readonly eventCount: number;
  /** The newest `modified` among the shown appointments; null for an empty feed. */
  readonly newestModified: Date | null;
  /** Stored appointments left out because they no longer parse in the configured zone. */
  readonly skipped: number;
  /** Records parsed and events rendered for it: 0 and 0 when it came from stored rows. */
  readonly parsed: number;
  readonly rendered: number;
  /** Whether it was read whole from feed_bodies (prepared by the sync or by an earlier answer). */
  readonly stored: boolean;
}

export interface FeedBodyBuilder {
  /**
   * The stored body when it was built at the store's current change_seq with the same key; else built
   * from the event cache (createFeedCache) by renderFeed and stored (through deferWrite, as the event rows).
   */
  build(feed: FeedConfig, window: FeedWindow): FeedBody;
}

/**
 * The whole feed body, prepared ahead: the sync builds it after its poll (warmFeedCache) and every built
 * body is kept in feed_bodies, so a server that starts over a prepared state answers its first request
 * with one row. A stored body is used only while the store's change_seq and its key match: the key
 * covers the feed's config, the events' render key (options, renderer and parser, see createFeedCache),
 * the bytes renderFeed writes around the events (header, VTIMEZONE) and the window.
 */
export function createFeedBodyBuilder(db: Database, config: FeedRenderConfig & Pick<Config, 'timezone'>, options: FeedCacheOptions = {}): FeedBodyBuilder {
  const cache = createFeedCache(db, config, options);
  const bodies = createFeedBodyRepository(db);
  const index = createAppointmentIndex(db);
  const deferWrite = options.deferWrite ?? ((write: () => void) => write());
  return {
    build(feed, window) {
      const bodyKey = planBodyKey(cache.renderKey, feed, config, window);
      const stored = bodies.readCurrent(feed.name, bodyKey, index.maxChangeSeq());
      if (stored) {
        return {
          seq: stored.changeSeq,
          body: stored.body,
          hash: stored.bodySha256,
          eventCount: stored.eventCount,
          newestModified: stored.newestModifiedMs === null ? null : new Date(stored.newestModifiedMs),
          skipped: stored.skipped,
          parsed: 0,
          rendered: 0,
          stored: true,
        };
      }
      const answer = cache.read(feed, window);
      const body = renderFeed(answer.events, feed, config);
      const built: FeedBody = {
        seq: answer.seq,
        body,
        hash: createHash('sha256').update(body).digest('hex'),
        eventCount: answer.eventCount,
        newestModified: answer.newestModified,
        skipped: answer.skipped,
        parsed: answer.parsed,
        rendered: answer.rendered,
        stored: false,
      };
      deferWrite(() =>
        bodies.write({
          feedName: feed.name,
          bodyKey,
          changeSeq: built.seq,
          body,
          bodySha256: built.hash,
          eventCount: built.eventCount,
          newestModifiedMs: built.newestModified?.getTime() ?? null,
          skipped: built.skipped,
        }),
      );
      return built;
    },
  };
}

/** Everything besides the appointments that a body depends on; the frame is renderFeed's own bytes around one zoned event. */
function planBodyKey(renderKey: string, feed: FeedConfig, config: Pick<Config, 'timezone'>, window: FeedWindow): string {
  const frame = renderFeed([{ body: Buffer.alloc(0), count: 1, usesZone: true }], feed, config);
  return createHash('sha256')
    .update(JSON.stringify([renderKey, feed, window.from.toMillis(), window.to.toMillis()]))
    .update(frame)
    .digest('hex')
    .slice(0, 32);
}
