/**
 * How many writes a CalDAV server gets at once, learnt from its answers (AIMD, as TCP does): start at
 * the configured concurrency, halve on a sign of overload (connection reset, 503, 429), wait out a
 * Retry-After, and grow back by one after a full window of successes. SOGo with few workers drops
 * connections ("No child available") under the default concurrency; at the halved one it does not.
 *
 * Pure: time comes from `now`. caldav-target.ts builds the gate below from it; caldav-fetch.ts admits
 * every attempt of a PUT or DELETE through that gate (a retry queues again under the limit as it is then)
 * and reports every attempt's outcome to the controller.
 */

export type LoadSignal = { kind: 'ok' } | { kind: 'overload'; retryAfterMs: number | null };

export interface AdaptiveConcurrency {
  /** How many writes may be in flight now. */
  limit(): number;
  /** Milliseconds until a new write may start (a Retry-After still running); 0 when it may start now. */
  delayMs(): number;
  record(signal: LoadSignal): void;
}

export interface AdaptiveConcurrencyOptions {
  readonly initial: number;
  readonly now: () => number;
  /**
   * Overload signals this soon after a halving are the same burst (every request in flight fails at
   * once), so they do not halve again. Default 1 s.
   */
  readonly settleMs?: number;
}

export function createAdaptiveConcurrency(options: AdaptiveConcurrencyOptions): AdaptiveConcurrency {
  const ceiling = Math.max(1, Math.floor(options.initial));
  const settleMs = options.settleMs ?? 1000;
  let limit = ceiling;
  let successes = 0;
  let lastDecrease = -Infinity;
  let blockedUntil = -Infinity;
  return {
    limit: () => limit,
    delayMs: () => Math.max(0, blockedUntil - options.now()),
    record(signal) {
      const now = options.now();
      if (signal.kind === 'ok') {
        // Answers to requests sent before the burst settled say nothing about the new limit.
        successes = now - lastDecrease < settleMs ? 0 : successes + 1;
        // One more after `limit` successes in a row: gentle, and never above what was configured.
        if (limit < ceiling && successes >= limit) {
          limit += 1;
          successes = 0;
        }
        return;
      }
      successes = 0;
      if (signal.retryAfterMs !== null) blockedUntil = Math.max(blockedUntil, now + signal.retryAfterMs);
      if (now - lastDecrease < settleMs) return;
      limit = Math.max(1, Math.floor(limit / 2));
      lastDecrease = now;
    },
  };
}

/**
 * Runs tasks no more at once than the controller allows and not before its Retry-After; callers queue
 * in order. `sleep` waits out a Retry-After (injected for tests).
 */
export function createConcurrencyGate(controller: AdaptiveConcurrency, sleep: (ms: number) => Promise<void>) {
  let inFlight = 0;
  const waiting: Array<() => void> = [];
  const wakeNext = (): void => {
    if (waiting.length > 0 && inFlight < controller.limit()) waiting.shift()!();
  };
  const acquire = async (): Promise<void> => {
    for (;;) {
      const delay = controller.delayMs();
      if (delay > 0) {
        await sleep(delay);
        continue;
      }
      if (inFlight < controller.limit()) break;
      // Someone is in flight (inFlight ≥ limit ≥ 1), and each release wakes the next in line.
      await new Promise<void>((resolve) => waiting.push(resolve));
    }
    inFlight += 1;
    // The limit may have grown meanwhile: let the next one try as well.
    wakeNext();
  };
  return {
    async run<T>(task: () => Promise<T>): Promise<T> {
      await acquire();
      try {
        return await task();
      } finally {
        inFlight -= 1;
        wakeNext();
      }
    },
    inFlight: () => inFlight,
  };
}
