export interface RateLimitOptions {
  /** Requests a client may make at once. */
  readonly burst: number;
  /** Requests per second a client regains, up to `burst`. */
  readonly perSecond: number;
  /** Clients tracked at most (memory bound); default MAX_TRACKED_CLIENTS. */
  readonly maxClients?: number;
}

export type RateLimitDecision = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterSeconds: number };

export interface RateLimiter {
  take(client: string): RateLimitDecision;
  /** Keys tracked now (for tests and metrics). */
  size(): number;
}

/**
 * The feed server charges only requests with a wrong token to this limiter, per client and feed: it
 * stops a scan from making the server work in a loop, and it never touches a subscriber with the right
 * token. Calendar apps retry a failed feed slowly, so a small burst is plenty.
 */
export const DEFAULT_RATE_LIMIT: RateLimitOptions = { burst: 30, perSecond: 0.2 };

export const MAX_TRACKED_CLIENTS = 10_000;

/** Looking for idle buckets is a pass over all of them: not more often than this (ms). */
const SWEEP_INTERVAL_MS = 1_000;

/** Where new clients go while the table is full of busy ones: they share one bucket, so a flood of new addresses empties it instead of resetting anyone. */
const OVERFLOW_KEY = '\u0000overflow';

/** A token bucket per client key; `now` in milliseconds. */
export function createRateLimiter(options: RateLimitOptions, now: () => number = Date.now): RateLimiter {
  const maxClients = Math.max(2, options.maxClients ?? MAX_TRACKED_CLIENTS);
  const buckets = new Map<string, { tokens: number; at: number }>();
  let lastSweep = Number.NEGATIVE_INFINITY;

  function refill(bucket: { tokens: number; at: number }, time: number): void {
    // A clock set back must not drain the bucket.
    const elapsed = Math.max(0, time - bucket.at);
    bucket.tokens = Math.min(options.burst, bucket.tokens + (elapsed / 1000) * options.perSecond);
    bucket.at = Math.max(bucket.at, time);
  }

  /** A full bucket is the same as none, so dropping it forgets nothing. */
  function dropIdle(time: number): void {
    lastSweep = time;
    for (const [key, bucket] of buckets) {
      refill(bucket, time);
      if (bucket.tokens >= options.burst) buckets.delete(key);
    }
  }

  function bucketFor(client: string, time: number): { tokens: number; at: number } {
    const existing = buckets.get(client);
    if (existing) {
      refill(existing, time);
      return existing;
    }
    // One place stays free for the overflow bucket.
    if (client !== OVERFLOW_KEY && buckets.size >= maxClients - 1) {
      if (time - lastSweep >= SWEEP_INTERVAL_MS) dropIdle(time);
      if (buckets.size >= maxClients - 1) return bucketFor(OVERFLOW_KEY, time);
    }
    const created = { tokens: options.burst, at: time };
    buckets.set(client, created);
    return created;
  }

  return {
    take(client) {
      const bucket = bucketFor(client, now());
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return { allowed: true };
      }
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / options.perSecond)) };
    },
    size: () => buckets.size,
  };
}
