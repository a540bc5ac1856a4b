import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIP, type BlockList } from 'node:net';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { Database } from 'better-sqlite3';
import { DateTime } from 'luxon';
import { createAddressList, type Config, type FeedConfig } from '../config/config-schema.js';
import type { Logger } from '../log/create-logger.js';
import type { AppointmentRepository } from '../store/appointment-repository.js';
import { createRateLimiter, DEFAULT_RATE_LIMIT, type RateLimitOptions } from './create-rate-limiter.js';
import { createFeedStatsRepository, FEED_SIZE_LIMIT_BYTES, type FeedStats, type FeedStatsRepository } from './feed-stats-repository.js';
import { createFeedTokenRepository } from './feed-token-repository.js';
import { createFeedBodyBuilder } from './build-feed-body.js';
import { planFeedWindow, type FeedWindow } from './select-feed-appointments.js';

/**
 * What the feed needs of the state store (src/store): the db for its own tables, and to read the
 * appointments table, which the feed cache streams the few columns it needs from.
 */
export interface FeedStore {
  readonly db: Database;
  readonly appointments: Pick<AppointmentRepository, 'maxChangeSeq'>;
}

export interface FeedHandlerOptions {
  readonly store: FeedStore;
  readonly config: Config;
  readonly logger: Logger;
  readonly now?: () => Date;
  readonly rateLimit?: RateLimitOptions;
}

/** A node:http handler: true when it answered the request, false for paths that are not feeds. */
export interface FeedHandler {
  (req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  /** Writes the request counters kept in memory to the state db (also done every STATS_FLUSH_MS). */
  flushStats(): void;
}

interface RenderedFeed {
  readonly key: string;
  readonly body: Buffer;
  readonly hash: string;
  readonly lastModified: Date;
  gzipped?: Promise<Buffer>;
}

/** Request counters are written at most this often: a db write per request would dominate a 304. */
const STATS_FLUSH_MS = 10_000;
const NOT_FOUND_BODY = 'Not found\n';
const FEED_PATH = /^\/feeds\/([^/]+)\.ics$/;
const FEED_TOKEN_PATH = /^\/feeds\/([^/]+)\/([^/]+)\.ics$/;
const gzipAsync = promisify(gzip);

/**
 * Serves /feeds/<name>.ics?token=… and /feeds/<name>/<token>.ics from the state db. A body is built
 * once per state version (change_seq), feed and window day, from the persistent event cache
 * (createFeedCache), and kept with its gzip form; every other request is answered from memory, mostly
 * with 304.
 */
export function createFeedHandler(options: FeedHandlerOptions): FeedHandler {
  const { store, config } = options;
  const logger = options.logger.child({ module: 'feed' });
  const now = options.now ?? (() => new Date());
  const tokens = createFeedTokenRepository(store.db, now);
  const limiter = createRateLimiter(options.rateLimit ?? DEFAULT_RATE_LIMIT, () => now().getTime());
  const trustedProxies = createAddressList(config.daemon.trustedProxies);
  const feeds = new Map(config.feeds.map((feed) => [feed.name, feed]));
  const stats = createFeedStatsRepository(store.db);
  const served = createServedCounter(stats, now);
  const readRenderedFeed = createFeedRenderer({ store, config, logger, now, stats });

  async function serveFeed(req: IncomingMessage, res: ServerResponse, feed: FeedConfig): Promise<void> {
    const entry = readRenderedFeed(feed);
    // What the render learnt (event rows, the body) is written once the answer is out: writing 2 MB
    // earlier would hold up sending the rest of a body the socket did not take at once.
    if (readRenderedFeed.hasLearnt()) res.once('close', () => setImmediate(readRenderedFeed.writeLearnt));
    const useGzip = acceptsGzip(req.headers['accept-encoding']);
    const etag = useGzip ? `"${entry.hash}-gzip"` : `"${entry.hash}"`;
    const headers: Record<string, string | number> = {
      ETag: etag,
      'Last-Modified': entry.lastModified.toUTCString(),
      // private: the URL holds the secret, so shared caches must not keep a copy.
      'Cache-Control': `private, max-age=${feed.refreshMinutes * 60}`,
      Vary: 'Accept-Encoding',
    };
    if (isNotModified(req, entry)) {
      served.count(feed.name, 304);
      res.writeHead(304, headers).end();
      return;
    }
    let body = entry.body;
    if (useGzip) {
      entry.gzipped ??= gzipAsync(entry.body);
      body = await entry.gzipped;
      headers['Content-Encoding'] = 'gzip';
    }
    Object.assign(headers, {
      'Content-Type': 'text/calendar; charset=utf-8',
      'Content-Length': body.length,
      'Content-Disposition': `inline; filename="${feed.name}.ics"`,
      'X-Content-Type-Options': 'nosniff',
    });
    served.count(feed.name, 200);
    res.writeHead(200, headers);
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const url = readRequestUrl(req.url);
    if (!url) {
      // Nothing of the target is logged: it may carry a token.
      logger.warn({ client: readClientAddress(req, trustedProxies) }, 'request with a malformed URL refused');
      res.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' }).end('Bad request\n');
      return true;
    }
    if (!url.pathname.startsWith('/feeds/')) return false;
    const target = readFeedTarget(url);
    const feed = target && feeds.get(target.name);
    // An unknown feed and a wrong or missing token look the same, so the answer reveals nothing. Only
    // such requests are limited, per client and feed: a subscriber with the right token is never
    // refused for what others (behind the same proxy) got wrong.
    if (!target || !feed || !tokens.verify(target.name, target.token)) {
      const client = readClientAddress(req, trustedProxies);
      const decision = limiter.take(`${client} ${feed ? feed.name : '(unknown feed)'}`);
      if (!decision.allowed) {
        logger.warn({ client, feed: feed?.name }, 'feed requests with a wrong token rate limited');
        res.writeHead(429, { 'Retry-After': String(decision.retryAfterSeconds), 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : 'Too many requests\n');
        return true;
      }
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : NOT_FOUND_BODY);
      return true;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' }).end('Method not allowed\n');
      return true;
    }
    try {
      await serveFeed(req, res, feed);
    } catch (error) {
      logger.error({ feed: feed.name, err: error }, 'feed could not be served');
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('Internal server error\n');
    }
    return true;
  };
  return Object.assign(handler, { flushStats: served.flush });
}

/** Request counters kept in memory and written at most every STATS_FLUSH_MS. */
function createServedCounter(stats: FeedStatsRepository, now: () => Date): { count(feedName: string, status: 200 | 304): void; flush(): void } {
  const pending = new Map<string, { served: number; notModified: number; lastServedAt: string }>();
  let lastFlush = now().getTime();
  const flush = (): void => {
    lastFlush = now().getTime();
    for (const [feedName, counts] of pending) stats.addServed(feedName, counts);
    pending.clear();
  };
  return {
    count(feedName, status) {
      const counts = pending.get(feedName) ?? { served: 0, notModified: 0, lastServedAt: '' };
      if (status === 200) counts.served++;
      else counts.notModified++;
      counts.lastServedAt = now().toISOString();
      pending.set(feedName, counts);
      if (now().getTime() - lastFlush >= STATS_FLUSH_MS) flush();
    },
    flush,
  };
}

/**
 * A feed's body for the current state and window day: from memory while neither changed, else the body
 * the sync prepared (feed_bodies) or one built from the event cache (createFeedBodyBuilder), recorded in
 * feed_stats. The rows a build learnt are written once its answer is sent (writeLearnt), so the first
 * request after a change does not wait for them.
 */
function createFeedRenderer(parts: {
  readonly store: FeedStore;
  readonly config: Config;
  readonly logger: Logger;
  readonly now: () => Date;
  readonly stats: FeedStatsRepository;
}): ((feed: FeedConfig) => RenderedFeed) & { hasLearnt(): boolean; writeLearnt(): void } {
  const { store, config, logger, now, stats } = parts;
  const rendered = new Map<string, RenderedFeed>();
  const learnt: Array<() => void> = [];
  const writeLearnt = (): void => {
    for (const write of learnt.splice(0)) {
      try {
        write();
      } catch (error) {
        // Only time is lost: the next read finds the rows missing and renders them again.
        logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'feed cache rows could not be written');
      }
    }
  };
  const deferWrite = (write: () => void): void => {
    learnt.push(write);
  };
  const bodies = createFeedBodyBuilder(store.db, config, { deferWrite });
  const planWindow = createWindowPlanner(config.timezone);
  let reportedSkipped = 0;

