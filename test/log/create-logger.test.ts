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
        token: 'tok-123456789012345',
        secret: 'sec-123456789012345',
        onoffice: { password: 'pw-1234567890', bearerToken: 'bearer-123456789' },
        request: { headers: { authorization: 'Basic abcdefgh' } },
        feedToken: 'feed-123456789012',
        kept: 'visible',
      },
      'hello',
    );
    const line = JSON.parse(text.trim()) as Record<string, unknown>;
    expect(line).toMatchObject({ msg: 'hello', module: 'test', kept: 'visible', token: '[redacted]', secret: '[redacted]', feedToken: '[redacted]' });
    expect(line.onoffice).toEqual({ password: '[redacted]', bearerToken: '[redacted]' });
    for (const leaked of ['tok-1234', 'sec-1234', 'pw-1234', 'bearer-1234', 'abcdefgh', 'feed-1234']) expect(text).not.toContain(leaked);
  });
});
