import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { ConfigError } from '../../src/config/config-error.js';

const minimalEnv = { ONOFFICE_TOKEN: 'tok', ONOFFICE_SECRET: 'sec' };

function tempFile(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'oos-config-'));
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

describe('loadConfig', () => {
  it('works from the environment alone and fills the defaults', () => {
    const config = loadConfig({
      env: { ...minimalEnv, CALDAV_URL: 'http://127.0.0.1:5232/', CALDAV_USERNAME: 'u', CALDAV_PASSWORD: 'p', STATE_DB: '/tmp/x.db' },
    });
    expect(config.onoffice.url).toBe('https://api.onoffice.de/api/stable/api.php');
    expect(config.timezone).toBe('Europe/Berlin');
    expect(config.stateDb).toBe('/tmp/x.db');
    expect(config.caldav).toHaveLength(1);
    expect(config.caldav[0]).toMatchObject({ name: 'default', url: 'http://127.0.0.1:5232/', username: 'u', calendar: 'onoffice', displayName: 'onOffice' });
    expect(config.poll.overlapSeconds).toBe(120);
    expect(Object.isFrozen(config.poll)).toBe(true);
  });

  it('names the missing secret and the variable that sets it', () => {
    let error: unknown;
    try {
      loadConfig({ env: { ONOFFICE_TOKEN: 'tok' } });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).key).toBe('onoffice.secret');
    expect((error as ConfigError).message).toContain('ONOFFICE_SECRET');
  });

  it('names a bad value in the file with its key', () => {
    const file = tempFile('c.yaml', 'timezone: Mars/Olympus\n');
    expect(() => loadConfig({ file, env: minimalEnv })).toThrow(/timezone.*IANA/);
  });

  it('lets the environment override the file and reads secrets from *_FILE', () => {
    const secretFile = tempFile('secret', 'from-file\n');
    const file = tempFile('c.yaml', 'onoffice:\n  token: file-token\n  secret: file-secret\n');
    const config = loadConfig({ file, env: { ONOFFICE_TOKEN: 'env-token', ONOFFICE_SECRET_FILE: secretFile } });
    expect(config.onoffice.token).toBe('env-token');
    expect(config.onoffice.secret).toBe('from-file');
  });

  it('reports an unreadable config file with its path', () => {
    expect(() => loadConfig({ file: '/nonexistent/oos.yaml', env: minimalEnv })).toThrow(/cannot read \/nonexistent\/oos.yaml/);
  });
});
