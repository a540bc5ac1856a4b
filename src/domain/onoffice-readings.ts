/**
 * How onOffice appointment fields are read, and how they map to iCalendar and back. This is the one
 * place these choices are written down; parseAppointment (src/onoffice/parse-appointment.ts), the
 * renderers (src/ical/render-*.ts), expandOccurrences and parseVEvent follow it.
 *
 * Reading a record (onOffice → Appointment):
 * - start_dt/end_dt are local wall-clock 'YYYY-MM-DD HH:mm:ss' (or 'YYYY-MM-DD HH:mm') in the configured
 *   zone. '0000-00-00 …' or anything unparsable quarantines the record. A time in the spring DST gap is
 *   shifted forward by the gap (02:30 → 03:30 Berlin), as Google, Apple and RFC 5545 do; a time in the
 *   autumn fold is the earlier instant. A series anchored in the gap keeps the shifted wall time for all
 *   occurrences, because the anchor (DTSTART) is what carries the time of a series.
 * - End before start quarantines; end equal to start is a zero-length appointment.
 * - ganztags (all-day): start = start of start_dt's date; end (exclusive) = start of the day after
 *   end_dt's date, unless end_dt is exactly 00:00:00 on a later date than start_dt, which is then the
 *   exclusive end. When writing back we send start 'D 00:00:00' and end 'LAST 23:59:59'.
 * - modified is UTC (the docs say so); missing or unparsable quarantines the record, since DTSTAMP,
 *   LAST-MODIFIED and the change feed depend on it.
 * - status: active | completed | canceled | participantsAvailable; other values quarantine. Missing or
 *   '' (the docs show records without it) reads as 'canceled' when abgesagt is set, else 'active'.
 *   cancelled = abgesagt OR status canceled.
 * - Booleans (ganztags, rp_flag, abgesagt, private, allowTransitTime) accept true/false, 1/0, '1'/'0',
 *   'true'/'false', '' and null/missing (false); anything else quarantines.
 * - erinnerung: the documented values below → minutes before the start; '' or null → no reminder. Other
 *   '<n> minutes|hours|days|weeks' strings are read the same way (a safe superset); anything else
 *   quarantines.
 * - allowTransitTime false → transit 0 both ways. When true, transitTimePre/transitTimePost 'HH:mm:ss'
 *   → whole minutes (seconds dropped). transitTime (the older single value) is used as the time before
 *   when transitTimePre is missing or null.
 * - art: onOffice sends {label: label}; the keys are the categories. A plain string is one category.
 *
 * Recurrence (rp_flag set):
 * - rp_type t/w/m/j → daily/weekly/monthly/yearly; anything else quarantines.
 * - rp_tage is the interval, an integer 1..999; anything else quarantines.
 * - rp_ende_status '1' → ends on rp_ende_datum, which is INCLUSIVE (an occurrence may start on it) and must
 *   be a valid date not before start_dt's date; '2' → open-ended. Any other value quarantines: the docs
 *   define only these two for a series, and guessing would invent or drop occurrences.
 * - The series is anchored at start_dt. rp_beginn_datum is ignored when it differs from start_dt's date:
 *   start_dt carries the time and onOffice writes both; we write rp_beginn_datum = start_dt's date.
 * - rp_exception dates are local occurrence dates; both the array form ['YYYY-MM-DD', …] and the string
 *   form '#YYYY-MM-DD#YYYY-MM-DD' are read; '', [] and null mean none. Anything else quarantines.
 * - Monthly on the 29th–31st and yearly on Feb 29 follow RFC 5545: months (years) without that day are
 *   skipped, not moved to the last day. The docs are silent on what onOffice itself shows there.
 * - Occurrence n starts at the anchor's wall time on the anchor date + n·interval units, resolved like
 *   start_dt (10:00 Berlin stays 10:00 across DST). Timed occurrences last the anchor's exact duration;
 *   all-day occurrences last the same number of days.
 *
 * iCalendar (Appointment → VEVENT):
 * - UID onoffice-<id>@<uidDomain>; with recurrence 'expand' onoffice-<id>-<YYYYMMDD>@<uidDomain> per
 *   occurrence (the occurrence's local start date; a series has at most one occurrence a day).
 * - DTSTAMP and LAST-MODIFIED = modified in UTC as of the last real change, so an unchanged appointment
 *   renders byte-identical. A touch (onOffice moves modified and nothing else) keeps the stored record
 *   (src/store/appointment-repository.ts): no PUT, no new SEQUENCE, no feed ETag change.
 * - Zero-length timed appointments (end = start): DTSTART exact, DTEND one second later and
 *   X-ONOFFICE-ZERO-LENGTH:TRUE, in CalDAV and in the feeds alike. Cyrus (Fastmail) refuses DTEND =
 *   DTSTART, a missing DTEND and DURATION:PT0S ("DTEND must occur after DTSTART"); one second is the
 *   smallest end after the start, and no calendar UI writes seconds, so it cannot be a user's edit.
 *   Read back, a marked event ending 1 s after its start — or 1 h after it, as SOGo stores what it
 *   finds too short — is zero-length again, so the server's copy writes nothing back to onOffice. A
 *   marked event with any other length was edited on the calendar and is taken at its word (a user
 *   who sets exactly one hour on such an event is read as not having changed it).
 * - STATUS: canceled (or abgesagt) → CANCELLED; active, participantsAvailable and completed → CONFIRMED
 *   (completed is a past, confirmed meeting; iCalendar VEVENT has no 'completed').
 * - CLASS:PRIVATE for private appointments, nothing otherwise.
 * - Transit: the time before → X-APPLE-TRAVEL-DURATION;VALUE=DURATION (Apple shows and edits it); the
 *   time after has no standard property → X-ONOFFICE-TRANSIT-AFTER (a DURATION value).
 * - Reminder → one VALARM ACTION:DISPLAY with a negative duration TRIGGER relative to the start.
 * - Attendees only when configured: one ATTENDEE per user with an email, SCHEDULE-AGENT=CLIENT (so the
 *   CalDAV server sends no invitations) and PARTSTAT=ACCEPTED (they are already in onOffice); no
 *   ORGANIZER, because onOffice's creator is a username without an address.
 * - busy-only privacy: SUMMARY 'Busy', times, recurrence, status, class and transit only; no description,
 *   location, categories, resources, alarms, attendees or URL.
 * - UNTIL: timed series → the end of the until date in the zone, in UTC with Z; all-day series → a DATE,
 *   as RFC 5545 requires UNTIL to have DTSTART's value type (node-ical and Apple read both).
 * - EXDATE: timed → TZID at the anchor's wall time on each exception date; all-day → VALUE=DATE.
 * - Text: line breaks become \n; control characters other than tab and line breaks are dropped
 *   (RFC 5545 TEXT forbids them).
 *
 * Back (VEVENT → onOffice create/modify data), see parseVEvent:
 * - RRULE FREQ DAILY/WEEKLY/MONTHLY/YEARLY with INTERVAL 1..999 and UNTIL are representable; BYDAY,
 *   BYMONTHDAY and BYMONTH only when they repeat what DTSTART already says (Google writes BYDAY=TU for
 *   a plain weekly event). Everything else (COUNT, BYSETPOS, lists, RDATE, RECURRENCE-ID overrides,
 *   HOURLY…) is reported as unsupported, never silently dropped.
 * - UNTIL → rp_ende_datum = the date of the last occurrence it allows in the zone.
 * - The VALARM nearest to the start picks erinnerung, rounded to the nearest documented value (a tie goes
 *   to the earlier reminder); rounding, extra alarms and absolute or end-related triggers are reported.
 *   No alarm → erinnerung '' (what read returns for none).
 * - CLASS PRIVATE/CONFIDENTIAL → private true. STATUS CANCELLED → status 'canceled'; other statuses are
 *   not sent, because abgesagt false would also reset 'completed' to active.
 * - CATEGORIES (one value) → art; RESOURCES → ressources; transit properties → transit times. Each is sent
 *   only when present, as some clients drop properties they do not know and an absent property must not
 *   wipe onOffice's value.
 */

