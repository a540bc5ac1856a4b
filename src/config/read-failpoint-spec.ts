import { FAILPOINTS, isFailpointName, type FailpointSpec } from '../failpoint/reach-failpoint.js';
import { ConfigError } from './config-error.js';

const VARIABLE = 'ONOFFICE_SYNC_FAILPOINT';

/**
 * The crash point the crash tests arm: `ONOFFICE_SYNC_FAILPOINT=push.after-put` (the first visit) or
 * `push.after-put@3` (the third). Unset or empty: none. A name that is not a point is a ConfigError, so
 * a typo never makes a crash test pass by not crashing.
 */
export function readFailpointSpec(env: NodeJS.ProcessEnv = process.env): FailpointSpec | null {
  const value = env[VARIABLE]?.trim();
  if (!value) return null;
  const match = /^([a-z.-]+)(?:@([1-9]\d*))?$/.exec(value);
  if (!match || !isFailpointName(match[1]!)) {
    throw new ConfigError(VARIABLE, `must be one of ${FAILPOINTS.join(', ')}, optionally followed by @N (the N-th visit); got ${JSON.stringify(value)}`);
  }
  return { name: match[1], hit: match[2] ? Number(match[2]) : 1 };
}
