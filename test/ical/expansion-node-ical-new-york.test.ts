import { afterAll, describe, it } from 'vitest';
import { compareWithNodeIcal } from './compare-with-node-ical.js';

const originalTz = process.env.TZ;
afterAll(() => {
  if (originalTz === undefined) delete process.env.TZ;
  else process.env.TZ = originalTz;
});

describe('expandOccurrences against node-ical (rrule-temporal), host TZ=America/New_York', () => {
  it('agrees occurrence by occurrence for 5,000 appointments over two years and four DST changes', () => {
    compareWithNodeIcal('America/New_York');
  }, 150_000); // ~20 s on an idle 2-core machine; the margin is for a loaded one.
});
