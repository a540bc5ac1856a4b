import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log/create-logger.js';
import { REDACTED, redactSecrets } from '../../src/log/redact-secrets.js';

const KEYS: ReadonlySet<string> = new Set(['token', 'password']);

describe('redactSecrets', () => {
  it('hands back the very same object when no credential key is in it (no copy per log line)', () => {
    const fields = { kind: 'incremental', read: 10, nested: { created: 0, list: [{ uid: 'a' }] }, none: null };
    expect(redactSecrets(fields, KEYS)).toBe(fields);
  });

  it('replaces a credential at the top level and two levels down, objects and arrays, and leaves the input alone', () => {
    const secret = randomUUID();
    const fields = { token: secret, kept: 1, onoffice: { password: secret, url: 'u' }, targets: [{ password: secret }], a: { b: { token: secret, c: 2 } } };
    const before = structuredClone(fields);
    const redacted = redactSecrets(fields, KEYS);
    expect(redacted).toEqual({ token: REDACTED, kept: 1, onoffice: { password: REDACTED, url: 'u' }, targets: [{ password: REDACTED }], a: { b: { token: REDACTED, c: 2 } } });
    expect(Array.isArray(redacted.targets)).toBe(true);
    expect(fields).toEqual(before);
  });

  it('copies only what holds a credential: a sibling without one is the same object', () => {
    const clean = { created: 1 };
    const redacted = redactSecrets({ clean, auth: { token: randomUUID() } }, KEYS);
    expect(redacted.clean).toBe(clean);
  });

  it('goes no deeper than pino paths did (key, *.key, *.*.key)', () => {
    const secret = randomUUID();
    const fields = { a: { b: { c: { token: secret } } } };
    expect(redactSecrets(fields, KEYS)).toBe(fields);
  });

  it('keeps an error an error: its class, message and stack stay for the serializer', () => {
    const error = Object.assign(new TypeError('what failed: GET /x'), { request: { token: randomUUID() } });
    const { err } = redactSecrets({ err: error }, KEYS);
    expect(err).toBeInstanceOf(TypeError);
    expect(err.message).toBe('what failed: GET /x');
    expect(err.stack).toBe(error.stack);
    expect(err.request).toEqual({ token: REDACTED });
    expect(error.request.token).not.toBe(REDACTED);
  });
});

describe('createLogger redaction', () => {
  it('redacts a child logger binding at the top level and leaves the logged object as it was', () => {
    let text = '';
    const destination = new Writable({ write: (chunk, _encoding, done) => ((text += chunk.toString()), done()) });
    const secret = randomUUID();
    const fields = { onoffice: { token: secret }, count: 3 };
    createLogger({ level: 'info', destination }).child({ module: 'test', token: secret }).info(fields, 'hello');
    const line = JSON.parse(text.trim()) as Record<string, unknown>;
    expect(line).toMatchObject({ module: 'test', token: REDACTED, onoffice: { token: REDACTED }, count: 3, msg: 'hello' });
    expect(text).not.toContain(secret);
    expect(fields.onoffice.token).toBe(secret);
  });
});
