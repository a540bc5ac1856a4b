import { DateTime } from 'luxon';
import type {
  Appointment,
  AppointmentStatus,
  AppointmentUser,
  Recurrence,
  RecurrenceFrequency,
} from '../domain/appointment.js';
import { parseReminderValue, parseTransitValue } from '../domain/onoffice-readings.js';
import { resolveLocalTime } from '../domain/resolve-local-time.js';
import type { AppointmentElements, AppointmentRecord } from '../domain/appointment-record.js';
import { checkRecordLimits } from '../domain/check-record-limits.js';

/*
 * The readings (which field means what, DST gaps, all-day ends, recurrence ends) are documented in one
 * place: src/domain/onoffice-readings.ts.
 */

export type ParseResult = { ok: true; appointment: Appointment } | { ok: false; reason: string };

class Quarantine extends Error {
  override readonly name = 'Quarantine';
}

const FREQUENCIES: Readonly<Record<string, RecurrenceFrequency>> = {
  t: 'daily',
  w: 'weekly',
  m: 'monthly',
  j: 'yearly',
};

const STATUSES: ReadonlySet<string> = new Set(['active', 'completed', 'canceled', 'participantsAvailable']);

/** A raw `read calendar` record → Appointment in `zone`, or the reason it cannot be read. Never throws. */
export function parseAppointment(record: AppointmentRecord, zone: string): ParseResult {
  try {
    return { ok: true, appointment: readAppointment(record, zone) };
  } catch (error) {
    if (error instanceof Quarantine) return { ok: false, reason: error.message };
    return { ok: false, reason: `unreadable record: ${error instanceof Error ? error.message : String(error)}` };
  }
}

