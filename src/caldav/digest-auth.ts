import { createHash, randomBytes } from 'node:crypto';

/**
 * HTTP Digest authentication (RFC 7616) for servers that offer nothing else, as Sabre/DAV's stock PDO
 * backend (Baikal's family) does. Written here rather than taken from npm: the packages found either
 * fix the algorithm up front instead of reading it from the challenge (digest-fetch) or know MD5 only,
 * and none fits below our own fetch, which owns retries, timeouts and typed errors.
 */

export type DigestAlgorithm = 'MD5' | 'MD5-sess' | 'SHA-256' | 'SHA-256-sess';

export interface DigestChallenge {
  readonly realm: string;
  readonly nonce: string;
  readonly opaque: string | null;
  readonly algorithm: DigestAlgorithm;
  /** 'auth' when the server offers it; null for the RFC 2069 form without qop. */
  readonly qop: 'auth' | null;
  /** The nonce ran out, the credentials were fine (RFC 7616 §3.3). */
  readonly stale: boolean;
  readonly userhash: boolean;
}

const ALGORITHMS: Readonly<Record<string, DigestAlgorithm>> = { 'MD5': 'MD5', 'MD5-SESS': 'MD5-sess', 'SHA-256': 'SHA-256', 'SHA-256-SESS': 'SHA-256-sess' };
/** Strongest first: a server that offers both gets SHA-256. */
const PREFERENCE: readonly DigestAlgorithm[] = ['SHA-256', 'SHA-256-sess', 'MD5', 'MD5-sess'];

/** Every challenge of a WWW-Authenticate value (several may be joined by commas), with its auth-params. */
export function parseChallenges(header: string): Array<{ scheme: string; params: Record<string, string> }> {
  const challenges: Array<{ scheme: string; params: Record<string, string> }> = [];
  const pattern = /\s*(?:([!#$%&'*+.^_`|~\w-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^\s,]*)|([!#$%&'*+.^_`|~\w-]+)(?=\s|,|$))\s*,?/gy;
  let match: RegExpExecArray | null;
  while (pattern.lastIndex < header.length && (match = pattern.exec(header)) !== null) {
    if (match[3] !== undefined) {
      challenges.push({ scheme: match[3].toLowerCase(), params: {} });
    } else if (match[1] !== undefined && challenges.length > 0) {
      const raw = match[2] ?? '';
      const value = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw;
      challenges.at(-1)!.params[match[1].toLowerCase()] = value;
    }
    if (match[0] === '') break;
  }
  return challenges;
}

/** The Digest challenge we can answer best (SHA-256 over MD5, qop=auth or none), or null. */
export function chooseDigestChallenge(header: string | null): DigestChallenge | null {
  if (header === null) return null;
  const usable: DigestChallenge[] = [];
  for (const { scheme, params } of parseChallenges(header)) {
    if (scheme !== 'digest' || !params.nonce || params.realm === undefined) continue;
    const algorithm = ALGORITHMS[(params.algorithm ?? 'MD5').toUpperCase()];
    const qops = params.qop === undefined ? null : params.qop.split(',').map((qop) => qop.trim().toLowerCase());
    if (!algorithm || (qops !== null && !qops.includes('auth'))) continue;
    usable.push({
      realm: params.realm,
      nonce: params.nonce,
      opaque: params.opaque ?? null,
      algorithm,
      qop: qops === null ? null : 'auth',
      stale: (params.stale ?? '').toLowerCase() === 'true',
      userhash: (params.userhash ?? '').toLowerCase() === 'true',
    });
  }
  usable.sort((a, b) => PREFERENCE.indexOf(a.algorithm) - PREFERENCE.indexOf(b.algorithm));
  return usable[0] ?? null;
}

const quote = (value: string): string => `"${value.replace(/["\\]/g, '\\$&')}"`;

/** The Authorization value answering `challenge` for one request (`uri` is the request-target). */
export function renderDigestAuthorization(input: {
  challenge: DigestChallenge;
  username: string;
  password: string;
  method: string;
  uri: string;
  /** The nonce count, 1 for the first request with this nonce. */
  nc: number;
  cnonce?: string;
}): string {
  const { challenge, username, password, method, uri } = input;
  const hash = (text: string): string => createHash(challenge.algorithm.startsWith('SHA-256') ? 'sha256' : 'md5').update(text, 'utf8').digest('hex');
  const cnonce = input.cnonce ?? randomBytes(16).toString('hex');
  const nc = input.nc.toString(16).padStart(8, '0');
  let ha1 = hash(`${username}:${challenge.realm}:${password}`);
  if (challenge.algorithm.endsWith('-sess')) ha1 = hash(`${ha1}:${challenge.nonce}:${cnonce}`);
  const ha2 = hash(`${method}:${uri}`);
  const response = challenge.qop === 'auth' ? hash(`${ha1}:${challenge.nonce}:${nc}:${cnonce}:auth:${ha2}`) : hash(`${ha1}:${challenge.nonce}:${ha2}`);
  const parts = [
    `username=${quote(challenge.userhash ? hash(`${username}:${challenge.realm}`) : username)}`,
    `realm=${quote(challenge.realm)}`,
    `uri=${quote(uri)}`,
    `algorithm=${challenge.algorithm}`,
    `nonce=${quote(challenge.nonce)}`,
    ...(challenge.qop === 'auth' ? [`nc=${nc}`, `cnonce=${quote(cnonce)}`, 'qop=auth'] : []),
    `response=${quote(response)}`,
    ...(challenge.opaque !== null ? [`opaque=${quote(challenge.opaque)}`] : []),
    ...(challenge.userhash ? ['userhash=true'] : []),
  ];
  return `Digest ${parts.join(', ')}`;
}
