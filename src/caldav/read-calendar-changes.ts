import type { CalendarChanges, CalendarRef, CalendarTarget } from './calendar-target.js';

/**
 * The calendar's changes since its token (or, on a server without sync-collection, since its last
 * listing): none, without a request, when the run found its getctag equal to a settled one
 * (CalendarRef.unchanged, see domain/trust-ctag.ts), or when this run made the calendar (MKCALENDAR
 * answered 201, so it is a new, empty collection: RFC 4791 §5.3.1) — then the answer is the complete,
 * empty listing, and the token is none, so the next run reads the calendar from the start; that read
 * lists what this run wrote, as a token taken before those writes would (and anything someone else put
 * there meanwhile). Else what the server reports.
 */
export function readCalendarChanges(target: CalendarTarget, calendar: CalendarRef): Promise<CalendarChanges> {
  const syncToken = calendar.syncToken ?? null;
  if (calendar.unchanged === true) return Promise.resolve({ changed: [], deleted: [], syncToken, complete: false });
  if (calendar.created === true) return Promise.resolve({ changed: [], deleted: [], syncToken: null, complete: true });
  return target.fetchChanges(calendar, syncToken);
}