function readAppointment(record: AppointmentRecord, zone: string): Appointment {
  const overLimits = checkRecordLimits(record);
  if (overLimits) throw new Quarantine(overLimits);
  const id = readId(record.id);
  const elements: AppointmentElements = isObject(record.elements) ? record.elements : {};
  const allDay = readBoolean(elements, 'ganztags');
  const rawStart = readLocalDateTime(elements, 'start_dt', zone);
  const rawEnd = readLocalDateTime(elements, 'end_dt', zone);
  if (rawEnd.toMillis() < rawStart.toMillis()) {
    throw new Quarantine(`end_dt '${String(elements.end_dt)}' is before start_dt '${String(elements.start_dt)}'`);
  }
  const { start, end } = allDay ? readAllDaySpan(rawStart, rawEnd, zone) : { start: rawStart, end: rawEnd };
  const abgesagt = readBoolean(elements, 'abgesagt');
  const status = readStatus(elements.status, abgesagt);
  const reminderMinutes = parseReminderValue(elements.erinnerung);
  if (reminderMinutes === undefined) throw new Quarantine(`erinnerung '${String(elements.erinnerung)}' is not a reminder time`);
  const transit = readTransit(elements);
  return {
    id,
    allDay,
    start,
    end,
    summary: readText(elements.description),
    note: readText(elements.note),
    location: readText(elements.ort),
    categories: readCategories(elements.art),
    status,
    cancelled: abgesagt || status === 'canceled',
    private: readBoolean(elements, 'private'),
    reminderMinutes,
    resources: readStringList(elements.ressources, 'ressources'),
    userIds: readUserIds(elements.user_ids),
    users: readUsers(elements.users),
    creator: readText(elements.von),
    transitBeforeMinutes: transit.before,
    transitAfterMinutes: transit.after,
    recurrence: readBoolean(elements, 'rp_flag') ? readRecurrence(elements, start) : null,
    modified: readModified(elements.modified),
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readId(value: unknown): number {
  const id = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(id) || id <= 0) throw new Quarantine(`id '${String(value)}' is not a positive integer`);
  return id;
}

function readBoolean(elements: AppointmentElements, field: string): boolean {
  const value = elements[field];
  if (value === undefined || value === null || value === '' || value === false || value === 0) return false;
  if (value === true || value === 1) return true;
  if (typeof value === 'string') {
    const lower = value.toLowerCase();
    if (lower === '0' || lower === 'false') return false;
    if (lower === '1' || lower === 'true') return true;
  }
  throw new Quarantine(`${field} '${String(value)}' is not a boolean`);
}

const LOCAL_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?$/;
const LOCAL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function readLocalDateTime(elements: AppointmentElements, field: 'start_dt' | 'end_dt', zone: string): DateTime {
  const value = elements[field];
  const match = typeof value === 'string' ? LOCAL_DATE_TIME.exec(value.trim()) : null;
  const fields = match
    ? {
        year: Number(match[1]),
        month: Number(match[2]),
        day: Number(match[3]),
        hour: Number(match[4]),
        minute: Number(match[5]),
        second: Number(match[6] ?? '0'),
      }
    : null;
  if (!fields || !isValidCivil(fields.year, fields.month, fields.day) || fields.hour > 23 || fields.minute > 59 || fields.second > 59) {
    throw new Quarantine(`${field} '${String(value)}' is not a date-time 'YYYY-MM-DD HH:mm:ss'`);
  }
  return resolveLocalTime(zone, fields);
}

/** A real Gregorian date from year 1 on (what luxon accepts), checked without building a DateTime. */
function isValidCivil(year: number, month: number, day: number): boolean {
  return year >= 1 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** 'YYYY-MM-DD' → the same string when it is a real date, else null ('0000-00-00' included). */
function readDate(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const match = LOCAL_DATE.exec(value.trim());
  if (!match || !isValidCivil(Number(match[1]), Number(match[2]), Number(match[3]))) return null;
  return value.trim();
}

function readAllDaySpan(rawStart: DateTime, rawEnd: DateTime, zone: string): { start: DateTime; end: DateTime } {
  const start = startOfLocalDay(zone, rawStart);
  const endIsMidnightOfLaterDay =
    rawEnd.hour === 0 && rawEnd.minute === 0 && rawEnd.second === 0 && rawEnd.toISODate()! > rawStart.toISODate()!;
  const end = endIsMidnightOfLaterDay ? startOfLocalDay(zone, rawEnd) : startOfLocalDay(zone, rawEnd.plus({ days: 1 }));
  return { start, end };
}

function startOfLocalDay(zone: string, date: DateTime): DateTime {
  return resolveLocalTime(zone, { year: date.year, month: date.month, day: date.day, hour: 0, minute: 0, second: 0 });
}

function readStatus(value: unknown, abgesagt: boolean): AppointmentStatus {
  if (value === undefined || value === null || value === '') return abgesagt ? 'canceled' : 'active';
  if (typeof value === 'string' && STATUSES.has(value)) return value as AppointmentStatus;
  throw new Quarantine(`status '${String(value)}' is not one of active, completed, canceled, participantsAvailable`);
}

function readText(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : String(value);
}

function readCategories(value: unknown): string[] {
  if (typeof value === 'string') return value === '' ? [] : [value];
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string' && item !== '');
  if (isObject(value)) return Object.keys(value).filter((key) => key !== '');
  return [];
}

function readStringList(value: unknown, field: string): string[] {
  if (value === undefined || value === null || value === '') return [];
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value as string[];
  throw new Quarantine(`${field} is not a list of strings`);
}

function readUserIds(value: unknown): number[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new Quarantine('user_ids is not a list');
  return value.map((item) => {
    const id = typeof item === 'number' ? item : typeof item === 'string' && /^\d+$/.test(item) ? Number(item) : NaN;
    if (!Number.isSafeInteger(id)) throw new Quarantine(`user_ids entry '${String(item)}' is not an integer`);
    return id;
  });
}

function readUsers(value: unknown): AppointmentUser[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new Quarantine('users is not a list');
  return value.map((item: unknown) => {
    const user = isObject(item) ? item : {};
    const id = typeof user.id === 'number' ? user.id : typeof user.id === 'string' && /^\d+$/.test(user.id) ? Number(user.id) : NaN;
    if (!Number.isSafeInteger(id)) throw new Quarantine(`users entry id '${String(user.id)}' is not an integer`);
    return {
      id,
      username: readText(user.username),
      firstName: readText(user.firstName),
      lastName: readText(user.lastName),
      email: readText(user.email),
    };
  });
}

function readTransit(elements: AppointmentElements): { before: number; after: number } {
  if (!readBoolean(elements, 'allowTransitTime')) return { before: 0, after: 0 };
  const preField = elements.transitTimePre === undefined || elements.transitTimePre === null ? 'transitTime' : 'transitTimePre';
  const before = parseTransitValue(elements[preField]);
  if (before === undefined) throw new Quarantine(`${preField} '${String(elements[preField])}' is not 'HH:mm:ss'`);
  const after = parseTransitValue(elements.transitTimePost);
  if (after === undefined) throw new Quarantine(`transitTimePost '${String(elements.transitTimePost)}' is not 'HH:mm:ss'`);
  return { before, after };
}

function readRecurrence(elements: AppointmentElements, start: DateTime): Recurrence {
  const frequency = typeof elements.rp_type === 'string' ? FREQUENCIES[elements.rp_type] : undefined;
  if (!frequency) throw new Quarantine(`rp_type '${String(elements.rp_type)}' is not one of t, w, m, j`);
  const interval =
    typeof elements.rp_tage === 'number' ? elements.rp_tage : typeof elements.rp_tage === 'string' && /^\d+$/.test(elements.rp_tage) ? Number(elements.rp_tage) : NaN;
  if (!Number.isInteger(interval) || interval < 1 || interval > 999) {
    throw new Quarantine(`rp_tage '${String(elements.rp_tage)}' is not an integer in 1..999`);
  }
  const endStatus = String(elements.rp_ende_status ?? '');
  let until: string | null;
  if (endStatus === '1') {
    until = readDate(elements.rp_ende_datum);
    if (!until) throw new Quarantine(`rp_ende_datum '${String(elements.rp_ende_datum)}' is not a date, but rp_ende_status is 1 (end date)`);
    if (until < start.toISODate()!) throw new Quarantine(`rp_ende_datum '${until}' is before start_dt's date ${start.toISODate()!}`);
  } else if (endStatus === '2') {
    until = null;
  } else {
    throw new Quarantine(`rp_ende_status '${endStatus}' is neither 1 (end date) nor 2 (open-ended)`);
  }
  return { frequency, interval, until, exceptions: readExceptions(elements.rp_exception) };
}

function readExceptions(value: unknown): string[] {
  if (value === undefined || value === null || value === '') return [];
  let items: unknown[];
  if (Array.isArray(value)) {
    items = value;
  } else if (typeof value === 'string' && value.startsWith('#')) {
    items = value.slice(1).split('#');
  } else {
    throw new Quarantine(`rp_exception '${String(value)}' is neither a list of dates nor '#YYYY-MM-DD#…'`);
  }
  const dates = items.map((item) => {
    const date = readDate(item);
    if (!date) throw new Quarantine(`rp_exception entry '${String(item)}' is not a date 'YYYY-MM-DD'`);
    return date;
  });
  return [...new Set(dates)].sort();
}

function readModified(value: unknown): DateTime {
  const match = typeof value === 'string' ? LOCAL_DATE_TIME.exec(value.trim()) : null;
  const modified = match ? readUtcDateTime(match) : null;
  if (!modified || !modified.isValid || modified.year < 1) throw new Quarantine(`modified '${String(value)}' is not a UTC date-time 'YYYY-MM-DD HH:mm:ss'`);
  return modified;
}

/**
 * The matched fields as a UTC DateTime (invalid where luxon finds them so). The usual case is checked
 * by hand and built from milliseconds, which is several times cheaper than DateTime.fromObject; the
 * two cases where luxon's reading is subtler (hour 24 rolls over to the next day, years before 100)
 * go to luxon itself.
 */
function readUtcDateTime(match: RegExpExecArray): DateTime {
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  const hour = Number(match[4]);
  const minute = Number(match[5]);
  const second = Number(match[6] ?? '0');
  if (hour === 24 || year < 100) return DateTime.fromObject({ year, month, day, hour, minute, second }, { zone: 'utc' });
  if (!isValidCivil(year, month, day) || hour > 23 || minute > 59 || second > 59) return DateTime.invalid('unparsable');
  return DateTime.fromMillis(Date.UTC(year, month - 1, day, hour, minute, second), { zone: 'utc' });
}