  const render = (feed: FeedConfig): RenderedFeed => {
    const started = performance.now();
    const window = planWindow(feed, now());
    // The config is fixed for the handler's life, so the state version and the window day are the key.
    const cached = rendered.get(feed.name);
    if (cached?.key === `${store.appointments.maxChangeSeq()}|${window.from.toISODate()}`) return cached;

    const { seq, body, hash, skipped, eventCount, newestModified, parsed, rendered: renderedEvents, stored } = bodies.build(feed, window);
    if (skipped !== reportedSkipped) {
      reportedSkipped = skipped;
      if (skipped > 0) logger.warn({ skipped }, 'stored appointments that no longer parse were left out of the feeds');
    }
    const lastModified = planLastModified(stats.read(feed.name), hash, newestModified, now());
    const oversize = body.length > FEED_SIZE_LIMIT_BYTES;
    stats.recordRender({
      feedName: feed.name,
      bodySha256: hash,
      lastModified: lastModified.toISOString(),
      sizeBytes: body.length,
      eventCount,
      oversize,
      renderedAt: now().toISOString(),
    });
    const entry: RenderedFeed = { key: `${seq}|${window.from.toISODate()}`, body, hash, lastModified };
    rendered.set(feed.name, entry);
    logger.info(
      { feed: feed.name, events: eventCount, bytes: body.length, stored, parsed, rendered: renderedEvents, ms: Math.round(performance.now() - started) },
      'feed rendered',
    );
    if (oversize) {
      logger.warn(
        { feed: feed.name, bytes: body.length, limit: FEED_SIZE_LIMIT_BYTES },
        'feed is larger than Google Calendar accepts (about 1 MB): narrow it with pastDays/futureDays, users or arts',
      );
    }
    return entry;
  };
  return Object.assign(render, { hasLearnt: () => learnt.length > 0, writeLearnt });
}

