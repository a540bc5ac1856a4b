import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const unit = (name: string): string => fileURLToPath(new URL(`../../systemd/${name}`, import.meta.url));
const UNITS = ['onoffice-sync.service', 'onoffice-sync-oneshot.service', 'onoffice-sync.timer'];

describe('systemd units', () => {
  it.each(UNITS)('%s passes systemd-analyze verify without a word', (name) => {
    const result = spawnSync('systemd-analyze', ['verify', unit(name)], { encoding: 'utf8' });
    expect(result.error).toBeUndefined();
    expect(`${result.stdout}${result.stderr}`.trim()).toBe('');
    expect(result.status).toBe(0);
  });

  it.each(['onoffice-sync.service', 'onoffice-sync-oneshot.service'])('%s is rated at most 2.0 by systemd-analyze security', (name) => {
    const text = execFileSync('systemd-analyze', ['security', '--offline=true', '--no-pager', unit(name)], { encoding: 'utf8' });
    const match = /Overall exposure level for \S+: (\d+\.\d+)/.exec(text);
    expect(match, text).not.toBeNull();
    expect(Number(match![1])).toBeLessThanOrEqual(2.0);
  });
});
