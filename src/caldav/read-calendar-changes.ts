import type { CalendarChanges, CalendarRef, CalendarTarget } from './calendar-target.js';

/**
 * The calendar's changes since its token (or, on a server without sync-collection, since its last
 * listing): none, without a request, when the run found its getctag equal to a settled one
 * (CalendarRef.unchanged, see domain/trust-ctag.ts); else what the server reports.
 */
export function readCalendarChanges(target: CalendarTarget, calendar: CalendarRef): Promise<CalendarChanges> {
  const syncToken = calendar.syncToken ?? null;
  if (calendar.unchanged === true) return Promise.resolve({ changed: [], deleted: [], syncToken, complete: false });
  return target.fetchChanges(calendar, syncToken);
}