/**
 * planFeedWindow, computed once per feed and day: the zone arithmetic costs about a quarter of a
 * millisecond, a third of a 304's time, and the window only moves at midnight in the zone.
 */
function createWindowPlanner(zone: string): (feed: FeedConfig, now: Date) => FeedWindow {
  const planned = new Map<string, { readonly fromMs: number; readonly untilMs: number; readonly window: FeedWindow }>();
  return (feed, now) => {
    const nowMs = now.getTime();
    const known = planned.get(feed.name);
    if (known && nowMs >= known.fromMs && nowMs < known.untilMs) return known.window;
    const today = DateTime.fromJSDate(now).setZone(zone).startOf('day');
    const window = planFeedWindow(today, zone, feed);
    planned.set(feed.name, { fromMs: today.toMillis(), untilMs: today.plus({ days: 1 }).toMillis(), window });
    return window;
  };
}

/**
 * The newest `modified` of the shown appointments, unless the body changed without any of them
 * getting newer (a deletion, the window moving, a config change): then the render time, so that
 * If-Modified-Since clients do not keep a stale copy.
 */
function planLastModified(previous: FeedStats | null, hash: string, newestModified: Date | null, now: Date): Date {
  const previousModified = previous?.lastModified ? new Date(previous.lastModified) : null;
  if (previous?.bodySha256 === hash && previousModified) return previousModified;
  const current = wholeSeconds(now);
  let candidate = newestModified && newestModified < current ? wholeSeconds(newestModified) : current;
  if (previousModified && candidate <= previousModified) candidate = current;
  return candidate;
}

/** The request target as a URL, or null when it cannot be parsed (`GET http://[x/feeds/…`). */
export function readRequestUrl(target: string | undefined): URL | null {
  try {
    return new URL(target ?? '/', 'http://feed.invalid');
  } catch {
    return null;
  }
}

/**
 * The client's address: the socket's, unless that is a trusted proxy; then the nearest address in
 * X-Forwarded-For that is not a trusted proxy itself (the right-most entries are the proxies' own).
 */
export function readClientAddress(req: IncomingMessage, trustedProxies: BlockList): string {
  const socketAddress = normaliseAddress(req.socket.remoteAddress ?? 'unknown');
  if (!isTrusted(socketAddress, trustedProxies)) return socketAddress;
  const header = req.headers['x-forwarded-for'];
  const hops = (Array.isArray(header) ? header.join(',') : header ?? '').split(',').map((hop) => normaliseAddress(hop.trim())).filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i]!;
    if (isIP(hop) === 0) return socketAddress;
    if (!isTrusted(hop, trustedProxies)) return hop;
  }
  return hops[0] ?? socketAddress;
}

function normaliseAddress(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

function isTrusted(address: string, list: BlockList): boolean {
  const version = isIP(address);
  return version !== 0 && list.check(address, version === 4 ? 'ipv4' : 'ipv6');
}

function readFeedTarget(url: URL): { name: string; token: string } | null {
  const withToken = FEED_TOKEN_PATH.exec(url.pathname);
  if (withToken) return { name: safeDecode(withToken[1]!), token: safeDecode(withToken[2]!) };
  const plain = FEED_PATH.exec(url.pathname);
  if (plain) return { name: safeDecode(plain[1]!), token: url.searchParams.get('token') ?? '' };
  return null;
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return '';
  }
}

/** RFC 9110 §13.1.2 (If-None-Match wins over If-Modified-Since; weak comparison, either encoding's tag). */
function isNotModified(req: IncomingMessage, entry: RenderedFeed): boolean {
  const ifNoneMatch = req.headers['if-none-match'];
  if (ifNoneMatch !== undefined) {
    const tags = ifNoneMatch.split(',').map((tag) => tag.trim().replace(/^W\//, ''));
    return tags.some((tag) => tag === '*' || tag === `"${entry.hash}"` || tag === `"${entry.hash}-gzip"`);
  }
  const ifModifiedSince = req.headers['if-modified-since'];
  if (ifModifiedSince === undefined) return false;
  const since = Date.parse(ifModifiedSince);
  return !Number.isNaN(since) && entry.lastModified.getTime() <= since;
}

/** gzip unless the client sent no Accept-Encoding (Google) or refuses it with q=0. */
function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  let gzipQ: number | null = null;
  let anyQ: number | null = null;
  for (const part of header.split(',')) {
    const [coding = '', ...params] = part.trim().toLowerCase().split(';');
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (coding === 'gzip' || coding === 'x-gzip') gzipQ = q;
    else if (coding === '*') anyQ = q;
  }
  const q = gzipQ ?? anyQ ?? 0;
  return q > 0;
}

function wholeSeconds(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}
