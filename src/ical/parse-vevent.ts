import { DateTime } from 'luxon';
import type { DateWithTimeZone, ParameterValue } from 'node-ical';
import { formatTransitValue, nearestReminderValue } from '../domain/onoffice-readings.js';
import { resolveLocalTime } from '../domain/resolve-local-time.js';
import type { VEventLike } from './parse-ics-objects.js';
import { ZERO_LENGTH_PROPERTY, ZERO_LENGTH_SECONDS } from './render-event-objects.js';

/* The readings this follows (what is representable, reminders, what is sent only when present) are in
 * src/domain/onoffice-readings.ts. */

export interface ParsedVEvent {
  /** onOffice create/modify `data`. */
  readonly data: Record<string, unknown>;
  /** LOCATION, for create/modify's `location: { sonstiges }`. */
  readonly location?: string;
  /** What the VEVENT says that onOffice cannot hold, one message each. */
  readonly unsupported: string[];
}

const RP_TYPE: Readonly<Record<string, string>> = { DAILY: 't', WEEKLY: 'w', MONTHLY: 'm', YEARLY: 'j' };
const WEEKDAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'];

/**
 * Our rendering of a zero-length appointment read back: marked, and ending 1 s after the start as
 * written, or 1 h after it as SOGo stores it. A marked event with any other length was edited by a user.
 */
function isZeroLength(vevent: VEventLike, allDay: boolean): boolean {
  if (allDay || !vevent.end || textOf(vevent[ZERO_LENGTH_PROPERTY.slice(2)]).toUpperCase() !== 'TRUE') return false;
  const seconds = (vevent.end.getTime() - vevent.start.getTime()) / 1000;
  return seconds === ZERO_LENGTH_SECONDS || seconds === SERVER_FILLED_SECONDS;
}

/** SOGo replaces an end it does not like by start + 1 h. */
const SERVER_FILLED_SECONDS = 3600;

/** A VEVENT (from parseIcsObjects) → onOffice create/modify data in `zone`. Pure; does not throw on odd input. */
export function parseVEvent(vevent: VEventLike, zone: string): ParsedVEvent {
  const unsupported: string[] = [];
  const data: Record<string, unknown> = {};
  const allDay = vevent.datetype === 'date';
  const start = toLocal(vevent.start, zone);
  const end = vevent.end && !isZeroLength(vevent, allDay) ? toLocal(vevent.end, zone) : allDay ? start.plus({ days: 1 }) : start;
  if (allDay) {
    const lastDay = DateTime.max(start, end.minus({ days: 1 }));
    data.start_dt = `${start.toISODate()!} 00:00:00`;
    data.end_dt = `${lastDay.toISODate()!} 23:59:59`;
  } else {
    data.start_dt = start.toFormat('yyyy-MM-dd HH:mm:ss');
    data.end_dt = end.toFormat('yyyy-MM-dd HH:mm:ss');
  }
  data.ganztags = allDay;
  data.description = vevent.texts?.summary ?? textOf(vevent.summary);
  data.note = vevent.texts?.description ?? textOf(vevent.description);
  const location = vevent.texts?.location ?? textOf(vevent.location);
  const visibility = textOf(vevent.class).toUpperCase();
  data.private = visibility === 'PRIVATE' || visibility === 'CONFIDENTIAL';
  if (textOf(vevent.status).toUpperCase() === 'CANCELLED') data.status = 'canceled';
  data.erinnerung = readReminder(vevent, start, unsupported);

  const categories = vevent.texts?.categories ?? vevent.categories ?? [];
  if (categories.length > 0) {
    data.art = categories[0];
    if (categories.length > 1) unsupported.push(`CATEGORIES has ${categories.length} values; onOffice holds one appointment type, '${categories[0]!}' was used`);
  }
  const resources = vevent.texts?.resources ?? splitPlain(vevent.resources);
  if (resources.length > 0) data.ressources = [...resources];
  const transitBefore = readDurationMinutes(vevent['APPLE-TRAVEL-DURATION']);
  const transitAfter = readDurationMinutes(vevent['ONOFFICE-TRANSIT-AFTER']);
  if (transitBefore !== null || transitAfter !== null) {
    data.allowTransitTime = true;
    data.transitTimePre = formatTransitValue(transitBefore ?? 0);
    data.transitTimePost = formatTransitValue(transitAfter ?? 0);
  }

  data.rp_flag = false;
  if (vevent.rrule) readRecurrence(vevent, start, allDay, zone, data, unsupported);
  if (vevent.rdate !== undefined) unsupported.push('RDATE (extra occurrence dates) cannot be represented in onOffice and was not applied');
  if (vevent.recurrenceid) unsupported.push(`RECURRENCE-ID ${vevent.recurrenceid.toISOString()}: this object changes one occurrence, which onOffice cannot represent`);
  const overrides = Object.keys(vevent.recurrences ?? {}).filter((key) => /^\d{4}-\d{2}-\d{2}$/.test(key));
  if (overrides.length > 0) {
    unsupported.push(`RECURRENCE-ID overrides for ${overrides.sort().join(', ')} cannot be represented in onOffice and were not applied`);
  }
  return location !== '' ? { data, location, unsupported } : { data, unsupported };
}

