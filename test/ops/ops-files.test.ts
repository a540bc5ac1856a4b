import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/daemon/create-metrics.js';
import { REPO_ROOT } from '../faults/fault-harness.js';

const run = promisify(execFile);
const OPS = join(REPO_ROOT, 'ops');

/** The metric names the daemon exposes, from its own registry (histograms with their series suffixes). */
async function readExposedNames(): Promise<Set<string>> {
  const text = await createMetrics().registry.metrics();
  const names = new Set<string>();
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name!);
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${name}${suffix}`);
  }
  return names;
}

const referencedNames = (text: string): string[] => [...new Set(text.match(/\b(?:onoffice_sync|process|nodejs)_[a-z0-9_]+\b/g) ?? [])];

describe('ops/: Prometheus alert rules and the Grafana dashboard', () => {
  it('the alert rules pass promtool check and their unit tests', async () => {
    const check = await run('promtool', ['check', 'rules', 'prometheus-alerts.yml'], { cwd: OPS, timeout: 60_000 });
    expect(check.stdout).toContain('SUCCESS: 5 rules found');
    const tested = await run('promtool', ['test', 'rules', 'prometheus-alerts.test.yml'], { cwd: OPS, timeout: 60_000 });
    expect(tested.stdout).toContain('SUCCESS');
    const rules = readFileSync(join(OPS, 'prometheus-alerts.yml'), 'utf8');
    for (const alert of ['OnofficeSyncFailing', 'OnofficeSyncLagGrowing', 'OnofficeSyncQuarantineGrowing', 'OnofficeSyncFeedErrors']) expect(rules).toContain(`alert: ${alert}`);
  });

  it('the rules and every dashboard query use only metrics the daemon exposes', async () => {
    const exposed = await readExposedNames();
    const rules = readFileSync(join(OPS, 'prometheus-alerts.yml'), 'utf8').replace(/^\s*#.*$/gm, '');
    expect(referencedNames(rules).filter((name) => !exposed.has(name))).toEqual([]);

    const dashboard = JSON.parse(readFileSync(join(OPS, 'grafana-dashboard.json'), 'utf8')) as { uid: string; panels: Array<{ title: string; targets: Array<{ expr: string }> }> };
    expect(dashboard.uid).toBe('onoffice-sync');
    const queries = dashboard.panels.flatMap((panel) => panel.targets.map((target) => target.expr));
    expect(queries.length).toBeGreaterThanOrEqual(10);
    const used = referencedNames(queries.join('\n'));
    expect(used.filter((name) => !exposed.has(name))).toEqual([]);
    for (const name of ['onoffice_sync_lag_seconds', 'onoffice_sync_run_duration_seconds_bucket', 'onoffice_sync_items_total', 'process_cpu_seconds_total', 'nodejs_heap_size_used_bytes']) expect(used).toContain(name);
  });
});
