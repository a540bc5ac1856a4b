import { afterAll, describe, it } from 'vitest';
import { compareWithNodeIcal } from './compare-with-node-ical.js';

const originalTz = process.env.TZ;
afterAll(() => {
  if (originalTz === undefined) delete process.env.TZ;
  else process.env.TZ = originalTz;
});

describe('expandOccurrences against node-ical (rrule-temporal), host TZ=America/New_York', () => {
  it('agrees occurrence by occurrence for 1,000 appointments over two years and four DST changes', () => {
    compareWithNodeIcal('America/New_York');
  });
});
