import { execFile } from 'node:child_process';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createLogger, createSilentLogger } from '../../src/log/create-logger.js';

describe('createLogger', () => {
  it('writes JSON lines and redacts every credential key, also nested', () => {
    let text = '';
    const destination = new Writable({ write: (chunk, _encoding, done) => ((text += chunk.toString()), done()) });
    const logger = createLogger({ level: 'info', destination }).child({ module: 'test' });
    logger.info(
      {
        token: 'dummy-token-value-1',
        secret: 'dummy-secret-value-2',
        onoffice: { password: 'dummy-password-3', bearerToken: 'dummy-bearer-4' },
        request: { headers: { authorization: 'Basic abcdefgh' } },
        feedToken: 'dummy-feed-token-5',
        kept: 'visible',
      },
      'hello',
    );
    const line = JSON.parse(text.trim()) as Record<string, unknown>;
    expect(line).toMatchObject({ msg: 'hello', module: 'test', kept: 'visible', token: '[redacted]', secret: '[redacted]', feedToken: '[redacted]' });
    expect(line.onoffice).toEqual({ password: '[redacted]', bearerToken: '[redacted]' });
    for (const leaked of ['dummy-token-value', 'dummy-secret-value', 'dummy-password', 'dummy-bearer', 'abcdefgh', 'dummy-feed-token']) expect(text).not.toContain(leaked);
  });

  it('writes JSON with the level by name and an ISO 8601 time, without pid and hostname', () => {
    let text = '';
    const destination = new Writable({ write: (chunk, _encoding, done) => ((text += chunk.toString()), done()) });
    createLogger({ level: 'info', destination }).child({ module: 'poll' }).warn({ records: 3 }, 'read');
    const line = JSON.parse(text.trim()) as Record<string, unknown>;
    expect(line).toEqual({ level: 'warn', time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/), module: 'poll', records: 3, msg: 'read' });
  });

  it('on a terminal writes one line per event: time, level, module, message and the non-zero fields, still redacted', () => {
    let text = '';
    const destination = new Writable({ write: (chunk, _encoding, done) => ((text += chunk.toString()), done()) });
    const logger = createLogger({ level: 'info', pretty: true, destination }).child({ module: 'daemon' });
    logger.info({ kind: 'incremental', created: 2, updated: 0, nested: { password: 'dummy-password-9' } }, 'sync run finished');
    logger.info('daemon stopped');
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\[\d\d:\d\d:\d\d\] INFO: daemon: sync run finished kind=incremental created=2 nested=\{"password":"\[redacted\]"\}$/);
    expect(lines[1]).toMatch(/^\[\d\d:\d\d:\d\d\] INFO: daemon: daemon stopped$/);
  });

  it('made before pino is, a child at its own level writes with its bindings; calls below the level write nothing; setting the level takes effect', () => {
    let text = '';
    const destination = new Writable({ write: (chunk, _encoding, done) => ((text += chunk.toString()), done()) });
    const root = createLogger({ level: 'warn', destination });
    const quiet = root.child({ module: 'push' });
    const chatty = root.child({ module: 'poll' }, { level: 'debug' });
    quiet.info('not written');
    quiet.debug('not written either');
    chatty.debug({ records: 1 }, 'read');
    quiet.child({ calendar: 'work' }).warn('slow');
    expect(quiet.isLevelEnabled('info')).toBe(false);
    quiet.level = 'info';
    quiet.info('now written');
    root.info('the root stays at warn');
    const lines = text.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.map(({ level, module, calendar, msg }) => ({ level, module, calendar, msg }))).toEqual([
      { level: 'debug', module: 'poll', calendar: undefined, msg: 'read' },
      { level: 'warn', module: 'push', calendar: 'work', msg: 'slow' },
      { level: 'info', module: 'push', calendar: undefined, msg: 'now written' },
    ]);
    expect(createSilentLogger().child({ module: 'x' }).error('never')).toBeUndefined();
    expect(() => createLogger({ level: 'loud' })).toThrow(/level:loud/);
  });

  it('loads no pino for a logger and its children that write nothing at their level, and loads it for the first line written', async () => {
    const module = new URL('../../dist/log/create-logger.js', import.meta.url).href;
    const script = `import { createRequire } from 'node:module';
      const { createLogger, createSilentLogger } = await import(${JSON.stringify(module)});
      const pinoLoaded = () => Object.keys(createRequire(process.cwd() + '/').cache).some((file) => file.includes('/node_modules/pino/'));
      const lines = [];
      const logger = createLogger({ level: 'error', destination: { write: (line) => lines.push(line) } });
      const child = logger.child({ module: 'sync' }).child({ target: 'default' });
      child.info('not written'); child.warn('nor this'); createSilentLogger().child({ module: 'poll' }).error('silent');
      const before = pinoLoaded();
      child.error('written');
      console.log(JSON.stringify({ before, after: pinoLoaded(), lines: lines.length }));`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { cwd: fileURLToPath(new URL('../..', import.meta.url)) });
    expect(JSON.parse(stdout)).toEqual({ before: false, after: true, lines: 1 });
  });
});
