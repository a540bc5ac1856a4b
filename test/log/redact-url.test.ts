import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/start-emulator.js';
import { createLogger } from '../../src/log/create-logger.js';
import { redactUrl } from '../../src/log/redact-url.js';
import { runCli } from '../faults/fault-harness.js';
import { createTempDir } from '../support/sync-fixture.js';

/** A value made fresh each run, so it can stand for a password without being one. */
const PASSWORD = `pw-${randomUUID()}`;

describe('redactUrl', () => {
  it('removes userinfo, query values and feed path tokens, in URLs and in text holding them', () => {
    expect(redactUrl(`https://agent:${PASSWORD}@dav.example/dav/?x=1`)).toBe('https://[redacted]@dav.example/dav/?x=[redacted]');
    expect(redactUrl(`fetch failed: PUT http://a:${PASSWORD}@h:5232/cal/1.ics (ECONNREFUSED)`)).toBe('fetch failed: PUT http://[redacted]@h:5232/cal/1.ics (ECONNREFUSED)');
    expect(redactUrl(`/feeds/team.ics?token=${PASSWORD}`)).toBe('/feeds/team.ics?token=[redacted]');
    expect(redactUrl(`https://cal.example/feeds/team/${PASSWORD}.ics`)).toBe('https://cal.example/feeds/team/[redacted].ics');
    expect(redactUrl(`http://[x/feeds/o.ics?token=${PASSWORD}`)).not.toContain(PASSWORD);
    expect(redactUrl('https://dav.example/dav/principals/user@example.com/')).toBe('https://dav.example/dav/principals/user@example.com/');
    expect(redactUrl('no url here')).toBe('no url here');
  });

  it('is applied to every string of a log line: message, fields, bindings and errors', () => {
    let text = '';
    const destination = new Writable({ write: (chunk, _encoding, done) => ((text += chunk.toString()), done()) });
    const logger = createLogger({ destination }).child({ target: `https://a:${PASSWORD}@dav.example/` });
    const error = Object.assign(new TypeError(`Invalid URL http://a:${PASSWORD}@x`), { input: `http://[x/feeds/o.ics?token=${PASSWORD}` });
    logger.error({ err: error, nested: { url: `https://b:${PASSWORD}@dav.example/` } }, `could not reach https://c:${PASSWORD}@dav.example/`);
    logger.warn(`plain https://d:${PASSWORD}@dav.example/`);
    expect(text).toContain('[redacted]@dav.example');
    expect(text).not.toContain(PASSWORD);
  });
});

describe('a password in a CalDAV URL', () => {
  let emulator: Emulator;
  let temp: ReturnType<typeof createTempDir>;
  let closedPort: number;

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, seed: 3 });
    temp = createTempDir('oos-redact-');
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    closedPort = (probe.address() as { port: number }).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
  });

  afterAll(async () => {
    await emulator.close();
    temp.remove();
  });

  it('appears in no log line, no output, no error and no byte of the state database', async () => {
    const stateDb = join(temp.dir, 'state.db');
    const env = {
      ONOFFICE_API_URL: emulator.url,
      ONOFFICE_TOKEN: emulator.token,
      ONOFFICE_SECRET: emulator.secret,
      STATE_DB: stateDb,
      LOG_LEVEL: 'trace',
      CALDAV_URL: `http://agent:${PASSWORD}@127.0.0.1:${closedPort}/dav/`,
    };
    const outputs = [await runCli(['sync'], env), await runCli(['status'], env), await runCli(['status', '--json'], env), await runCli(['doctor'], env)];
    expect(outputs[0]!.code).toBe(1);
    expect(outputs[0]!.stdout + outputs[0]!.stderr).toContain(`127.0.0.1:${closedPort}`);
    for (const output of outputs) expect(output.stdout + output.stderr).not.toContain(PASSWORD);
    const files = readdirSync(temp.dir).filter((name) => name.startsWith('state.db'));
    expect(files.length).toBeGreaterThan(0);
    for (const name of files) expect(readFileSync(join(temp.dir, name)).includes(PASSWORD)).toBe(false);

    const refused = await runCli(['sync'], { ...env, CALDAV_URL: '', ONOFFICE_API_URL: emulator.url.replace('http://', `http://x:${PASSWORD}@`) });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/onoffice.url must not hold user:password@/);
    expect(refused.stdout + refused.stderr).not.toContain(PASSWORD);
  });
});
