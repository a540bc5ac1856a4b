export interface RateLimitOptions {
  /** Requests a client may make at once. */
  readonly burst: number;
  /** Requests per second a client regains, up to `burst`. */
  readonly perSecond: number;
}

export type RateLimitDecision = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterSeconds: number };

export interface RateLimiter {
  take(client: string): RateLimitDecision;
}

/**
 * Calendar apps poll a feed every few minutes to hours, so the default is generous; it exists to stop a
 * runaway client or a scan from making the server render and hash in a loop. Behind a reverse proxy every
 * client shares the proxy's address and so one bucket: the burst leaves room for that.
 */
export const DEFAULT_RATE_LIMIT: RateLimitOptions = { burst: 60, perSecond: 1 };

/** Buckets kept before full (idle) ones are dropped, so a scan from many addresses cannot grow memory. */
const MAX_TRACKED_CLIENTS = 10_000;

/** A token bucket per client key; `now` in milliseconds. */
export function createRateLimiter(options: RateLimitOptions, now: () => number = Date.now): RateLimiter {
  const buckets = new Map<string, { tokens: number; at: number }>();

  function refill(bucket: { tokens: number; at: number }, time: number): void {
    // A clock set back must not drain the bucket.
    const elapsed = Math.max(0, time - bucket.at);
    bucket.tokens = Math.min(options.burst, bucket.tokens + (elapsed / 1000) * options.perSecond);
    bucket.at = Math.max(bucket.at, time);
  }

  function dropIdle(time: number): void {
    for (const [key, bucket] of buckets) {
      refill(bucket, time);
      if (bucket.tokens >= options.burst) buckets.delete(key);
    }
    if (buckets.size >= MAX_TRACKED_CLIENTS) buckets.clear();
  }

  return {
    take(client) {
      const time = now();
      let bucket = buckets.get(client);
      if (!bucket) {
        if (buckets.size >= MAX_TRACKED_CLIENTS) dropIdle(time);
        bucket = { tokens: options.burst, at: time };
        buckets.set(client, bucket);
      } else {
        refill(bucket, time);
      }
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return { allowed: true };
      }
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / options.perSecond)) };
    },
  };
}
