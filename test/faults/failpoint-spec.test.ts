import { describe, expect, it } from 'vitest';
import { readFailpointSpec } from '../../src/config/read-failpoint-spec.js';
import { FAILPOINTS } from '../../src/failpoint/reach-failpoint.js';
import { describeResult, runCli } from './fault-harness.js';

describe('ONOFFICE_SYNC_FAILPOINT', () => {
  it('is inert when unset and arms a listed point at its n-th visit', () => {
    expect(readFailpointSpec({})).toBeNull();
    expect(readFailpointSpec({ ONOFFICE_SYNC_FAILPOINT: ' ' })).toBeNull();
    expect(readFailpointSpec({ ONOFFICE_SYNC_FAILPOINT: 'push.after-put' })).toEqual({ name: 'push.after-put', hit: 1 });
    expect(readFailpointSpec({ ONOFFICE_SYNC_FAILPOINT: 'push.after-put@7' })).toEqual({ name: 'push.after-put', hit: 7 });
    for (const name of FAILPOINTS) expect(readFailpointSpec({ ONOFFICE_SYNC_FAILPOINT: name })?.name).toBe(name);
  });

  it('refuses a name that is not a point, so a typo cannot make a crash test pass by not crashing', async () => {
    expect(() => readFailpointSpec({ ONOFFICE_SYNC_FAILPOINT: 'push.after-pot' })).toThrow(/ONOFFICE_SYNC_FAILPOINT must be one of store\.migration-before-version/);
    expect(() => readFailpointSpec({ ONOFFICE_SYNC_FAILPOINT: 'push.after-put@0' })).toThrow(/@N/);
    const result = await runCli(['sync'], { ONOFFICE_SYNC_FAILPOINT: 'nowhere', ONOFFICE_TOKEN: 't', ONOFFICE_SECRET: 's', CALDAV_URL: 'http://127.0.0.1:9/' });
    expect(result.code, describeResult(result)).toBe(2);
    expect(result.stderr).toMatch(/ONOFFICE_SYNC_FAILPOINT must be one of/);
  });
});
