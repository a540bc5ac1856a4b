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

function problemsOf(load: () => unknown): ConfigError {
  try {
    load();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('the configuration was accepted');
}

describe('loadConfig refuses what it cannot use, all at once', () => {
  it('names an unknown key with a suggestion, a wrong type as a type, and lists every problem', () => {
    const file = tempFile(
      'c.yaml',
      ['onoffice:', '  retries: many', 'caldav:', '  - url: https://dav.example/', '    twoway: true', '    colour: "#ffffff"', 'daemon:', '  schedule: "61 * * * *"', '  reconcileSchedule: "*/30 * * * * *"', ''].join('\n'),
    );
    const error = problemsOf(() => loadConfig({ file, env: minimalEnv }));
    const byKey = Object.fromEntries(error.problems.map((p) => [p.key, p.problem]));
    expect(byKey['caldav.0.twoway']).toMatch(/did you mean twoWay\?/);
    expect(byKey['caldav.0.colour']).toMatch(/did you mean color\?/);
    expect(byKey['onoffice.retries']).toMatch(/must be a number, not text/);
    expect(byKey['daemon.schedule']).toMatch(/cron expression/);
    expect(byKey['daemon.reconcileSchedule']).toBeUndefined();
    expect(error.problems).toHaveLength(4);
    expect(error.message).toMatch(/4 problems/);
  });

  it('reports a URL that is not one (empty, a word) as a problem, never as a crash', () => {
    const error = problemsOf(() => loadConfig({ file: tempFile('c.yaml', 'imports:\n  - name: a\n    url: ""\n  - name: b\n    url: nothing\n'), env: minimalEnv }));
    const byKey = Object.fromEntries(error.problems.map((p) => [p.key, p.problem]));
    expect(byKey['imports.0.url']).toMatch(/must be a URL/);
    expect(byKey['imports.1.url']).toMatch(/must be a URL/);
  });

  it('refuses non-http URLs and duplicate names', () => {
    const raw = (extra: string) => tempFile('c.yaml', extra);
    const error = problemsOf(() =>
      loadConfig({
        file: raw('caldav:\n  - url: ftp://dav.example/\nimports:\n  - name: a\n    url: file:///etc/passwd\nfeeds:\n  - name: team\n  - name: team\n'),
        env: minimalEnv,
      }),
    );
    expect(error.problems.map((p) => p.key)).toEqual(['caldav.0.url', 'feeds.1.name', 'imports.0.url']);
    expect(error.message).toMatch(/http:\/\/ or https:\/\//);
    expect(error.message).toMatch(/"team" is used twice/);
  });

  it('trims a secret from the environment and warns; refuses X together with X_FILE', () => {
    const warnings: string[] = [];
    const config = loadConfig({ env: { ONOFFICE_TOKEN: '  tok\n', ONOFFICE_SECRET: 'sec' }, warn: (m) => warnings.push(m) });
    expect(config.onoffice.token).toBe('tok');
    expect(warnings).toEqual([expect.stringMatching(/ONOFFICE_TOKEN had whitespace/)]);
    const secretFile = tempFile('secret', 'from-file\n');
    const error = problemsOf(() => loadConfig({ env: { ...minimalEnv, ONOFFICE_SECRET_FILE: secretFile } }));
    expect(error.key).toBe('ONOFFICE_SECRET');
    expect(error.message).toMatch(/ONOFFICE_SECRET and ONOFFICE_SECRET_FILE are both set/);
  });

  it('gives a target with another name its password from the environment, a *_FILE or a systemd credential', () => {
    const file = tempFile('c.yaml', 'caldav:\n  - name: team-b\n    url: https://b.example/\n    username: b\n  - name: c\n    url: https://c.example/\n  - name: d\n    url: https://d.example/\n');
    const tokenFile = tempFile('token', 'bearer-from-file\n');
    const credentials = join(tempFile('placeholder', ''), '..');
    writeFileSync(join(credentials, 'caldav-d-password'), 'from-credential\n');
    const config = loadConfig({
      file,
      env: { ...minimalEnv, CALDAV_TEAM_B_PASSWORD: 'b-password', CALDAV_C_BEARER_TOKEN_FILE: tokenFile, CREDENTIALS_DIRECTORY: credentials },
    });
    expect(config.caldav.map((t) => [t.name, t.password, t.bearerToken])).toEqual([
      ['team-b', 'b-password', ''],
      ['c', '', 'bearer-from-file'],
      ['d', 'from-credential', ''],
    ]);
  });

  it('takes user:password@ of a CalDAV URL as the credentials and removes it; refuses it next to a username', () => {
    const config = loadConfig({ env: { ...minimalEnv, CALDAV_URL: 'https://agent:p%40ss%2Fword@dav.example/dav/' } });
    expect(config.caldav[0]).toMatchObject({ url: 'https://dav.example/dav/', username: 'agent', password: 'p@ss/word' });
    const error = problemsOf(() => loadConfig({ env: { ...minimalEnv, CALDAV_URL: 'https://agent:hunter2@dav.example/', CALDAV_USERNAME: 'agent' } }));
    expect(error.key).toBe('caldav.0.url');
    expect(error.message).not.toContain('hunter2');
  });
});
