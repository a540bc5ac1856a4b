import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSabre, type RunningAuthServer } from '../support/caldav-servers.js';
import { describeCalendarTargetContract } from './calendar-target.contract.js';
import { createServerHarness } from './create-server-harness.js';

// Sabre/DAV 1.8 has no sync-collection, and stores a second object with a UID already in use.
describeCalendarTargetContract('Sabre/DAV (Basic)', { auth: true, refusesDuplicateUid: false, rejectsUnknownSyncToken: false }, async () =>
  createServerHarness(await startSabre({ auth: 'basic' })),
);

const md5 = (text: string): string => createHash('md5').update(text).digest('hex');

/** RFC 2617/7616 qop=auth with MD5, by hand: the server side of the check, not the client under test. */
function answerDigest(challenge: string, server: RunningAuthServer, method: string, uri: string): string {
  const param = (name: string): string => new RegExp(`${name}="([^"]*)"`).exec(challenge)?.[1] ?? '';
  const [realm, nonce, opaque] = [param('realm'), param('nonce'), param('opaque')];
  const cnonce = randomBytes(8).toString('hex');
  const ha1 = md5(`${server.username}:${realm}:${server.password}`);
  const response = md5(`${ha1}:${nonce}:00000001:${cnonce}:auth:${md5(`${method}:${uri}`)}`);
  return `Digest username="${server.username}", realm="${realm}", nonce="${nonce}", uri="${uri}", qop=auth, nc=00000001, cnonce="${cnonce}", response="${response}", opaque="${opaque}"`;
}

describe('Sabre/DAV with its stock PDO auth backend (Digest only)', () => {
  let server: RunningAuthServer;

  beforeAll(async () => {
    server = await startSabre({ auth: 'digest' });
  });

  afterAll(async () => {
    await server?.stop();
  });

  const propfind = (headers: Record<string, string>): Promise<Response> =>
    fetch(server.calendarHomeUrl, { method: 'PROPFIND', headers: { Depth: '0', 'Content-Type': 'application/xml', ...headers }, body: '<d:propfind xmlns:d="DAV:"><d:prop><d:resourcetype/></d:prop></d:propfind>' });

  it('challenges with Digest only and refuses Basic credentials', async () => {
    const basic = await propfind({ Authorization: `Basic ${Buffer.from(`${server.username}:${server.password}`).toString('base64')}` });
    expect(basic.status).toBe(401);
    expect(basic.headers.get('www-authenticate')).toMatch(/^Digest realm="SabreDAV",qop="auth",nonce="[^"]+",opaque="[^"]+"$/);
  });

  it('accepts the user with a Digest answer to its challenge', async () => {
    const challenge = (await propfind({})).headers.get('www-authenticate') ?? '';
    const answered = await propfind({ Authorization: answerDigest(challenge, server, 'PROPFIND', new URL(server.calendarHomeUrl).pathname) });
    expect(answered.status).toBe(207);
    expect(await answered.text()).toContain(`<d:href>${new URL(server.calendarHomeUrl).pathname}</d:href>`);
  });
});
