// The one check of a calendar event against its appointment, shared by the tests (through
// sync-fixture.ts) and bench/server-check.mjs, which runs without a build: plain JavaScript, with the
// project's expandOccurrences passed in (the tests give the source's, the bench the compiled one).
import { DateTime } from 'luxon';

/**
 * Start and end as instants (dates for all-day, read in `zone`, default the process's), and for a
 * series the occurrences node-ical expands over the next year against expandOccurrences. Returns the
 * differences (empty when equal).
 */
export function compareEvent(event, appointment, { expandOccurrences, zone }) {
  const problems = [];
  const allDay = event.datetype === 'date';
  const localDate = (date) => DateTime.fromJSDate(date, zone ? { zone } : {}).toFormat('yyyy-MM-dd');
  if (allDay !== appointment.allDay) problems.push(`all-day ${allDay} vs ${appointment.allDay}`);
  if (appointment.allDay) {
    if (localDate(event.start) !== appointment.start.toISODate()) problems.push(`start ${localDate(event.start)} vs ${appointment.start.toISODate()}`);
    if (event.end && localDate(event.end) !== appointment.end.toISODate()) problems.push(`end ${localDate(event.end)} vs ${appointment.end.toISODate()}`);
  } else {
    if (event.start.getTime() !== appointment.start.toMillis()) problems.push(`start ${event.start.toISOString()} vs ${appointment.start.toUTC().toISO()}`);
    if (event.end && event.end.getTime() !== appointment.end.toMillis()) problems.push(`end ${event.end.toISOString()} vs ${appointment.end.toUTC().toISO()}`);
  }
  if (Boolean(event.rrule) !== Boolean(appointment.recurrence)) problems.push('recurrence missing on one side');
  if (event.rrule && appointment.recurrence && !appointment.allDay && (appointment.start.hour < 1 || appointment.start.hour > 3)) {
    const from = DateTime.fromISO('2026-12-01T00:00:00', { zone: 'Europe/Berlin' });
    const to = from.plus({ years: 1 });
    const excluded = new Set(Object.values(event.exdate ?? {}).map((date) => date.getTime()));
    const theirs = event.rrule.between(from.toJSDate(), to.toJSDate(), true).map((date) => date.getTime()).filter((ms) => !excluded.has(ms));
    const mine = expandOccurrences(appointment, from, to).map((occurrence) => occurrence.start.toMillis()).filter((ms) => ms >= from.toMillis() && ms <= to.toMillis());
    if (JSON.stringify(theirs) !== JSON.stringify(mine)) problems.push(`occurrences differ: ${theirs.length} vs ${mine.length}`);
  }
  return problems;
}
