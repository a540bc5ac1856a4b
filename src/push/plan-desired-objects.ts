import { createHash } from 'node:crypto';
import type { Appointment } from '../domain/appointment.js';
import type { CaldavTargetConfig } from '../config/config-schema.js';
import type { DesiredObject } from './plan-sync.js';
import type { RenderOptions } from '../ical/render-event-objects.js';
import { renderEventObjects } from '../ical/render-event-objects.js';

/** One calendar of a target, with the key the state store files its objects under. */
export interface CalendarRoute {
  readonly calendarKey: string;
  readonly path: string;
  readonly displayName: string;
  readonly color?: string;
  /** onOffice user id or username; undefined: takes what no other route took. */
  readonly user?: number | string;
}

/** The calendars a target writes to, from its configuration. */
export function planCalendarRoutes(target: CaldavTargetConfig): CalendarRoute[] {
  if (target.routing === 'one' || target.routes.length === 0) {
    return [{ calendarKey: `${target.name}:${target.calendar}`, path: target.calendar, displayName: target.displayName, color: target.color }];
  }
  return target.routes.map((route) => ({
    calendarKey: `${target.name}:${route.calendar}`,
    path: route.calendar,
    displayName: route.displayName ?? route.calendar,
    color: route.color ?? target.color,
    user: route.user,
  }));
}

/**
 * Which of the target's calendars an appointment belongs in. Per-user routing matches a route's user
 * against the appointment's participants (user_ids, or the usernames of `users`); a route without a user
 * collects the appointments no user route took, so nothing silently falls through.
 */
export function routeAppointment(appointment: Appointment, routes: readonly CalendarRoute[]): CalendarRoute[] {
  if (routes.length === 1 && routes[0]!.user === undefined) return [routes[0]!];
  const usernames = new Set(appointment.users.map((user) => user.username));
  const matched = routes.filter((route) =>
    route.user === undefined ? false : typeof route.user === 'number' ? appointment.userIds.includes(route.user) : usernames.has(route.user),
  );
  if (matched.length > 0) return matched;
  return routes.filter((route) => route.user === undefined);
}

export function hashIcs(ics: string): string {
  return createHash('sha256').update(ics).digest('hex');
}

/**
 * The objects an appointment should be in a target's calendars: none when it is deleted, filtered out,
 * cancelled under the `remove` policy or private under `skip`; otherwise its rendering per calendar.
 */
export function planDesiredObjects(
  appointment: Appointment | null,
  target: CaldavTargetConfig,
  routes: readonly CalendarRoute[],
  render: RenderOptions,
): DesiredObject[] {
  if (!appointment) return [];
  if (target.arts.length > 0 && !appointment.categories.some((art) => target.arts.includes(art))) return [];
  if (appointment.cancelled && target.cancelled === 'remove') return [];
  if (appointment.private && target.private === 'skip') return [];
  const options: RenderOptions = appointment.private && target.private === 'busy-only' ? { ...render, privacy: 'busy-only' } : render;
  const rendered = renderEventObjects(appointment, options);
  const desired: DesiredObject[] = [];
  for (const route of routeAppointment(appointment, routes)) {
    for (const object of rendered) {
      desired.push({ calendarKey: route.calendarKey, uid: object.uid, filename: object.filename, ics: object.ics, hash: hashIcs(object.ics), appointmentId: appointment.id });
    }
  }
  return desired;
}
