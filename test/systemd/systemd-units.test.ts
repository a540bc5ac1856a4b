import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';

const unit = (name: string): string => fileURLToPath(new URL(`../../systemd/${name}`, import.meta.url));
const UNITS = ['onoffice-sync.service', 'onoffice-sync-oneshot.service', 'onoffice-sync.timer'];
const SERVICES = ['onoffice-sync.service', 'onoffice-sync-oneshot.service'];

/** The values of `key=` lines in a unit file, in order. */
const settings = (name: string, key: string): string[] =>
  readFileSync(unit(name), 'utf8')
    .split('\n')
    .filter((line) => line.startsWith(`${key}=`))
    .map((line) => line.slice(key.length + 1));

describe('systemd units', () => {
  it.each(UNITS)('%s passes systemd-analyze verify without a word', (name) => {
    const result = spawnSync('systemd-analyze', ['verify', unit(name)], { encoding: 'utf8' });
    expect(result.error).toBeUndefined();
    expect(`${result.stdout}${result.stderr}`.trim()).toBe('');
    expect(result.status).toBe(0);
  });

  it.each(SERVICES)('%s is rated at most 2.0 by systemd-analyze security', (name) => {
    const text = execFileSync('systemd-analyze', ['security', '--offline=true', '--no-pager', unit(name)], { encoding: 'utf8' });
    const match = /Overall exposure level for \S+: (\d+\.\d+)/.exec(text);
    expect(match, text).not.toBeNull();
    expect(Number(match![1])).toBeLessThanOrEqual(2.0);
  });

  it('does not restart the daemon on a configuration error (exit 2), and reloads it with SIGHUP', () => {
    expect(settings('onoffice-sync.service', 'Restart')).toEqual(['on-failure']);
    expect(settings('onoffice-sync.service', 'RestartPreventExitStatus')).toEqual(['2']);
    expect(settings('onoffice-sync.service', 'ExecReload')).toEqual(['/bin/kill -HUP $MAINPID']);
  });

  it('leaves a oneshot run that failed (any exit but 0) visible as failed', () => {
    expect(settings('onoffice-sync-oneshot.service', 'SuccessExitStatus')).toEqual([]);
  });

  it.each(SERVICES)('%s needs the onOffice credentials but only one of the CalDAV password and bearer token', (name) => {
    const loaded = settings(name, 'LoadCredential').map((value) => value.split(':')[0]);
    expect(loaded.sort()).toEqual(['caldav-bearer-token', 'caldav-password', 'onoffice-secret', 'onoffice-token']);
    // A SetCredential= of the same name is the default systemd uses when the file cannot be read.
    expect(settings(name, 'SetCredential').sort()).toEqual(['caldav-bearer-token:\\n', 'caldav-password:\\n']);
  });

  it('reads the blank default credential as unset, so a bearer-token setup works without a password file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'oos-credentials-'));
    try {
      writeFileSync(join(dir, 'onoffice-token'), 'token\n');
      writeFileSync(join(dir, 'onoffice-secret'), 'secret\n');
      writeFileSync(join(dir, 'caldav-bearer-token'), 'bearer-abc\n');
      // What SetCredential=caldav-password:\n gives the service when the password file is missing.
      writeFileSync(join(dir, 'caldav-password'), '\n');
      const config = loadConfig({ env: { CREDENTIALS_DIRECTORY: dir, CALDAV_URL: 'https://dav.example.com/' } });
      expect(config.onoffice).toMatchObject({ token: 'token', secret: 'secret' });
      expect(config.caldav[0]).toMatchObject({ url: 'https://dav.example.com/', bearerToken: 'bearer-abc', password: '' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
