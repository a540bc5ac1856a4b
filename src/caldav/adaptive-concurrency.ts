/**
 * How many writes a CalDAV server gets at once, learnt from its answers. Two rules, as TCP has them:
 *
 * - Overload (AIMD): halve on a sign of overload (connection reset, 503, 429) and wait out a
 *   Retry-After. SOGo with few workers drops connections ("No child available") under the default
 *   concurrency; at the halved one it does not.
 * - Queueing (TCP Vegas, as Netflix's concurrency-limits VegasLimit applies it to requests): after each
 *   window of writes answered, the requests waiting at the server are estimated from the latencies,
 *   queue = limit × (1 − base / mean), with `base` the fastest answer of the last few windows (the
 *   server's time for a write that waited for nothing) and `mean` the window's. Above QUEUE_HIGH one
 *   write less; below QUEUE_LOW one more, never above the configured concurrency. A server that does
 *   one write at a time (Sabre/Baikal on SQLite: every commit takes the file's lock, and the PHP
 *   workers that wait for it sleep in SQLite's busy handler) keeps its throughput with three in flight
 *   (there queue = limit − 1), and with eight loses it to the lock. The thresholds 1.2/2.4 leave a
 *   server that answers two at a time (a two-core machine) at four; 0.8/1.6 took it to three and cost
 *   Cyrus time. `node bench/concurrency-bench.mjs` (1,900 PUTs, this rule against a fixed 8, four
 *   rounds each, one run): Sabre 0.69 × the time, SOGo 0.96 ×, Cyrus 1.00 ×, DAViCal 0.97 ×; with
 *   0.8/1.6 on the same machine Sabre 0.89 ×, Cyrus 1.15 ×, DAViCal 0.98 ×.
 *   Over a slow link the round trip is in `base` too, so a server that answers in parallel keeps the
 *   configured concurrency there.
 *
 * Pure: time comes from `now`, a write's latency with its signal. caldav-target.ts builds the gate below
 * from it; caldav-fetch.ts admits every attempt of a PUT or DELETE through that gate (a retry queues
 * again under the limit as it is then) and reports every attempt's outcome, a write's with its latency.
 */

export type LoadSignal = { kind: 'ok'; latencyMs?: number } | { kind: 'overload'; retryAfterMs: number | null };

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
   * once), so they do not halve again, and answers this soon after it tell of the burst, not of the
   * halved limit. Default 1 s.
   */
  readonly settleMs?: number;
}

/** Estimated requests waiting at the server: more than this, one write less at once... */
const QUEUE_HIGH = 2.4;
/** ...fewer than this, one more (up to the configured concurrency). Between the two the limit stays. */
const QUEUE_LOW = 1.2;
/** A window is this many answered writes, or twice the limit when that is more. */
const MIN_WINDOW = 16;
/** `base` is the fastest answer of this many windows: it follows a server that became slower. */
const BASE_WINDOWS = 4;

export function createAdaptiveConcurrency(options: AdaptiveConcurrencyOptions): AdaptiveConcurrency {
  const ceiling = Math.max(1, Math.floor(options.initial));
  const settleMs = options.settleMs ?? 1000;
  let limit = ceiling;
  let lastDecrease = -Infinity;
  let blockedUntil = -Infinity;
  let window: number[] = [];
  const fastest: number[] = [];
  const closeWindow = (): void => {
    const mean = window.reduce((sum, latency) => sum + latency, 0) / window.length;
    fastest.push(Math.min(...window));
    if (fastest.length > BASE_WINDOWS) fastest.shift();
    window = [];
    if (mean <= 0) return;
    const queue = limit * (1 - Math.min(...fastest) / mean);
    const next = queue > QUEUE_HIGH ? limit - 1 : queue < QUEUE_LOW ? limit + 1 : limit;
    if (next >= 1 && next <= ceiling) limit = next;
  };
  return {
    limit: () => limit,
    delayMs: () => Math.max(0, blockedUntil - options.now()),
    record(signal) {
      const now = options.now();
      if (signal.kind === 'ok') {
        // Only a write's answer tells of the writes waiting; one that came in the burst's wake does not.
        if (signal.latencyMs === undefined || now - lastDecrease < settleMs) return;
        window.push(signal.latencyMs);
        if (window.length >= Math.max(MIN_WINDOW, 2 * limit)) closeWindow();
        return;
      }
      window = [];
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
