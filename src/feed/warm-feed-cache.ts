import { DateTime } from 'luxon';
import type { Config } from '../config/config-schema.js';
import type { FeedStore } from './create-feed-handler.js';
import { createFeedBodyBuilder } from './build-feed-body.js';
import { planFeedWindow } from './select-feed-appointments.js';
import { reachFailpoint } from '../failpoint/reach-failpoint.js';

export interface FeedCacheWarmth {
  /** Records parsed and appointments rendered to bring the cache up to date (0 and 0: it already was). */
  readonly parsed: number;
  readonly rendered: number;
}

/**
 * Brings the feeds' persistent cache up to date with the store for every configured feed: the
 * appointments changed since it last was are parsed, the events the feeds show are rendered and
 * stored, and each feed's whole body is built from them and stored, so the feed server's next answer
 * (in this process or another) is one row. Nothing is read but a key when the stored body is current.
 * Meant for the end of a sync run; does nothing without feeds.
 */
export function warmFeedCache(store: Pick<FeedStore, 'db'>, config: Config, now: () => Date = () => new Date()): FeedCacheWarmth {
  if (config.feeds.length === 0) return { parsed: 0, rendered: 0 };
  const bodies = createFeedBodyBuilder(store.db, config);
  let parsed = 0;
  let rendered = 0;
  for (const feed of config.feeds) {
    const window = planFeedWindow(DateTime.fromJSDate(now()), config.timezone, feed);
    const answer = bodies.build(feed, window);
    parsed += answer.parsed;
    rendered += answer.rendered;
    reachFailpoint('feed.cache-warm');
  }
  return { parsed, rendered };
}
