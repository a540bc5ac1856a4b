import type { Config, CaldavTargetConfig } from '../config/config-schema.js';
import { parseIcsObjects } from '../ical/parse-ics-objects.js';
import type { Appointment } from '../domain/appointment.js';
import { foldLines } from '../ical/fold-lines.js';
import { appointmentUid, type RenderOptions } from '../ical/render-event-objects.js';
import type { TwoWayData } from '../domain/two-way-data.js';
import { hashIcs, planDesiredObjects, type CalendarRoute } from '../push/plan-desired-objects.js';
import type { DesiredObject } from '../push/plan-sync.js';
import { planEventData, type EventRules } from './plan-two-way-write.js';

/*
 * An appointment that came from a person's event keeps that event's UID and href in the calendar: their
 * phone knows the event by it (alarms, links from mails, invitations it sent), and replacing it with
 * onoffice-<id>@… would make it vanish and reappear as a new event. Such an object is always written
 * as one event with RRULE, whatever ical.recurrence says: the person's client created a series there;
 * and in full, whatever `private: busy-only` says: the text is the person's own.
 */

export function isOwnUid(uid: string, uidDomain: string): boolean {
  const at = uid.lastIndexOf('@');
  return at > 0 && uid.slice(at + 1) === uidDomain && /^onoffice-\d+(?:-\d{8})?$/.test(uid.slice(0, at));
}

/** An own UID of one occurrence written by recurrence 'expand': onoffice-<id>-<YYYYMMDD>@<domain>. */
export function isOccurrenceUid(uid: string, uidDomain: string): boolean {
  return isOwnUid(uid, uidDomain) && /^onoffice-\d+-\d{8}@/.test(uid);
}

/** The VEVENT's UID replaced by `uid`; lines unfolded and folded again. */
export function replaceUid(ics: string, uid: string): string {
  const lines = ics.replace(/\r\n[ \t]/g, '').split('\r\n');
  const stack: string[] = [];
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i]!;
    if (line.startsWith('BEGIN:')) stack.push(line.slice(6));
    else if (line.startsWith('END:')) stack.pop();
    else if (stack.at(-1) === 'VEVENT' && /^UID[:;]/i.test(line)) lines[i] = `UID:${uid}`;
  }
  return foldLines(lines.join('\r\n'));
}

function filenameOf(href: string): string {
  return decodeURIComponent(href.slice(href.lastIndexOf('/') + 1));
}

export interface RenderContext {
  readonly config: Config;
  readonly targetConfig: CaldavTargetConfig;
  readonly routes: readonly CalendarRoute[];
  readonly render: RenderOptions;
  readonly revisionOf: (id: number) => number;
}

/**
 * What the push would write for `appointment` into the object known as `uid` at `href` in
 * `calendarKey`: our own UIDs as rendered, a person's UID on the rendering of the whole series. null
 * when the appointment is not wanted in that calendar (filtered, cancelled and removed, routed away).
 */
export function renderTwoWayObject(context: RenderContext, appointment: Appointment, calendarKey: string, uid: string, href: string): DesiredObject | null {
  const render = { ...context.render, sequence: context.revisionOf(appointment.id) };
  if (isOwnUid(uid, context.config.ical.uidDomain)) {
    return planDesiredObjects(appointment, context.targetConfig, context.routes, render).find((object) => object.calendarKey === calendarKey && object.uid === uid) ?? null;
  }
  const own = appointmentUid(appointment.id, context.config.ical.uidDomain);
  // The person wrote this event's text into their own calendar: busy-only would overwrite it with 'Busy'.
  const targetConfig = context.targetConfig.private === 'busy-only' ? { ...context.targetConfig, private: 'full' as const } : context.targetConfig;
  const object = planDesiredObjects(appointment, targetConfig, context.routes, { ...render, recurrence: 'rrule' }).find(
    (candidate) => candidate.calendarKey === calendarKey && candidate.uid === own,
  );
  if (!object) return null;
  const ics = replaceUid(object.ics, uid);
  return { ...object, uid, ics, hash: hashIcs(ics), filename: filenameOf(href) };
}

/** The normalised data of the first master VEVENT of an iCalendar text; null when it holds none. */
export function planObjectData(ics: string, rules: EventRules): TwoWayData | null {
  const events = parseIcsObjects(ics);
  const master = events.find((event) => !event.recurrenceid) ?? events[0];
  return master ? planEventData(master, rules).data : null;
}
