import { describe, expect, it } from 'vitest';
import { computeHmacV2 } from '../../src/onoffice/hmac.js';

describe('computeHmacV2', () => {
  it('matches the vector of the onOffice SDK', () => {
    expect(
      computeHmacV2({
        secret: 'yOJobbhGLXdp90XxvxedFhH7073L9U',
        token: 'mgjIQkNRnaqggVzy9cZW',
        timestamp: 123456789,
        resourcetype: 'estateCategories',
        actionid: 'urn:onoffice-de-ns:smart:2.5:smartml:action:get',
      }),
    ).toBe('dsvg3r4AFcQXges0MZ+3auzQVfnEB39pLkKSgmm9Wvg=');
  });

  it('changes with every signed field', () => {
    const base = { secret: 's', token: 't', timestamp: 1, resourcetype: 'calendar', actionid: 'a' };
    const reference = computeHmacV2(base);
    expect(computeHmacV2({ ...base, secret: 's2' })).not.toBe(reference);
    expect(computeHmacV2({ ...base, token: 't2' })).not.toBe(reference);
    expect(computeHmacV2({ ...base, timestamp: 2 })).not.toBe(reference);
    expect(computeHmacV2({ ...base, resourcetype: 'users' })).not.toBe(reference);
    expect(computeHmacV2({ ...base, actionid: 'b' })).not.toBe(reference);
  });
});
