import {
  ICalAlarmType,
  ICalAttendeeStatus,
  ICalCalendar,
  ICalEvent,
  ICalEventClass,
  ICalEventStatus,
  escape,
  type ICalAttendeeScheduleAgent,
  type ICalEventData,
} from 'ical-generator';
import type { DateTime } from 'luxon';
import type { Appointment } from '../domain/appointment.js';
import { expandOccurrences, type Occurrence } from '../domain/expand-occurrences.js';
import { resolveLocalTime } from '../domain/resolve-local-time.js';
import { foldLines } from './fold-lines.js';
import { IcalRenderError } from './ical-render-error.js';
import { renderVTimezone } from './render-vtimezone.js';

/* The mapping choices (STATUS, transit, privacy, UNTIL, EXDATE, text) are in src/domain/onoffice-readings.ts. */

export interface RenderOptions {
  readonly zone: string;
  readonly uidDomain: string;
  readonly recurrence: 'rrule' | 'expand';
  /** Required with recurrence 'expand': occurrences overlapping [from, to) become events. */
  readonly expandWindow?: { readonly from: DateTime; readonly to: DateTime };
  readonly attendees: boolean;
  /** `{id}` is replaced by the appointment id; empty or absent: no URL property. */
  readonly appointmentUrl?: string;
  readonly privacy?: 'full' | 'busy-only';
  /** SEQUENCE, from the store's revision counter. */
  readonly sequence?: number;
}

/** One CalDAV resource: a whole VCALENDAR (CRLF lines, folded) with the VTIMEZONEs it needs. */
export interface RenderedObject {
  readonly uid: string;
  readonly filename: string;
  readonly ics: string;
}

export const PRODID = '-//onoffice-sync//onoffice-sync//EN';

/** A zero-length timed appointment ends this long after its start, marked so; see onoffice-readings.ts. */
export const ZERO_LENGTH_SECONDS = 1;
export const ZERO_LENGTH_PROPERTY = 'X-ONOFFICE-ZERO-LENGTH';

export function appointmentUid(id: number, uidDomain: string): string {
  return `onoffice-${id}@${uidDomain}`;
}

/** `onoffice-<id>-<YYYYMMDD>@<domain>`: one occurrence written as its own event in 'expand' mode. */
export function occurrenceUid(id: number, localDate: string, uidDomain: string): string {
  return `onoffice-${id}-${localDate}@${uidDomain}`;
}

/**
 * The CalDAV objects for one appointment: with 'rrule' one object (a series carries RRULE/EXDATE);
 * with 'expand' a series becomes one object per occurrence overlapping the window, a single
 * appointment stays one object whatever the window (windowing single events is the sync's business).
 */
export function renderEventObjects(appointment: Appointment, options: RenderOptions): RenderedObject[] {
  return renderVEvents(appointment, options).map((vevent) => ({
    uid: vevent.uid,
    filename: `${vevent.uid.slice(0, vevent.uid.lastIndexOf('@'))}.ics`,
    ics: assembleCalendar([`PRODID:${PRODID}`, 'CALSCALE:GREGORIAN'], [vevent], options.zone),
  }));
}

export interface RenderedVEvent {
  readonly uid: string;
  /** Unfolded VEVENT lines, CRLF-terminated. */
  readonly text: string;
  /** Whether a TZID in the configured zone is referenced. */
  readonly usesZone: boolean;
}

export function renderVEvents(appointment: Appointment, options: RenderOptions): RenderedVEvent[] {
  if (options.recurrence === 'expand' && appointment.recurrence) {
    const window = options.expandWindow;
    if (!window) {
      throw new IcalRenderError('missing-window', `Cannot expand appointment ${appointment.id}: recurrence 'expand' needs expandWindow`);
    }
    return expandOccurrences(appointment, window.from, window.to).map((occurrence) =>
      renderOneVEvent(appointment, options, occurrence),
    );
  }
  return [renderOneVEvent(appointment, options, null)];
}

/** Header lines (without BEGIN/VERSION), VTIMEZONEs for the zone when referenced, the events; folded. */
export function assembleCalendar(headerLines: readonly string[], vevents: readonly RenderedVEvent[], zone: string): string {
  const parts = ['BEGIN:VCALENDAR', 'VERSION:2.0', ...headerLines];
  if (!isUtc(zone) && vevents.some((vevent) => vevent.usesZone)) parts.push(renderVTimezone(zone));
  const body = `${parts.join('\r\n')}\r\n${vevents.map((vevent) => vevent.text).join('')}END:VCALENDAR`;
  return `${foldLines(body)}\r\n`;
}

const scratchCalendar = new ICalCalendar();

