import { describe, expect, it } from 'vitest';
import { checkRecordLimits } from '../../src/domain/check-record-limits.js';

function nested(depth: number): unknown {
  let value: unknown = 'leaf';
  for (let level = 0; level < depth; level++) value = { inner: value, list: [1, 2] };
  return value;
}

describe('checkRecordLimits', () => {
  it('judges each record on its own, also after a walk that stopped early (its stacks are shared between calls)', () => {
    const limits = { maxDepth: 8, maxBytes: 2_000 };
    expect(checkRecordLimits(nested(20), limits)).toMatch(/nested more than 8 levels/);
    // Left over from the walk above, the stacks would make this small record too deep or too large.
    expect(checkRecordLimits(nested(3), limits)).toBeNull();
    expect(checkRecordLimits({ text: 'x'.repeat(3_000) }, limits)).toMatch(/larger than 2000 bytes/);
    expect(checkRecordLimits({ elements: { a: 'b', list: ['c'] } }, limits)).toBeNull();
  });

  it('counts own keys only', () => {
    const withInherited = Object.create({ inherited: 'y'.repeat(500) }) as Record<string, unknown>;
    withInherited.own = 'z';
    expect(checkRecordLimits(withInherited, { maxDepth: 8, maxBytes: 100 })).toBeNull();
  });
});
