import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { foldLines } from '../../src/ical/fold-lines.js';

describe('foldLines', () => {
  // Content lines start with a property name, never with the space that marks a continuation.
  it('keeps every line within 75 octets, splits only between code points, and unfolds to the input', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'grapheme', maxLength: 200 }).map((s) => `X${s.replace(/[\r\n]/g, '')}`), { minLength: 1, maxLength: 5 }), (lines) => {
        const text = lines.join('\r\n');
        const folded = foldLines(text);
        for (const line of folded.split('\r\n')) {
          expect(Buffer.byteLength(line)).toBeLessThanOrEqual(75);
          expect(line).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
        }
        expect(folded.replace(/\r\n /g, '')).toBe(text);
      }),
      { numRuns: 500 },
    );
  });

  it('leaves short lines alone', () => {
    expect(foldLines('SUMMARY:kurz\r\nEND:VEVENT')).toBe('SUMMARY:kurz\r\nEND:VEVENT');
  });
});
