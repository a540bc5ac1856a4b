import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log/create-logger.js';

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
});
