import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/daemon/create-metrics.js';
import { MODIFIED_CURSOR } from '../../src/onoffice/poll-changes.js';
import { openStateStore } from '../../src/store/open-state-store.js';

const sample = (text: string, series: string): number | undefined => {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

describe('the daemon’s metrics', () => {
  it('keeps the standard process_* and nodejs_* names, with no prefix of ours in front', async () => {
    const text = await createMetrics().registry.metrics();
    expect(text).toMatch(/^process_cpu_seconds_total \d/m);
    expect(text).toMatch(/^process_resident_memory_bytes \d/m);
    expect(text).toMatch(/^nodejs_heap_size_used_bytes \d/m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds \d/m);
    expect(text).not.toContain('onoffice_sync_process_');
  });

  it('computes the lag when scraped, so it grows while no run happens', async () => {
    let clock = new Date('2026-12-01T10:00:30Z');
    const store = openStateStore(':memory:');
    store.cursors.set(MODIFIED_CURSOR, '2026-12-01 10:00:00');
    const metrics = createMetrics({ now: () => clock });
    metrics.watchStore(store);
    expect(sample(await metrics.registry.metrics(), 'onoffice_sync_lag_seconds')).toBe(30);
    clock = new Date('2026-12-01T10:15:30Z');
    expect(sample(await metrics.registry.metrics(), 'onoffice_sync_lag_seconds')).toBe(930);
    expect(sample(await metrics.registry.metrics(), 'onoffice_sync_quarantined_records{side="onoffice"}')).toBe(0);
    store.close();
  });

  it('has a run-duration histogram and counts writes per CalDAV target and per source of the way back', async () => {
    const metrics = createMetrics();
    metrics.runDuration.observe({ kind: 'incremental', result: 'success' }, 0.3);
    metrics.runDuration.observe({ kind: 'incremental', result: 'success' }, 42);
    const failedItem = { calendarKey: 'x', uid: 'u', appointmentId: 1, action: 'create' as const, error: 'HTTP 503' };
    const push = (target: string, created: number, failed: number) => ({ target, created, updated: 1, deleted: 0, recovered: 0, failed: Array.from({ length: failed }, () => failedItem) }) as never;
    const back = { created: 2, updated: 1, deleted: 1, conflicts: 0, unsupported: 0, confirmations: 0, recovered: 1, failed: [] };
    metrics.recordRun({
      targets: [push('office', 5, 0), push('team', 3, 2)],
      twoWay: [{ target: 'team', ...back }],
      imports: [{ name: 'bookings', notModified: false, events: 0, ...back, created: 0, recovered: 0, failed: [failedItem] }],
    });
    const text = await metrics.registry.metrics();
    expect(sample(text, 'onoffice_sync_run_duration_seconds_bucket{le="0.5",kind="incremental",result="success"}')).toBe(1);
    expect(sample(text, 'onoffice_sync_run_duration_seconds_bucket{le="60",kind="incremental",result="success"}')).toBe(2);
    expect(sample(text, 'onoffice_sync_run_duration_seconds_count{kind="incremental",result="success"}')).toBe(2);
    expect(sample(text, 'onoffice_sync_items_total{target="office",action="create"}')).toBe(5);
    expect(sample(text, 'onoffice_sync_items_total{target="team",action="create"}')).toBe(3);
    expect(sample(text, 'onoffice_sync_item_failures_total{target="team"}')).toBe(2);
    expect(sample(text, 'onoffice_sync_onoffice_writes_total{source="team",action="create"}')).toBe(3);
    expect(sample(text, 'onoffice_sync_onoffice_write_failures_total{source="import:bookings"}')).toBe(1);
  });
});
