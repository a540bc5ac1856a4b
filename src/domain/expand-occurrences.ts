import { DateTime } from 'luxon';
import type { Appointment, Recurrence } from './appointment.js';
import { resolveLocalTime } from './resolve-local-time.js';

export interface Occurrence {
  readonly start: DateTime;
  readonly end: DateTime;
  /**
   * The iCalendar RECURRENCE-ID value of this occurrence in the appointment's zone: 'YYYYMMDD' for
   * all-day, 'YYYYMMDDTHHmmss' (local wall time) otherwise. Its date part is the local occurrence date.
   */
  readonly recurrenceId: string;
}

const UNIT: Readonly<Record<Recurrence['frequency'], 'days' | 'weeks' | 'months' | 'years'>> = {
  daily: 'days',
  weekly: 'weeks',
  monthly: 'months',
  yearly: 'years',
};

/**
 * The occurrences of `appointment` that overlap the window [from, to): start < to and end > from; a
 * zero-length occurrence counts when from <= start < to. A single appointment yields itself when it
 * overlaps. Exceptions are removed. Occurrences keep the anchor's wall time across DST changes.
 */
export function expandOccurrences(appointment: Appointment, from: DateTime, to: DateTime): Occurrence[] {
  const zone = appointment.start.zoneName ?? 'UTC';
  const fromMs = from.toMillis();
  const toMs = to.toMillis();
  const overlaps = (start: DateTime, end: DateTime): boolean =>
    start.toMillis() < toMs && (end.toMillis() > fromMs || (end.toMillis() === start.toMillis() && start.toMillis() >= fromMs));
  const recurrence = appointment.recurrence;
  if (!recurrence) {
    return overlaps(appointment.start, appointment.end)
      ? [{ start: appointment.start, end: appointment.end, recurrenceId: formatRecurrenceId(appointment.start, appointment.allDay) }]
      : [];
  }
  const anchor = appointment.start;
  const anchorDate = DateTime.utc(anchor.year, anchor.month, anchor.day);
  const durationMs = appointment.end.toMillis() - anchor.toMillis();
  const durationDays = Math.round(
    DateTime.utc(appointment.end.year, appointment.end.month, appointment.end.day).diff(anchorDate, 'days').days,
  );
  const unit = UNIT[recurrence.frequency];
  const exceptions = new Set(recurrence.exceptions);
  const occurrences: Occurrence[] = [];
  // Skip whole periods that end before the window; a margin of one period plus the duration keeps
  // occurrences that started earlier but still overlap.
  const windowStartDate = DateTime.utc(from.setZone(zone).year, from.setZone(zone).month, from.setZone(zone).day);
  const marginDays = Math.ceil(durationMs / 86_400_000) + 2;
  const unitsBefore = Math.floor(windowStartDate.minus({ days: marginDays }).diff(anchorDate, unit).as(unit));
  let step = Math.max(0, Math.floor(unitsBefore / recurrence.interval) - 1);
  for (;; step += 1) {
    const date = anchorDate.plus({ [unit]: step * recurrence.interval });
    if (recurrence.until !== null && date.toISODate()! > recurrence.until) break;
    if (!sameDayOfPeriod(anchorDate, date, recurrence.frequency)) continue;
    const start = appointment.allDay
      ? resolveLocalTime(zone, { year: date.year, month: date.month, day: date.day, hour: 0, minute: 0, second: 0 })
      : resolveLocalTime(zone, { year: date.year, month: date.month, day: date.day, hour: anchor.hour, minute: anchor.minute, second: anchor.second });
    if (start.toMillis() >= toMs) break;
    if (exceptions.has(date.toISODate()!)) continue;
    const end = appointment.allDay
      ? (() => {
          const endDate = date.plus({ days: durationDays });
          return resolveLocalTime(zone, { year: endDate.year, month: endDate.month, day: endDate.day, hour: 0, minute: 0, second: 0 });
        })()
      : DateTime.fromMillis(start.toMillis() + durationMs, { zone });
    if (overlaps(start, end)) occurrences.push({ start, end, recurrenceId: formatRecurrenceId(start, appointment.allDay, date) });
  }
  return occurrences;
}

/**
 * luxon clamps Jan 31 + 1 month to Feb 28; RFC 5545 skips such months (and Feb 29 in common years), so
 * an occurrence only counts when the day of month survived.
 */
function sameDayOfPeriod(anchorDate: DateTime, date: DateTime, frequency: Recurrence['frequency']): boolean {
  if (frequency === 'monthly') return date.day === anchorDate.day;
  if (frequency === 'yearly') return date.day === anchorDate.day && date.month === anchorDate.month;
  return true;
}

function formatRecurrenceId(start: DateTime, allDay: boolean, date?: DateTime): string {
  const day = (date ?? start).toFormat('yyyyLLdd');
  return allDay ? day : `${day}T${start.toFormat('HHmmss')}`;
}
