import { DateTime, IANAZone, Info, type Zone } from 'luxon';

export interface LocalDateTimeFields {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** Thirty years of days (or hours around transitions) per zone; past that a cache starts over rather than grow. */
const MAX_CACHED_SPANS = 11_000;

/**
 * luxon's IANAZone formats the instant with Intl on every offset() call (about 10 µs), and every
 * DateTime built, shifted or compared in a zone calls it; parsing one appointment took ten of them.
 * This zone answers from a cache of whole UTC days whose first and last millisecond have the same
 * offset, i.e. no transition lies inside (the tz database has no zone that changes offset and back
 * within a day); a day with a transition is cached by the hour the same way, and the hour that holds
 * the transition is computed every time. The caches live outside the instance, so the zone's own
 * fields stay those of an IANAZone and it equals (DateTime#equals, setZone) luxon's zone of that name.
 */
class CachedIanaZone extends IANAZone {
  override offset(ts: number): number {
    let cache = cachesByZone.get(this.name);
    if (!cache) cachesByZone.set(this.name, (cache = { days: new Map(), hours: new Map() }));
    const day = Math.floor(ts / DAY_MS);
    const byDay = cache.days.get(day);
    if (byDay !== undefined) return byDay;
    const hour = Math.floor(ts / HOUR_MS);
    const byHour = cache.hours.get(hour);
    if (byHour !== undefined) return byHour;
    const dayOffset = this.readUniformOffset(day * DAY_MS, DAY_MS);
    if (dayOffset !== null) return remember(cache.days, day, dayOffset);
    const hourOffset = this.readUniformOffset(hour * HOUR_MS, HOUR_MS);
    if (hourOffset !== null) return remember(cache.hours, hour, hourOffset);
    return super.offset(ts);
  }

  /** The offset over [start, start + length) when it is the same at both ends, else null. */
  private readUniformOffset(start: number, length: number): number | null {
    const first = super.offset(start);
    return !Number.isNaN(first) && super.offset(start + length - 1) === first ? first : null;
  }
}

function remember(cache: Map<number, number>, key: number, offset: number): number {
  if (cache.size >= MAX_CACHED_SPANS) cache.clear();
  cache.set(key, offset);
  return offset;
}

const cachesByZone = new Map<string, { readonly days: Map<number, number>; readonly hours: Map<number, number> }>();
const zones = new Map<string, { readonly offsets: IANAZone; readonly result: Zone | string }>();

/**
 * The zone to compute offsets in, and the zone the result is given: the cached zone wherever luxon
 * itself would use an IANA zone for the name; otherwise ('UTC', 'utc+1') what luxon makes of the name.
 */
function readZones(zone: string): { readonly offsets: IANAZone; readonly result: Zone | string } {
  let entry = zones.get(zone);
  if (!entry) {
    const offsets = new CachedIanaZone(zone);
    entry = { offsets, result: Info.normalizeZone(zone) instanceof IANAZone ? offsets : zone };
    zones.set(zone, entry);
  }
  return entry;
}

/**
 * Wall-clock time in `zone` → instant, the way RFC 5545 (3.3.5) and Temporal's 'compatible'
 * disambiguation read it: a time that occurs twice (autumn fold) is the earlier instant; a time
 * that does not exist (spring gap) is read with the offset before the gap, i.e. shifted forward by
 * the gap's length (02:30 → 03:30 in Berlin). luxon alone picks the later instant for a fold, which
 * would disagree with every RRULE consumer, hence this function.
 */
export function resolveLocalTime(zone: string, fields: LocalDateTimeFields): DateTime {
  const { offsets, result } = readZones(zone);
  const wallAsUtc = Date.UTC(fields.year, fields.month - 1, fields.day, fields.hour, fields.minute, fields.second);
  const offsetBefore = offsets.offset(wallAsUtc - DAY_MS);
  const offsetAfter = offsets.offset(wallAsUtc + DAY_MS);
  // The earliest instant among the (at most two) offsets around that shows this wall time.
  const beforeInstant = wallAsUtc - offsetBefore * 60_000;
  const afterInstant = wallAsUtc - offsetAfter * 60_000;
  const beforeFits = wallAsUtc - offsets.offset(beforeInstant) * 60_000 === beforeInstant;
  const afterFits = offsetAfter !== offsetBefore && wallAsUtc - offsets.offset(afterInstant) * 60_000 === afterInstant;
  let instant = beforeInstant;
  if (afterFits && (!beforeFits || afterInstant < beforeInstant)) instant = afterInstant;
  return DateTime.fromMillis(instant, { zone: result });
}
