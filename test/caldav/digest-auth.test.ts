import { describe, expect, it } from 'vitest';
import { chooseDigestChallenge, parseChallenges, renderDigestAuthorization } from '../../src/caldav/digest-auth.js';

const responseOf = (authorization: string): string | undefined => /response="([0-9a-f]+)"/.exec(authorization)?.[1];

/** RFC 7616 §3.9.1: the same request under MD5 and SHA-256. */
describe('Digest authentication (RFC 7616)', () => {
  const header = (algorithm: string): string =>
    `Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=${algorithm}, ` +
    'nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"';
  const request = { username: 'Mufasa', password: 'Circle of Life', method: 'GET', uri: '/dir/index.html', nc: 1, cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ' };

  it('answers the RFC’s MD5 example with its response value', () => {
    const challenge = chooseDigestChallenge(header('MD5'))!;
    expect(challenge).toMatchObject({ algorithm: 'MD5', qop: 'auth', realm: 'http-auth@example.org' });
    const authorization = renderDigestAuthorization({ challenge, ...request });
    expect(responseOf(authorization)).toBe('8ca523f5e9506fed4657c9700eebdbec');
    expect(authorization).toContain('nc=00000001');
    expect(authorization).toContain('opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"');
  });

  it('answers the RFC’s SHA-256 example with its response value', () => {
    const challenge = chooseDigestChallenge(header('SHA-256'))!;
    expect(responseOf(renderDigestAuthorization({ challenge, ...request }))).toBe('753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1');
  });

  it('picks SHA-256 when the server offers both, as the RFC’s example server does, and skips Basic and unknown algorithms', () => {
    const both = `Basic realm="x", ${header('SHA-512-256')}, ${header('SHA-256')}, ${header('MD5')}`;
    expect(parseChallenges(both).map((challenge) => challenge.scheme)).toEqual(['basic', 'digest', 'digest', 'digest']);
    expect(chooseDigestChallenge(both)).toMatchObject({ algorithm: 'SHA-256' });
    expect(chooseDigestChallenge('Basic realm="only basic"')).toBeNull();
    expect(chooseDigestChallenge('Digest realm="x", nonce="n", qop="auth-int"')).toBeNull();
  });

  it('reads Sabre’s challenge (no algorithm: MD5) and the stale flag', () => {
    const challenge = chooseDigestChallenge('Digest realm="SabreDAV",qop="auth",nonce="5f1c",opaque="abc", stale=TRUE');
    expect(challenge).toMatchObject({ algorithm: 'MD5', qop: 'auth', nonce: '5f1c', opaque: 'abc', stale: true });
  });
});