/** A node-ical date → DateTime in `zone`: DATE values and floating times keep their wall clock. */
function toLocal(date: DateWithTimeZone, zone: string): DateTime {
  if (date.dateOnly || date.tz === undefined) {
    // node-ical builds these from local getters of the host zone; read them back the same way.
    return resolveLocalTime(zone, {
      year: date.getFullYear(),
      month: date.getMonth() + 1,
      day: date.getDate(),
      hour: date.dateOnly ? 0 : date.getHours(),
      minute: date.dateOnly ? 0 : date.getMinutes(),
      second: date.dateOnly ? 0 : date.getSeconds(),
    });
  }
  return DateTime.fromJSDate(date, { zone });
}

function textOf(value: ParameterValue | unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'object' && 'val' in value) return String((value as { val: unknown }).val);
  return String(value);
}

function splitPlain(value: unknown): string[] {
  const text = textOf(value);
  return text === '' ? [] : text.split(',');
}

const DURATION = /^([+-])?P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;

/** A DURATION value → signed minutes (seconds dropped); null when absent or unreadable. */
function parseDurationMinutes(text: string): number | null {
  const match = DURATION.exec(text.trim());
  if (!match || text.trim() === 'P' || text.trim().endsWith('T')) return null;
  const [, sign, weeks, days, hours, minutes, seconds] = match;
  const total =
    Number(weeks ?? 0) * 10_080 + Number(days ?? 0) * 1440 + Number(hours ?? 0) * 60 + Number(minutes ?? 0) + Math.floor(Number(seconds ?? 0) / 60);
  return sign === '-' ? -total : total;
}

function readDurationMinutes(value: unknown): number | null {
  if (value === undefined) return null;
  const minutes = parseDurationMinutes(textOf(value));
  return minutes === null ? null : Math.abs(minutes);
}