/** erinnerung values as documented for create/modify, with their minutes. */
export const REMINDER_VALUES: ReadonlyArray<readonly [value: string, minutes: number]> = [
  ['0 minutes', 0],
  ['5 minutes', 5],
  ['15 minutes', 15],
  ['30 minutes', 30],
  ['1 hours', 60],
  ['2 hours', 120],
  ['3 hours', 180],
  ['12 hours', 720],
  ['15 hours', 900],
  ['1 days', 1440],
  ['2 days', 2880],
  ['3 days', 4320],
  ['1 weeks', 10_080],
  ['3 weeks', 30_240],
];

const UNIT_MINUTES: Readonly<Record<string, number>> = { minute: 1, hour: 60, day: 1440, week: 10_080 };

/** erinnerung → minutes; null for no reminder; undefined when the value cannot be read. */
export function parseReminderValue(value: unknown): number | null | undefined {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string') return undefined;
  const match = /^\s*(\d{1,5})\s*(minute|hour|day|week)s?\s*$/i.exec(value);
  if (!match) return undefined;
  const unit = UNIT_MINUTES[match[2]!.toLowerCase()]!;
  return Number(match[1]) * unit;
}

/** The documented erinnerung value nearest to `minutes`; a tie goes to the earlier reminder. */
export function nearestReminderValue(minutes: number): { value: string; minutes: number } {
  let best = REMINDER_VALUES[0]!;
  for (const candidate of REMINDER_VALUES) {
    const distance = Math.abs(candidate[1] - minutes);
    const bestDistance = Math.abs(best[1] - minutes);
    if (distance < bestDistance || (distance === bestDistance && candidate[1] > best[1])) best = candidate;
  }
  return { value: best[0], minutes: best[1] };
}

/** 'HH:mm:ss' → whole minutes; null/'' → 0; undefined when unreadable. */
export function parseTransitValue(value: unknown): number | undefined {
  if (value === undefined || value === null || value === '') return 0;
  if (typeof value !== 'string') return undefined;
  const match = /^(\d{1,3}):([0-5]\d)(?::([0-5]\d))?$/.exec(value);
  if (!match) return undefined;
  return Number(match[1]) * 60 + Number(match[2]);
}

/** minutes → 'HH:mm:ss' for create/modify. */
export function formatTransitValue(minutes: number): string {
  const hours = Math.floor(minutes / 60);
  return `${String(hours).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}:00`;
}
