import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * Compares what a request presents with daemon.adminToken in constant time (both sides hashed to the
 * same length first, so neither the length nor the first wrong character shows in the timing). Null
 * when no token is configured: each caller decides what that means (the status page falls back to
 * loopback only, POST /sync refuses).
 */
export function createAdminTokenMatcher(adminToken: string): ((presented: string | null | undefined) => boolean) | null {
  if (adminToken === '') return null;
  const expected = digest(adminToken);
  return (presented) => typeof presented === 'string' && presented !== '' && timingSafeEqual(digest(presented), expected);
}

/** The token of an `Authorization: Bearer …` header, or null. */
export function readBearerToken(request: IncomingMessage): string | null {
  const header = request.headers.authorization;
  return header?.startsWith('Bearer ') ? header.slice('Bearer '.length) : null;
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}
