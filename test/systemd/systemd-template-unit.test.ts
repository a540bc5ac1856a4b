import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const TEMPLATE = fileURLToPath(new URL('../../systemd/onoffice-sync@.service', import.meta.url));
let dir: string;

beforeAll(() => {
  // systemd-analyze reads an instance from its template in the same folder.
  dir = mkdtempSync(join(tmpdir(), 'oos-systemd-template-'));
  copyFileSync(TEMPLATE, join(dir, 'onoffice-sync@.service'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The unit's settings without comments: [section, key, value]. */
function readSettings(text: string): Array<[string, string]> {
  return text
    .split('\n')
    .filter((line) => /^[A-Za-z]+=/.test(line))
    .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]);
}

describe('systemd template unit onoffice-sync@.service', () => {
  it.each(['onoffice-sync@.service', 'onoffice-sync@agency-a.service', 'onoffice-sync@agency-b.service'])('%s passes systemd-analyze verify without a word', (name) => {
    const result = spawnSync('systemd-analyze', ['verify', join(dir, name)], { encoding: 'utf8' });
    expect(result.error).toBeUndefined();
    expect(`${result.stdout}${result.stderr}`.trim()).toBe('');
    expect(result.status).toBe(0);
  });

  it('an instance is rated at most 2.0 by systemd-analyze security', () => {
    const text = execFileSync('systemd-analyze', ['security', '--offline=true', '--no-pager', join(dir, 'onoffice-sync@agency-a.service')], { encoding: 'utf8' });
    const match = /Overall exposure level for onoffice-sync@agency-a\.service: (\d+\.\d+)/.exec(text);
    expect(match, text).not.toBeNull();
    expect(Number(match![1])).toBeLessThanOrEqual(2.0);
  });

  it('gives each instance its own configuration, credentials and state database', () => {
    const settings = readSettings(readFileSync(TEMPLATE, 'utf8'));
    const values = (key: string): string[] => settings.filter(([k]) => k === key).map(([, v]) => v);
    expect(values('ExecStart')).toEqual(['/usr/bin/node --max-semi-space-size=2 --heap-growing-percent=50 --expose-gc /opt/onoffice-sync/dist/cli/main.js daemon --config /etc/onoffice-sync/%i/config.yaml']);
    expect(values('Environment')).toContain('STATE_DB=/var/lib/onoffice-sync/%i/state.db');
    expect(values('StateDirectory')).toEqual(['onoffice-sync/%i']);
    const credentials = values('LoadCredential');
    expect(credentials.map((c) => c.split(':')[0])).toEqual(['onoffice-token', 'onoffice-secret', 'caldav-password']);
    for (const credential of credentials) expect(credential).toMatch(/^[a-z-]+:\/etc\/onoffice-sync\/%i\/credentials\/[a-z-]+$/);
    // Nothing an instance writes or reads may be shared with another one.
    const paths = settings.filter(([key]) => key !== 'Documentation').flatMap(([, value]) => value.match(/\/(?:etc|var\/lib)\/onoffice-sync\S*/g) ?? []);
    for (const path of paths) expect(path).toMatch(/^\/(?:etc|var\/lib)\/onoffice-sync\/%i\//);
  });
});
