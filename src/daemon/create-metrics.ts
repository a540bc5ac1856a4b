import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

/** The daemon's Prometheus metrics, in a registry of their own (no global state between tests). */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'onoffice_sync_process_' });
  const metrics = {
    registry,
    runs: new Counter({ name: 'onoffice_sync_runs_total', help: 'Sync runs by kind and result', labelNames: ['kind', 'result'] as const, registers: [registry] }),
    items: new Counter({ name: 'onoffice_sync_items_total', help: 'Calendar objects written, by action', labelNames: ['action'] as const, registers: [registry] }),
    failures: new Counter({ name: 'onoffice_sync_item_failures_total', help: 'Calendar objects that could not be written', registers: [registry] }),
    quarantined: new Gauge({ name: 'onoffice_sync_quarantined_appointments', help: 'onOffice records in quarantine', registers: [registry] }),
    caldavQuarantined: new Gauge({ name: 'onoffice_sync_caldav_quarantined_objects', help: 'Calendar objects the CalDAV server refused for good', registers: [registry] }),
    requests: new Counter({ name: 'onoffice_sync_requests_total', help: 'HTTP requests sent, by side', labelNames: ['side'] as const, registers: [registry] }),
    lag: new Gauge({ name: 'onoffice_sync_lag_seconds', help: 'How far the onOffice cursor is behind now', registers: [registry] }),
    lastSuccess: new Gauge({ name: 'onoffice_sync_last_success_timestamp_seconds', help: 'When the last run succeeded', registers: [registry] }),
    runDuration: new Gauge({ name: 'onoffice_sync_last_run_duration_seconds', help: 'Duration of the last run', registers: [registry] }),
  };
  return metrics;
}

export type Metrics = ReturnType<typeof createMetrics>;

/** A fetch that counts every request it sends, for the per-side request metrics. */
export function createCountingFetch(inner: typeof fetch, count: () => void): typeof fetch {
  return (input, init) => {
    count();
    return inner(input, init);
  };
}
