import { describe, expect, it } from 'vitest';
import { CTAG_SETTLE_MS, CTAG_TRUST_MS, nextCtagState, trustedCtag } from '../../src/domain/trust-ctag.js';

const T = Date.parse('2026-12-01T10:00:00Z');

describe('trusting an equal getctag', () => {
  it('trusts nothing before a complete read began CTAG_SETTLE_MS after the value was first read', () => {
    expect(trustedCtag(null, T)).toBeNull();
    expect(trustedCtag({ value: 'c1', seenAt: T, readAt: T }, T + 1)).toBeNull();
    expect(trustedCtag({ value: 'c1', seenAt: T, readAt: T + CTAG_SETTLE_MS - 1 }, T + CTAG_SETTLE_MS)).toBeNull();
    expect(trustedCtag({ value: 'c1', seenAt: T, readAt: T + CTAG_SETTLE_MS }, T + CTAG_SETTLE_MS + 1)).toBe('c1');
  });

  it('stops trusting CTAG_TRUST_MS after the last complete read, and when the clock went back before it', () => {
    const settled = { value: 'c1', seenAt: T, readAt: T + CTAG_SETTLE_MS };
    expect(trustedCtag(settled, settled.readAt + CTAG_TRUST_MS - 1)).toBe('c1');
    expect(trustedCtag(settled, settled.readAt + CTAG_TRUST_MS)).toBeNull();
    expect(trustedCtag(settled, settled.readAt - 1)).toBeNull();
  });

  it('keeps when a value was first seen while it stays, and starts again when it moves or the server has none', () => {
    const first = nextCtagState(null, 'c1', T);
    expect(first).toEqual({ value: 'c1', seenAt: T, readAt: T });
    const again = nextCtagState(first, 'c1', T + 3000);
    expect(again).toEqual({ value: 'c1', seenAt: T, readAt: T + 3000 });
    expect(trustedCtag(again, T + 3001)).toBe('c1');
    expect(nextCtagState(again, 'c2', T + 4000)).toEqual({ value: 'c2', seenAt: T + 4000, readAt: T + 4000 });
    expect(nextCtagState(again, null, T + 4000)).toBeNull();
    // A clock that went back starts the value over rather than trusting a negative span.
    expect(nextCtagState(again, 'c1', T - 1)).toEqual({ value: 'c1', seenAt: T - 1, readAt: T - 1 });
  });
});
