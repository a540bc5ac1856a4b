import fc from 'fast-check';
import { DateTime } from 'luxon';
import { expect } from 'vitest';
import type { Appointment } from '../../src/domain/appointment.js';
import { expandOccurrences, type Occurrence } from '../../src/domain/expand-occurrences.js';
import { parseIcsObjects } from '../../src/ical/parse-ics-objects.js';
import { renderCalendar } from '../../src/ical/render-calendar.js';
import { parseAppointment } from '../../src/onoffice/parse-appointment.js';
import { recordArbitrary } from './appointment-arbitrary.js';

const zone = 'Europe/Berlin';
const from = DateTime.fromISO('2025-06-01T00:00:00', { zone });
const to = DateTime.fromISO('2027-06-01T00:00:00', { zone });

function generateAppointments(count: number): Appointment[] {
  const appointments: Appointment[] = [];
  for (let id = 1; appointments.length < count; id += 1) {
    const [record] = fc.sample(recordArbitrary(id), { numRuns: 1, seed: id });
    const result = parseAppointment(record!, zone);
    if (result.ok) appointments.push(result.appointment);
  }
  return appointments;
}

/** Starts as comparable keys: instants for timed events, local dates for all-day ones. */
function nodeIcalStarts(ics: string): Map<string, string[]> {
  const byId = new Map<string, string[]>();
  for (const event of parseIcsObjects(ics)) {
    const allDay = event.datetype === 'date';
    // node-ical hands DATE values over as host-local midnights; read them with local getters.
    const key = (date: Date): string =>
      allDay
        ? `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}-${String(date.getDate()).padStart(2, '0')}`
        : new Date(date.getTime()).toISOString();
    let starts: string[];
    if (event.rrule) {
      const excluded = new Set(Object.values(event.exdate ?? {}).map((date) => key(date)));
      // DATE series come back as host-local midnights, so widen by a day and filter on the date key.
      const candidates = event.rrule.between(new Date(from.toMillis() - 86_400_000), new Date(to.toMillis() + 86_400_000), true);
      starts = candidates.map(key).filter((start) => !excluded.has(start));
    } else {
      starts = [key(event.start)];
    }
    byId.set(String(event['ONOFFICE-ID']), starts);
  }
  return byId;
}

function expandedStarts(appointment: Appointment, occurrences: readonly Occurrence[]): string[] {
  return occurrences.map((occurrence) =>
    appointment.allDay ? occurrence.start.toISODate()! : occurrence.start.toUTC().toISO()!,
  );
}

/**
 * node-ical 0.26 (rrule-temporal) departs from RFC 5545 around DST changes: a local time in the autumn
 * fold becomes the later instant (RFC: the first), and after a spring gap a series keeps the shifted
 * wall time (RFC: every instance is computed from DTSTART's wall time). Timed appointments at such a wall
 * time on a change day are compared by the unit tests in test/domain instead.
 */
function touchesDstChange(appointment: Appointment, occurrences: readonly Occurrence[]): boolean {
  if (appointment.allDay || appointment.start.hour < 1 || appointment.start.hour > 3) return false;
  return [{ start: appointment.start }, ...occurrences].some(({ start }) => start.startOf('day').offset !== start.set({ hour: 12 }).offset);
}

function inWindow(appointment: Appointment, start: string): boolean {
  if (appointment.allDay) return start >= from.toISODate()! && start <= to.toISODate()!;
  const ms = Date.parse(start);
  return ms >= from.toMillis() && ms <= to.toMillis();
}

/**
 * Renders 1,000 generated appointments (every recurrence shape the generator makes, at a size that fits a busy machine; the 5,000 shape belongs in bench/) as one calendar, parses it with node-ical under the host zone
 * `hostTz` (set on process.env.TZ, checked to take effect) and compares node-ical's RRULE expansion minus
 * EXDATEs with expandOccurrences, occurrence by occurrence, over two years and four DST changes.
 */
export function compareWithNodeIcal(hostTz: 'UTC' | 'America/New_York'): void {
  const appointments = generateAppointments(1000);
  const expanded = new Map(
    appointments.map((appointment) => [appointment.id, expandOccurrences(appointment, from.minus({ days: 10 }), to.plus({ days: 10 }))]),
  );
  process.env.TZ = hostTz;
  expect(new Date(2025, 0, 1).getTimezoneOffset()).toBe(hostTz === 'UTC' ? 0 : 300);
  const ics = renderCalendar(appointments, { zone, uidDomain: 'test.example', recurrence: 'rrule', attendees: false, name: 'Expansion' });
  const theirs = nodeIcalStarts(ics);
  let compared = 0;
  const mismatches: string[] = [];
  let skipped = 0;
  for (const appointment of appointments) {
    const occurrences = expanded.get(appointment.id)!;
    if (touchesDstChange(appointment, occurrences)) {
      skipped += 1;
      continue;
    }
    const mine = expandedStarts(appointment, occurrences).filter((start) => inWindow(appointment, start));
    const other = (theirs.get(String(appointment.id)) ?? []).filter((start) => inWindow(appointment, start));
    if (JSON.stringify(other) !== JSON.stringify(mine)) mismatches.push(`appointment ${appointment.id} starting ${appointment.start.toISO()!}`);
    compared += mine.length;
  }
  expect(mismatches).toEqual([]);
  expect(skipped).toBeLessThan(appointments.length * 0.03);
  expect(compared).toBeGreaterThan(20_000);
}
