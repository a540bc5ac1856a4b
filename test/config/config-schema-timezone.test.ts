import { afterEach, describe, expect, it, vi } from 'vitest';
import { configSchema } from '../../src/config/config-schema.js';

const timezone = configSchema.shape.timezone;

/** What the check was before it looked names up in Intl's list: whether a DateTimeFormat takes the zone. */
function acceptedByDateTimeFormat(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

describe('the timezone setting', () => {
  afterEach(() => vi.restoreAllMocks());

  it('accepts exactly the names a DateTimeFormat accepts: every canonical one, aliases, other spellings; refuses the rest', () => {
    const names = [...Intl.supportedValuesOf('timeZone'), 'UTC', 'Etc/UTC', 'GMT', 'US/Eastern', 'Asia/Calcutta', 'europe/berlin', 'EUROPE/BERLIN', 'Etc/GMT+1', '+01:00', 'Europe/Berlinn', 'Mars/Olympus', 'Local', '', ' Europe/Berlin'];
    const verdicts = names.map((zone) => [zone, timezone.safeParse(zone).success]);
    expect(verdicts).toEqual(names.map((zone) => [zone, acceptedByDateTimeFormat(zone)]));
    expect(timezone.safeParse('Europe/Berlinn').error?.issues[0]?.message).toBe('is not an IANA time zone name (e.g. Europe/Berlin)');
  });

  it('checks a canonical name without a DateTimeFormat (the first one loads ICU’s formatting data), an alias with one', () => {
    const formats = vi.spyOn(Intl, 'DateTimeFormat');
    expect(timezone.safeParse('America/New_York').success).toBe(true);
    expect(timezone.parse(undefined)).toBe('Europe/Berlin');
    expect(formats).not.toHaveBeenCalled();
    expect(timezone.safeParse('US/Eastern').success).toBe(true);
    expect(formats).toHaveBeenCalled();
  });
});
