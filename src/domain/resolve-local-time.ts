import { DateTime, IANAZone } from 'luxon';

export interface LocalDateTimeFields {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

/**
 * Wall-clock time in `zone` → instant, the way RFC 5545 (3.3.5) and Temporal's 'compatible'
 * disambiguation read it: a time that occurs twice (autumn fold) is the earlier instant; a time
 * that does not exist (spring gap) is read with the offset before the gap, i.e. shifted forward by
 * the gap's length (02:30 → 03:30 in Berlin). luxon alone picks the later instant for a fold, which
 * would disagree with every RRULE consumer, hence this function.
 */
export function resolveLocalTime(zone: string, fields: LocalDateTimeFields): DateTime {
  const ianaZone = IANAZone.create(zone);
  const wallAsUtc = Date.UTC(fields.year, fields.month - 1, fields.day, fields.hour, fields.minute, fields.second);
  const offsetBefore = ianaZone.offset(wallAsUtc - 86_400_000);
  const offsetAfter = ianaZone.offset(wallAsUtc + 86_400_000);
  const candidates = [...new Set([offsetBefore, offsetAfter])]
    .map((offset) => wallAsUtc - offset * 60_000)
    .filter((instant) => wallAsUtc - ianaZone.offset(instant) * 60_000 === instant)
    .sort((a, b) => a - b);
  const instant = candidates[0] ?? wallAsUtc - offsetBefore * 60_000;
  return DateTime.fromMillis(instant, { zone });
}

