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
});