function renderOneVEvent(appointment: Appointment, options: RenderOptions, occurrence: Occurrence | null): RenderedVEvent {
  const zone = options.zone;
  const full = (options.privacy ?? 'full') === 'full';
  const start = (occurrence?.start ?? appointment.start).setZone(zone);
  const exactEnd = (occurrence?.end ?? appointment.end).setZone(zone);
  const zeroLength = !appointment.allDay && exactEnd.toMillis() === start.toMillis();
  const end = zeroLength ? start.plus({ seconds: ZERO_LENGTH_SECONDS }) : exactEnd;
  const uid = occurrence
    ? occurrenceUid(appointment.id, occurrence.recurrenceId.slice(0, 8), options.uidDomain)
    : appointmentUid(appointment.id, options.uidDomain);
  const summary = full ? cleanText(appointment.summary) : 'Busy';
  const x: Array<[string, string]> = [['X-ONOFFICE-ID', String(appointment.id)]];
  if (occurrence) x.push(['X-ONOFFICE-OCCURRENCE', occurrence.recurrenceId]);
  if (appointment.transitAfterMinutes > 0) x.push(['X-ONOFFICE-TRANSIT-AFTER', `PT${appointment.transitAfterMinutes}M`]);
  if (zeroLength) x.push([ZERO_LENGTH_PROPERTY, 'TRUE']);
  const data: ICalEventData = {
    id: uid,
    sequence: options.sequence ?? 0,
    stamp: appointment.modified.toUTC(),
    lastModified: appointment.modified.toUTC(),
    start,
    end,
    allDay: appointment.allDay,
    timezone: zone,
    summary,
    status: appointment.cancelled || appointment.status === 'canceled' ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
    x,
  };
  if (appointment.private) data.class = ICalEventClass.PRIVATE;
  if (appointment.transitBeforeMinutes > 0) data.travelTime = { seconds: appointment.transitBeforeMinutes * 60 };
  if (!occurrence && appointment.recurrence) data.repeating = renderRecurrenceLines(appointment, zone);
  if (full) {
    if (appointment.note !== '') data.description = cleanText(appointment.note);
    if (appointment.location !== '') data.location = cleanText(appointment.location);
    const categories = appointment.categories.map(cleanText).filter((name) => name !== '');
    if (categories.length > 0) data.categories = categories.map((name) => ({ name }));
    if (appointment.reminderMinutes !== null) {
      data.alarms = [{ type: ICalAlarmType.display, trigger: appointment.reminderMinutes * 60, description: summary === '' ? 'Reminder' : summary }];
    }
    if (options.appointmentUrl) data.url = options.appointmentUrl.replaceAll('{id}', String(appointment.id));
    if (options.attendees) {
      data.attendees = appointment.users
        .filter((user) => user.email !== '')
        .map((user) => ({
          email: user.email,
          name: `${user.firstName} ${user.lastName}`.trim() || user.username || user.email,
          // ical-generator declares the schedule-agent enum but exports it as a type only.
          scheduleAgent: 'CLIENT' as ICalAttendeeScheduleAgent,
          status: ICalAttendeeStatus.ACCEPTED,
        }));
    }
  }
  let text = new ICalEvent(data, scratchCalendar).toString();
  const resources = full ? appointment.resources.map(cleanText).filter((name) => name !== '') : [];
  if (resources.length > 0) {
    // ical-generator has no RESOURCES and only takes X- extras, so the line goes in before END:VEVENT.
    const line = `RESOURCES:${resources.map((name) => escape(name, false)).join(',')}`;
    text = `${text.slice(0, text.length - 'END:VEVENT\r\n'.length)}${line}\r\nEND:VEVENT\r\n`;
  }
  return { uid, text, usesZone: !appointment.allDay };
}

const FREQ: Readonly<Record<string, string>> = { daily: 'DAILY', weekly: 'WEEKLY', monthly: 'MONTHLY', yearly: 'YEARLY' };

/** RRULE and EXDATE lines, written by hand: ical-generator would write an all-day UNTIL as a DATE-TIME. */
function renderRecurrenceLines(appointment: Appointment, zone: string): string {
  const recurrence = appointment.recurrence!;
  const anchor = appointment.start.setZone(zone);
  let rrule = `RRULE:FREQ=${FREQ[recurrence.frequency]!}`;
  if (recurrence.interval > 1) rrule += `;INTERVAL=${recurrence.interval}`;
  // Redundant for RFC 5545, but rrule-temporal (node-ical) and others clamp the 31st to the month's last
  // day and then drift; spelling the day out makes them skip short months as the RFC says.
  if (recurrence.frequency === 'monthly' && anchor.day > 28) rrule += `;BYMONTHDAY=${anchor.day}`;
  if (recurrence.frequency === 'yearly' && anchor.month === 2 && anchor.day === 29) rrule += ';BYMONTH=2;BYMONTHDAY=29';
  if (recurrence.until !== null) {
    const [year, month, day] = recurrence.until.split('-').map(Number) as [number, number, number];
    rrule += appointment.allDay
      ? `;UNTIL=${recurrence.until.replaceAll('-', '')}`
      : `;UNTIL=${resolveLocalTime(zone, { year, month, day, hour: 23, minute: 59, second: 59 }).toUTC().toFormat("yyyyLLdd'T'HHmmss'Z'")}`;
  }
  const lines = [rrule];
  if (recurrence.exceptions.length > 0) {
    if (appointment.allDay) {
      lines.push(`EXDATE;VALUE=DATE:${recurrence.exceptions.map((date) => date.replaceAll('-', '')).join(',')}`);
    } else {
      const instants = recurrence.exceptions.map((date) => {
        const [year, month, day] = date.split('-').map(Number) as [number, number, number];
        return resolveLocalTime(zone, { year, month, day, hour: anchor.hour, minute: anchor.minute, second: anchor.second });
      });
      lines.push(
        isUtc(zone)
          ? `EXDATE:${instants.map((instant) => instant.toUTC().toFormat("yyyyLLdd'T'HHmmss'Z'")).join(',')}`
          : `EXDATE;TZID=${zone}:${instants.map((instant) => instant.toFormat("yyyyLLdd'T'HHmmss")).join(',')}`,
      );
    }
  }
  return lines.join('\n');
}

function isUtc(zone: string): boolean {
  return zone === 'UTC';
}

/** RFC 5545 TEXT: one kind of line break, no control characters other than tab. */
export function cleanText(text: string): string {
  // Most texts hold neither: one scan instead of two replacements (a feed cleans every field of every event).
  // eslint-disable-next-line no-control-regex
  if (!/[\r\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(text)) return text;
  // eslint-disable-next-line no-control-regex
  return text.replace(/\r\n?/g, '\n').replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '');
}
