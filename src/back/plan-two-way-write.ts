import { DateTime } from 'luxon';
import type { VEventLike } from '../ical/parse-ics-objects.js';
import { parseVEvent } from '../ical/parse-vevent.js';
import type { AppointmentWrite } from '../domain/appointment-write.js';
import type { TwoWayData } from '../domain/two-way-data.js';

/*
 * The pure half of the way back: a VEVENT becomes the data onOffice should hold, two such data are
 * compared, and a difference becomes a create or modify. Readings where the docs are silent:
 *
 * - ONE rule for what onOffice cannot represent: the representable master is written and everything
 *   else is reported per event (never dropped silently). RDATE, RECURRENCE-ID overrides, BYDAY lists,
 *   BYSETPOS and the like are left out (parseVEvent names each). COUNT is exact as an end date: the
 *   master gets the local date of its last occurrence as rp_ende_datum, and that is reported as well.
 * - The data is compared in one normalised shape: parseVEvent's fields, `location` ('' when none),
 *   `cancelled` instead of `status` (STATUS:CANCELLED ↔ canceled; anything else is not cancelled), and
 *   `art` after the configured rule. Fields parseVEvent sends only when present (art, ressources,
 *   transit) are compared only when both sides have them: a client that drops a property must not wipe
 *   onOffice's value, and must not count as a change.
 * - A modify sends only the fields that changed: onOffice keeps what the calendar cannot carry (links,
 *   participants, an art the calendar does not show). Start, end and all-day go together, and so do
 *   the rp_* fields, because onOffice checks them against each other.
 * - art: the first CATEGORIES value found in categoryArts gives the art; else the first value itself
 *   (our own events carry onOffice's art there); else defaultArt; else none (onOffice's default).
 */

export interface EventRules {
  readonly zone: string;
  readonly defaultArt: string;
  readonly categoryArts: Readonly<Record<string, string>>;
}

export interface PlannedEvent {
  readonly uid: string;
  /** '' for a master or a single event; the RECURRENCE-ID as ISO UTC for a lone override. */
  readonly recurrenceId: string;
  readonly data: TwoWayData;
  /** What onOffice cannot hold, one message each. */
  readonly unsupported: readonly string[];
  /** ISO UTC of the end of the last occurrence; null for an open-ended series. */
  readonly endsAt: string | null;
  /** LAST-MODIFIED, else DTSTAMP; null when the event has neither. */
  readonly modifiedAt: Date | null;
}

/** Fields compared only when both sides carry them. */
const OPTIONAL_FIELDS = new Set(['art', 'ressources', 'allowTransitTime', 'transitTimePre', 'transitTimePost']);
const TIME_FIELDS = ['start_dt', 'end_dt', 'ganztags'];
const RECURRENCE_FIELDS = ['rp_flag', 'rp_type', 'rp_tage', 'rp_beginn_datum', 'rp_ende_status', 'rp_ende_datum', 'rp_exception'];
const WALL = 'yyyy-MM-dd HH:mm:ss';

/** One VEVENT → the normalised data onOffice should hold, with what could not be represented. */
export function planEventData(vevent: VEventLike, rules: EventRules): PlannedEvent {
  const parsed = parseVEvent(vevent, rules.zone);
  const data: Record<string, unknown> = { ...parsed.data };
  const unsupported = [...parsed.unsupported];
  data.cancelled = data.status === 'canceled';
  delete data.status;
  data.location = parsed.location ?? '';

  const categories = vevent.texts?.categories ?? vevent.categories ?? [];
  const mapped = categories.find((category) => rules.categoryArts[category] !== undefined);
  if (mapped !== undefined) {
    data.art = rules.categoryArts[mapped];
    const dropped = unsupported.findIndex((message) => message.startsWith('CATEGORIES has'));
    if (dropped >= 0) unsupported.splice(dropped, 1, `CATEGORIES has ${categories.length} values; onOffice holds one appointment type, '${String(data.art)}' (from '${mapped}') was used`);
  } else if (categories.length === 0 && rules.defaultArt !== '') {
    data.art = rules.defaultArt;
  }

  if (data.rp_flag === true) applyCount(vevent, data, unsupported, rules.zone);
  const recurrenceId = vevent.recurrenceid ? vevent.recurrenceid.toISOString() : '';
  const modified = (vevent.lastmodified as Date | undefined) ?? (vevent.dtstamp as Date | undefined) ?? null;
  return { uid: vevent.uid, recurrenceId, data, unsupported, endsAt: planEndsAt(data, rules.zone), modifiedAt: modified instanceof Date ? modified : null };
}

