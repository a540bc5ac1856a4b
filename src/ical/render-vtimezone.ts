import { tzlib_get_ical_block } from 'timezones-ical-library';
import { IcalRenderError } from './ical-render-error.js';

const cache = new Map<string, string>();

/**
 * The VTIMEZONE block (CRLF lines, no trailing CRLF) for `zone`. timezones-ical-library answers an
 * alias (Europe/Kiev) with the canonical zone's block (TZID:Europe/Kyiv); the TZID must match what the
 * events reference, so it is rewritten to the name asked for — the rules are the same.
 */
export function renderVTimezone(zone: string): string {
  const cached = cache.get(zone);
  if (cached !== undefined) return cached;
  const answer = tzlib_get_ical_block(zone);
  const block = Array.isArray(answer) ? answer[0] : undefined;
  if (!block) {
    throw new IcalRenderError('unknown-zone', `No VTIMEZONE is known for time zone '${zone}': set timezone to an IANA zone such as Europe/Berlin`);
  }
  const rendered = block
    .replace(/\r?\n/g, '\r\n')
    .replace(/^TZID:.*$/m, `TZID:${zone}`)
    .replace(/^X-LIC-LOCATION:.*$/m, `X-LIC-LOCATION:${zone}`)
    .trim();
  cache.set(zone, rendered);
  return rendered;
}
