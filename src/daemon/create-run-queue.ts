import type { Logger } from '../log/create-logger.js';
import type { Metrics } from './create-metrics.js';

export type RunKind = 'incremental' | 'reconcile';

export interface DaemonRunResult {
  /** false: the run failed as a whole (the error is logged by the runner). */
  readonly ok: boolean;
  /** Seconds the onOffice cursor is behind now, when known. */
  readonly lagSeconds?: number | null;
}

/** What a trigger (POST /sync, SIGUSR1) was answered. */
export type TriggerResult =
  /** running: a run was in flight, so this one follows it (many triggers meanwhile make one follow-up). */
  | { readonly queued: true; readonly running: boolean }
  | { readonly queued: false; readonly running: boolean; readonly reason: 'stopping' }
  /** After failed runs the backoff holds: the first run it allows reads whatever changed meanwhile. */
  | { readonly queued: false; readonly running: false; readonly reason: 'backoff'; readonly retryAt: Date };

export interface RunQueueState {
  readonly running: boolean;
  readonly lastSuccess: Date | null;
  readonly lastResultOk: boolean | null;
  readonly consecutiveFailures: number;
}

export interface RunQueue {
  /** A match of a schedule. */
  tick(kind: RunKind): void;
  /** Someone asks for a sync now. */
  trigger(): TriggerResult;
  /** Runs at once, or joins the run in flight (a reconciliation asked for then follows it). */
  runNow(kind: RunKind): Promise<void>;
  /** No new runs from now on; the run in flight is asked to stop. true: it stopped within timeoutMs. */
  stop(timeoutMs: number): Promise<boolean>;
  readonly stopping: boolean;
  state(): RunQueueState;
}

export interface RunQueueOptions {
  /** One sync run. It must stop taking new items once shouldStop() is true. */
  readonly runSync: (kind: RunKind, shouldStop: () => boolean) => Promise<DaemonRunResult>;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly now: () => Date;
}

const MAX_BACKOFF_MS = 15 * 60_000;
const BASE_BACKOFF_MS = 30_000;

/**
 * One run at a time. Whatever asks for a run while one is in flight (a schedule tick, a trigger, the
 * nightly reconciliation) is coalesced into at most one follow-up run, which starts when the run in
 * flight ends: a change made during a run is read by the next one without waiting for the schedule,
 * and a burst of triggers costs one run, not one each. A reconciliation covers an incremental run, so
 * a follow-up asked for as both is one reconciliation.
 *
 * After a failed run the incremental runs back off (30 s, doubling to 15 minutes): ticks and triggers
 * inside the backoff start nothing, and a follow-up queued during the failed run is dropped. A trigger
 * does not cut the backoff short: what failed (onOffice down, a CalDAV server refusing) is rarely fixed
 * by asking again, and a trigger wired to every change in onOffice would otherwise turn an outage into
 * a stream of requests. A fixed configuration is a SIGHUP, which starts afresh. The nightly
 * reconciliation still runs in a backoff, as it always did.
 */
export function createRunQueue(options: RunQueueOptions): RunQueue {
  const { metrics, logger, now } = options;
  let running: Promise<void> | null = null;
  let followUp: RunKind | null = null;
  let stopping = false;
  let consecutiveFailures = 0;
  let notBefore = 0;
  let lastSuccess: Date | null = null;
  let lastResultOk: boolean | null = null;

  const execute = async (kind: RunKind): Promise<boolean> => {
    const started = now().getTime();
    let ok = false;
    try {
      const result = await options.runSync(kind, () => stopping);
      ok = result.ok;
      if (result.lagSeconds !== undefined && result.lagSeconds !== null) metrics.lag.set(result.lagSeconds);
    } catch (error) {
      logger.error({ err: error instanceof Error ? error.message : String(error), kind }, 'sync run failed');
    }
    const finished = now().getTime();
    const labels = { kind, result: ok ? 'success' : 'failure' } as const;
    metrics.runs.inc(labels);
    metrics.runDuration.observe(labels, (finished - started) / 1000);
    lastResultOk = ok;
    if (ok) {
      consecutiveFailures = 0;
      notBefore = 0;
      lastSuccess = new Date(finished);
      metrics.lastSuccess.set(finished / 1000);
    } else {
      consecutiveFailures += 1;
      const backoff = Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** (consecutiveFailures - 1));
      notBefore = finished + backoff;
      logger.warn({ consecutiveFailures, retryInSeconds: Math.round(backoff / 1000) }, 'backing off before the next run');
    }
    return ok;
  };

  const start = (kind: RunKind): Promise<void> => {
    const chain = (async () => {
      try {
        let next: RunKind | null = kind;
        while (next && !stopping) {
          const ok = await execute(next);
          next = followUp;
          followUp = null;
          if (!ok && next === 'incremental') next = null;
        }
      } finally {
        running = null;
      }
    })();
    running = chain;
    return chain;
  };

  const queueFollowUp = (kind: RunKind): void => {
    followUp = followUp === 'reconcile' || kind === 'reconcile' ? 'reconcile' : 'incremental';
  };

  const backingOff = (): boolean => now().getTime() < notBefore;

  return {
    tick(kind) {
      if (stopping) return;
      if (kind === 'incremental' && backingOff()) {
        logger.debug('skipping a scheduled run: backing off after failures');
        return;
      }
      if (running) queueFollowUp(kind);
      else void start(kind);
    },
    trigger() {
      if (stopping) return { queued: false, running: running !== null, reason: 'stopping' };
      if (running) {
        queueFollowUp('incremental');
        return { queued: true, running: true };
      }
      if (backingOff()) return { queued: false, running: false, reason: 'backoff', retryAt: new Date(notBefore) };
      void start('incremental');
      return { queued: true, running: false };
    },
    runNow(kind) {
      if (stopping) return Promise.resolve();
      if (running) {
        if (kind === 'reconcile') queueFollowUp(kind);
        return running;
      }
      return start(kind);
    },
    async stop(timeoutMs) {
      stopping = true;
      followUp = null;
      const inFlight = running;
      if (!inFlight) return true;
      let timer: NodeJS.Timeout | undefined;
      const settled = await Promise.race([inFlight.then(() => true), new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)))]);
      clearTimeout(timer);
      return settled;
    },
    get stopping() {
      return stopping;
    },
    state: () => ({ running: running !== null, lastSuccess, lastResultOk, consecutiveFailures }),
  };
}