/** COUNT → the local date of the last occurrence as the series' end date (exact, and reported). */
function applyCount(vevent: VEventLike, data: Record<string, unknown>, unsupported: string[], zone: string): void {
  const at = unsupported.findIndex((message) => message.startsWith('RRULE COUNT='));
  if (at < 0 || !vevent.rrule) return;
  const count = /COUNT=(\d+)/.exec(unsupported[at]!)?.[1] ?? '?';
  const occurrences = vevent.rrule.all((_date, index) => index < 10_000);
  const last = occurrences.at(-1);
  if (!last) return;
  const lastDate = vevent.datetype === 'date' ? DateTime.fromObject({ year: last.getFullYear(), month: last.getMonth() + 1, day: last.getDate() }) : DateTime.fromJSDate(last, { zone });
  const date = lastDate.toISODate()!;
  if (date < String(data.start_dt).slice(0, 10)) return;
  data.rp_ende_status = 1;
  data.rp_ende_datum = date;
  unsupported.splice(at, 1, `RRULE COUNT=${count} cannot be represented in onOffice (it knows end dates only); the series was written ending on ${date}, the date of its last occurrence`);
}

function planEndsAt(data: Record<string, unknown>, zone: string): string | null {
  const end = DateTime.fromFormat(String(data.end_dt), WALL, { zone });
  if (data.rp_flag !== true) return end.toUTC().toISO();
  if (Number(data.rp_ende_status) !== 1) return null;
  const start = DateTime.fromFormat(String(data.start_dt), WALL, { zone });
  const lastEnd = DateTime.fromISO(String(data.rp_ende_datum), { zone }).set({ hour: end.hour, minute: end.minute, second: end.second }).plus({ days: Math.max(0, Math.round(end.startOf('day').diff(start.startOf('day'), 'days').days)) });
  return lastEnd.toUTC().toISO();
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** The fields of `next` that differ from `base`; optional fields only when `base` has them too. */
export function planChangedFields(base: TwoWayData, next: TwoWayData): string[] {
  const changed: string[] = [];
  for (const [key, value] of Object.entries(next)) {
    if (!(key in base)) {
      if (OPTIONAL_FIELDS.has(key)) continue;
      changed.push(key);
      continue;
    }
    if (!same(value, base[key])) changed.push(key);
  }
  return changed;
}

/** Whether two data describe the same appointment (see planChangedFields; symmetric). */
export function isSameTwoWayData(a: TwoWayData, b: TwoWayData): boolean {
  return planChangedFields(a, b).length === 0 && planChangedFields(b, a).length === 0;
}

/** `base` with `next`'s fields laid over it: what onOffice holds after a modify with `next`. */
export function mergeTwoWayData(base: TwoWayData, next: TwoWayData): TwoWayData {
  return { ...base, ...next };
}

function toLocationParameter(location: unknown): Record<string, unknown> {
  // The docs list 'keine Angaben' ("not specified") for no place; it is how a place is cleared.
  return typeof location === 'string' && location !== '' ? { sonstiges: location } : { 'keine Angaben': '' };
}

function toDataField(key: string, value: unknown, data: Record<string, unknown>): void {
  if (key === 'location') return;
  if (key === 'cancelled') {
    // `status` wins over `abgesagt` (documented); active is the only way back from canceled we may send.
    data.status = value === true ? 'canceled' : 'active';
    return;
  }
  data[key] = value;
}

/** The create parameters for new data. */
export function planCreateWrite(next: TwoWayData, options: { userId?: number; origin?: boolean }): AppointmentWrite {
  const data: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(next)) {
    if (key === 'cancelled' && value !== true) continue;
    toDataField(key, value, data);
  }
  if (options.origin) data.origin = true;
  const write: AppointmentWrite = { data };
  if (typeof next.location === 'string' && next.location !== '') write.location = toLocationParameter(next.location);
  if (options.userId !== undefined) write.subscribers = { users: [options.userId] };
  return write;
}

/** The modify parameters for the fields that changed, or null when nothing did. */
export function planModifyWrite(base: TwoWayData, next: TwoWayData): AppointmentWrite | null {
  const changed = new Set(planChangedFields(base, next));
  if (changed.size === 0) return null;
  if (TIME_FIELDS.some((key) => changed.has(key))) for (const key of TIME_FIELDS) changed.add(key);
  if (RECURRENCE_FIELDS.some((key) => changed.has(key))) for (const key of RECURRENCE_FIELDS) if (key in next) changed.add(key);
  const data: Record<string, unknown> = {};
  for (const key of changed) if (key in next) toDataField(key, next[key], data);
  const write: AppointmentWrite = { data };
  if (changed.has('location')) write.location = toLocationParameter(next.location);
  return write;
}
