import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { SyncSummary } from '../app/run-sync.js';
import { createFeedStatsRepository } from '../feed/feed-stats-repository.js';
import { MODIFIED_CURSOR, measureCursorLag } from '../onoffice/poll-changes.js';
import type { HttpTransport } from '../http/send-http-request.js';
import type { StateStore } from '../store/open-state-store.js';
import { createCaldavQuarantineRepository } from '../store/caldav-quarantine-repository.js';

/** Runs take from well under a second (nothing changed) to an hour (a backfill of a large account). */
const RUN_DURATION_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];

/**
 * The daemon's Prometheus metrics, in a registry of their own (no global state between tests). The
 * process and Node.js metrics keep their standard names (process_cpu_seconds_total, nodejs_heap_…), so
 * stock Node.js dashboards work. Lag, quarantine and feed size are read from the state store when
 * Prometheus scrapes (watchStore), so the lag keeps growing when the daemon hangs instead of freezing
 * at the value of the last run.
 */
export function createMetrics(options: { now?: () => Date } = {}) {
  const now = options.now ?? (() => new Date());
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  let store: Pick<StateStore, 'cursors' | 'appointments' | 'db'> | null = null;
  // Made once per watched store: a repository prepares its statements when it is made, and a scrape
  // every few seconds that prepares a dozen each time churns SQLite's native memory (RSS) for nothing.
  let caldavQuarantine: ReturnType<typeof createCaldavQuarantineRepository> | null = null;
  let feedStats: ReturnType<typeof createFeedStatsRepository> | null = null;
  const registers = [registry];

  const metrics = {
    registry,
    runs: new Counter({ name: 'onoffice_sync_runs_total', help: 'Sync runs by kind and result', labelNames: ['kind', 'result'] as const, registers }),
    runDuration: new Histogram({
      name: 'onoffice_sync_run_duration_seconds',
      help: 'How long sync runs take, by kind and result',
      labelNames: ['kind', 'result'] as const,
      buckets: RUN_DURATION_BUCKETS,
      registers,
    }),
    items: new Counter({ name: 'onoffice_sync_items_total', help: 'Calendar objects written, by CalDAV target and action', labelNames: ['target', 'action'] as const, registers }),
    failures: new Counter({ name: 'onoffice_sync_item_failures_total', help: 'Calendar objects that could not be written, by CalDAV target', labelNames: ['target'] as const, registers }),
    backWrites: new Counter({
      name: 'onoffice_sync_onoffice_writes_total',
      help: 'Appointments written to onOffice from a two-way calendar or an ICS import, by source and action',
      labelNames: ['source', 'action'] as const,
      registers,
    }),
    backFailures: new Counter({
      name: 'onoffice_sync_onoffice_write_failures_total',
      help: 'Calendar or ICS import changes that did not reach onOffice (an import that cannot be fetched counts too), by source',
      labelNames: ['source'] as const,
      registers,
    }),
    triggers: new Counter({
      name: 'onoffice_sync_triggers_total',
      help: 'Syncs asked for now (POST /sync, SIGUSR1), by source and result (queued, stopping, backoff)',
      labelNames: ['source', 'result'] as const,
      registers,
    }),
    requests: new Counter({ name: 'onoffice_sync_requests_total', help: 'HTTP requests sent, by side', labelNames: ['side'] as const, registers }),
    lastSuccess: new Gauge({ name: 'onoffice_sync_last_success_timestamp_seconds', help: 'When the last run succeeded', registers }),
    quarantined: new Gauge({
      name: 'onoffice_sync_quarantined_records',
      help: 'Records in quarantine, by side (onoffice: appointments we cannot read faithfully)',
      labelNames: ['side'] as const,
      registers,
      collect() {
        if (!store) return;
        this.set({ side: 'onoffice' }, store.appointments.counts().quarantined);
        this.set({ side: 'caldav' }, caldavQuarantine?.list().length ?? 0);
      },
    }),
    lag: new Gauge({
      name: 'onoffice_sync_lag_seconds',
      help: 'How far the onOffice cursor is behind now, read at scrape time',
      registers,
      collect() {
        const cursor = store?.cursors.get(MODIFIED_CURSOR)?.value;
        if (cursor) this.set(measureCursorLag(cursor, now()));
      },
    }),
    feedOversize: new Gauge({
      name: 'onoffice_sync_feed_oversize',
      help: "1 when a feed's last body was over Google's 1 MB limit, by feed",
      labelNames: ['feed'] as const,
      registers,
      collect() {
        for (const stats of feedStats?.list() ?? []) this.set({ feed: stats.feedName }, stats.oversize ? 1 : 0);
      },
    }),
    /** The gauges read at scrape time come from this store from now on. */
    watchStore(watched: Pick<StateStore, 'cursors' | 'appointments' | 'db'>): void {
      store = watched;
      caldavQuarantine = createCaldavQuarantineRepository(watched.db);
      feedStats = createFeedStatsRepository(watched.db);
    },
    /** Counts one run's writes in both directions, per target and source. */
    recordRun(summary: Pick<SyncSummary, 'targets' | 'twoWay' | 'imports'>): void {
      for (const target of summary.targets) {
        metrics.items.inc({ target: target.target, action: 'create' }, target.created);
        metrics.items.inc({ target: target.target, action: 'update' }, target.updated);
        metrics.items.inc({ target: target.target, action: 'delete' }, target.deleted);
        metrics.failures.inc({ target: target.target }, target.failed.length);
      }
      const back = [...summary.twoWay.map((result) => ({ source: result.target, result })), ...summary.imports.map((result) => ({ source: `import:${result.name}`, result }))];
      for (const { source, result } of back) {
        metrics.backWrites.inc({ source, action: 'create' }, result.created + result.recovered);
        metrics.backWrites.inc({ source, action: 'modify' }, result.updated);
        metrics.backWrites.inc({ source, action: 'delete' }, result.deleted);
        metrics.backFailures.inc({ source }, result.failed.length);
      }
    },
  };
  return metrics;
}

export type Metrics = ReturnType<typeof createMetrics>;

/** A transport that counts every request it sends, for the per-side request metrics. */
export function createCountingTransport(inner: HttpTransport, count: () => void): HttpTransport {
  return (url, request) => {
    count();
    return inner(url, request);
  };
}