function readReminder(vevent: VEventLike, start: DateTime, unsupported: string[]): string {
  const leads: number[] = [];
  for (const alarm of vevent.alarms ?? []) {
    const trigger = alarm.trigger as unknown;
    const params = typeof trigger === 'object' && trigger !== null && 'params' in trigger ? (trigger as { params: Record<string, unknown> }).params : {};
    const text = textOf(trigger);
    if (String(params.RELATED ?? 'START').toUpperCase() === 'END') {
      unsupported.push(`VALARM TRIGGER ${text} relative to the end cannot be represented and was ignored`);
      continue;
    }
    const relative = parseDurationMinutes(text);
    const absolute = relative === null ? DateTime.fromISO(text.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z')) : null;
    const lead = relative !== null ? -relative : absolute?.isValid ? Math.round(start.diff(absolute, 'minutes').minutes) : null;
    if (lead === null) unsupported.push(`VALARM TRIGGER '${text}' is not readable and was ignored`);
    else if (lead < 0) unsupported.push(`VALARM ${-lead} minutes after the start cannot be represented and was ignored`);
    else leads.push(lead);
  }
  if (leads.length === 0) return '';
  const nearest = Math.min(...leads);
  if (leads.length > 1) unsupported.push(`${leads.length} VALARMs; onOffice holds one reminder, the one ${nearest} minutes before was used`);
  const chosen = nearestReminderValue(nearest);
  if (chosen.minutes !== nearest) unsupported.push(`reminder ${nearest} minutes before was rounded to '${chosen.value}'`);
  return chosen.value;
}

function readRecurrence(
  vevent: VEventLike,
  start: DateTime,
  allDay: boolean,
  zone: string,
  data: Record<string, unknown>,
  unsupported: string[],
): void {
  const ruleLine = vevent.rrule!.toString().split(/\r?\n/).find((line) => line.startsWith('RRULE:')) ?? '';
  const parts = new Map(
    ruleLine
      .slice('RRULE:'.length)
      .split(';')
      .filter((part) => part.includes('='))
      .map((part) => [part.slice(0, part.indexOf('=')).toUpperCase(), part.slice(part.indexOf('=') + 1)] as const),
  );
  const freq = parts.get('FREQ') ?? '';
  const rpType = RP_TYPE[freq];
  if (!rpType) {
    unsupported.push(`RRULE FREQ=${freq} cannot be represented in onOffice (daily, weekly, monthly, yearly only); the event was sent without recurrence`);
    return;
  }
  const interval = Number(parts.get('INTERVAL') ?? '1');
  if (!Number.isInteger(interval) || interval < 1 || interval > 999) {
    unsupported.push(`RRULE INTERVAL=${parts.get('INTERVAL')!} is outside onOffice's 1..999; the event was sent without recurrence`);
    return;
  }
  for (const [name, value] of parts) {
    if (name === 'FREQ' || name === 'INTERVAL' || name === 'UNTIL' || name === 'COUNT' || name === 'WKST') continue;
    if (!isRedundantByRule(name, value, freq, start)) unsupported.push(`RRULE ${name}=${value} cannot be represented in onOffice and was not applied`);
  }
  data.rp_flag = true;
  data.rp_type = rpType;
  data.rp_tage = interval;
  data.rp_beginn_datum = start.toISODate();
  const until = parts.get('UNTIL');
  const count = parts.get('COUNT');
  if (until !== undefined) {
    data.rp_ende_status = 2;
    const untilDate = readUntilDate(until, start, allDay, zone);
    if (untilDate) {
      data.rp_ende_status = 1;
      data.rp_ende_datum = untilDate;
    } else {
      unsupported.push(`RRULE UNTIL=${until} is not readable; the series was sent open-ended`);
    }
  } else if (count !== undefined) {
    unsupported.push(`RRULE COUNT=${count} cannot be represented in onOffice (it knows end dates only); the series was sent open-ended`);
    data.rp_ende_status = 2;
  } else {
    data.rp_ende_status = 2;
  }
  const exceptions = new Set<string>();
  for (const value of Object.values(vevent.exdate ?? {})) {
    if (value) exceptions.add(toLocal(value, zone).toISODate()!);
  }
  data.rp_exception = [...exceptions].sort().map((date) => `#${date}`).join('');
}

/** BYDAY/BYMONTHDAY/BYMONTH that only repeat what DTSTART says (Google writes BYDAY for weekly events). */
function isRedundantByRule(name: string, value: string, freq: string, start: DateTime): boolean {
  if (name === 'BYDAY') return freq === 'WEEKLY' && value.toUpperCase() === WEEKDAYS[start.weekday - 1];
  if (name === 'BYMONTHDAY') return (freq === 'MONTHLY' || freq === 'YEARLY') && Number(value) === start.day;
  if (name === 'BYMONTH') return freq === 'YEARLY' && Number(value) === start.month;
  return false;
}

/** UNTIL → the local date of the last occurrence it allows. */
function readUntilDate(until: string, start: DateTime, allDay: boolean, zone: string): string | null {
  const match = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z)?)?$/.exec(until);
  if (!match) return null;
  const [, year, month, day, hour, minute, second, utc] = match;
  const date = `${year!}-${month!}-${day!}`;
  if (hour === undefined || allDay) return date;
  const fields = { year: Number(year), month: Number(month), day: Number(day), hour: Number(hour), minute: Number(minute), second: Number(second) };
  const local = utc ? DateTime.fromObject(fields, { zone: 'utc' }).setZone(zone) : resolveLocalTime(zone, fields);
  const wall = (d: DateTime): number => d.hour * 3600 + d.minute * 60 + d.second;
  return (wall(local) < wall(start) ? local.minus({ days: 1 }) : local).toISODate();
}
