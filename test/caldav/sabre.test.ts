import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSabre, type RunningAuthServer } from '../support/caldav-servers.js';
import { describeCalendarTargetContract, type CalendarTargetHarness } from './calendar-target.contract.js';
import { createServerHarness } from './create-server-harness.js';

// Sabre/DAV 1.8 has no sync-collection, and stores a second object with a UID already in use.
const traits = { auth: true, refusesDuplicateUid: false, rejectsUnknownSyncToken: false };

describeCalendarTargetContract('Sabre/DAV (Basic)', traits, async () => createServerHarness(await startSabre({ auth: 'basic' })));

const md5 = (text: string): string => createHash('md5').update(text).digest('hex');

/** RFC 2617/7616 qop=auth with MD5, by hand, for "another client": independent of the client under test. */
function answerDigest(challenge: string, server: RunningAuthServer, method: string, uri: string): string {
  const param = (name: string): string => new RegExp(`${name}="([^"]*)"`).exec(challenge)?.[1] ?? '';
  const [realm, nonce, opaque] = [param('realm'), param('nonce'), param('opaque')];
  const cnonce = randomBytes(8).toString('hex');
  const ha1 = md5(`${server.username}:${realm}:${server.password}`);
  const response = md5(`${ha1}:${nonce}:00000001:${cnonce}:auth:${md5(`${method}:${uri}`)}`);
  return `Digest username="${server.username}", realm="${realm}", nonce="${nonce}", uri="${uri}", qop=auth, nc=00000001, cnonce="${cnonce}", response="${response}", opaque="${opaque}"`;
}

/** A request with Digest credentials: the server's challenge first, then the answer to it. */
async function fetchWithDigest(server: RunningAuthServer, url: string, init: { method: string; headers?: Record<string, string>; body?: string }): Promise<Response> {
  const challenged = await fetch(url, { method: init.method, headers: init.headers, body: init.body });
  await challenged.arrayBuffer();
  const challenge = challenged.headers.get('www-authenticate') ?? '';
  return fetch(url, { ...init, headers: { ...init.headers, Authorization: answerDigest(challenge, server, init.method, new URL(url).pathname) } });
}

describeCalendarTargetContract('Sabre/DAV (Digest only)', traits, async (): Promise<CalendarTargetHarness> => {
  const server = await startSabre({ auth: 'digest' });
  return {
    ...createServerHarness(server),
    async putBehindBack(href, ics) {
      const response = await fetchWithDigest(server, href, { method: 'PUT', headers: { 'Content-Type': 'text/calendar; charset=utf-8' }, body: ics });
      expect(response.status, `PUT ${href}`).toBeLessThan(300);
    },
    async deleteBehindBack(href) {
      const response = await fetchWithDigest(server, href, { method: 'DELETE' });
      expect(response.status, `DELETE ${href}`).toBeLessThan(300);
    },
  };
});

describe('Sabre/DAV with its stock PDO auth backend', () => {
  let server: RunningAuthServer;

  beforeAll(async () => {
    server = await startSabre({ auth: 'digest' });
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('offers Digest only: Basic credentials get a Digest challenge', async () => {
    const basic = await fetch(server.calendarHomeUrl, {
      method: 'PROPFIND',
      headers: { Depth: '0', Authorization: `Basic ${Buffer.from(`${server.username}:${server.password}`).toString('base64')}` },
    });
    expect(basic.status).toBe(401);
    expect(basic.headers.get('www-authenticate')).toMatch(/^Digest realm="SabreDAV",qop="auth",nonce="[^"]+",opaque="[^"]+"$/);
  });
});
