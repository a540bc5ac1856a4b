import type { Appointment } from '../domain/appointment.js';
import { escape } from 'ical-generator';
import { PRODID, assembleCalendar, renderVEvents, type RenderOptions } from './render-event-objects.js';

export interface CalendarRenderOptions extends RenderOptions {
  readonly name: string;
  readonly description?: string;
  /** REFRESH-INTERVAL and X-PUBLISHED-TTL; absent: neither is written. */
  readonly refreshMinutes?: number;
}

/**
 * One VCALENDAR with every appointment (export, ICS feed): calendar name and zone hints for Apple,
 * Google and Outlook, refresh hints, one VTIMEZONE per TZID used, no METHOD.
 */
export function renderCalendar(appointments: Iterable<Appointment>, options: CalendarRenderOptions): string {
  const header = [`PRODID:${PRODID}`, 'CALSCALE:GREGORIAN', `NAME:${escape(options.name, false)}`, `X-WR-CALNAME:${escape(options.name, false)}`];
  if (options.description) header.push(`X-WR-CALDESC:${escape(options.description, false)}`);
  header.push(`X-WR-TIMEZONE:${options.zone}`);
  if (options.refreshMinutes !== undefined) {
    header.push(`REFRESH-INTERVAL;VALUE=DURATION:PT${options.refreshMinutes}M`, `X-PUBLISHED-TTL:PT${options.refreshMinutes}M`);
  }
  const vevents = [];
  for (const appointment of appointments) vevents.push(...renderVEvents(appointment, options));
  return assembleCalendar(header, vevents, options.zone);
}
