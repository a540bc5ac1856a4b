import type { KnownObject } from '../domain/known-object.js';
import type { CalendarChanges, CalendarRef, CalendarTarget, RemoteObject } from '../caldav/calendar-target.js';
import { normaliseHref } from '../caldav/normalise-href.js';
import { readCalendarChanges } from '../caldav/read-calendar-changes.js';
import { hashIcs } from './plan-desired-objects.js';
import type { Drift } from './plan-sync.js';

/**
 * How detectDrift finds what we recorded, one object at a time: by href for what the server reports,
 * and a calendar's objects a page at a time only when the server listed the whole calendar.
 */
export interface KnownLookup {
  byHref(calendarKey: string, href: string): KnownObject | undefined;
  inCalendar(calendarKey: string): Iterable<KnownObject>;
}

export interface DetectedDrift {
  readonly drift: Map<string, Drift>;
  readonly tokens: Map<string, string | null>;
  /** Appointments whose objects drifted: pushed again in this run. */
  readonly affected: Set<number>;
  /** Objects whose ETag moved but whose text is ours: their new ETag is recorded, nothing is written. */
  readonly touched: KnownObject[];
}

export const NO_DRIFT: DetectedDrift = { drift: new Map(), tokens: new Map(), affected: new Set(), touched: [] };

/**
 * Finds objects changed or deleted on the server behind our back, by sync-collection where the server
 * has it, else by listing ETags. Returns the drift per calendar and the new sync tokens (saved only
 * after the plan is applied, so a crash re-reads the same changes). The work is in what the server
 * reports: with a sync token and nothing changed, nothing of the state is read.
 *
 * "Changed" needs a new ETag and a new content (vdirsyncer's is_changed): an object whose ETag moved
 * but whose text still hashes to what we wrote (a server re-indexing, a client touching it) is no
 * drift; its new ETag is returned in `touched` to be recorded, and nothing is written.
 */
export async function detectDrift(
  calendars: ReadonlyMap<string, CalendarRef>,
  known: KnownLookup,
  target: CalendarTarget,
  pulled?: ReadonlyMap<string, CalendarChanges>,
): Promise<DetectedDrift> {
  const result: DetectedDrift = { drift: new Map(), tokens: new Map(), affected: new Set(), touched: [] };
  for (const [calendarKey, calendar] of calendars) {
    const changes = pulled?.get(calendarKey) ?? (await readCalendarChanges(target, calendar));
    const drift = await readCalendarDrift(calendarKey, calendar, changes, known, target, result);
    result.drift.set(calendarKey, drift);
    result.tokens.set(calendarKey, changes.syncToken);
  }
  return result;
}

async function readCalendarDrift(
  calendarKey: string,
  calendar: CalendarRef,
  changes: CalendarChanges,
  known: KnownLookup,
  target: CalendarTarget,
  result: DetectedDrift,
): Promise<Drift> {
  const changed = new Map<string, string | null>();
  const deleted = new Set<string>();
  const seen = new Set<string>();
  const moved = new Map<string, { mine: KnownObject; listed: RemoteObject }>();
  const gone = (mine: KnownObject): void => {
    deleted.add(mine.href);
    result.affected.add(mine.appointmentId);
  };
  for (const object of changes.changed) {
    const href = normaliseHref(object.href, calendar.url);
    if (changes.complete) seen.add(href);
    // Nothing to compare without two ETags: an object we never recorded is not looked up at all.
    if (object.etag === null) continue;
    const mine = known.byHref(calendarKey, href);
    if (mine && mine.etag !== null && mine.etag !== object.etag) moved.set(href, { mine, listed: object });
  }
  // The pull hands over objects with their text; only listed ETags need a fetch to be compared.
  const unread = [...moved].filter(([, { listed }]) => listed.data === undefined).map(([href]) => href);
  const fetched = new Map<string, RemoteObject>();
  if (unread.length > 0) for (const object of await target.fetchObjects(calendar, unread)) fetched.set(normaliseHref(object.href, calendar.url), object);
  for (const [href, { mine, listed }] of moved) {
    const current = listed.data === undefined ? fetched.get(href) : listed;
    if (current?.data !== undefined && isSameContent(mine, current.data)) {
      result.touched.push({ ...mine, etag: current.etag });
      continue;
    }
    changed.set(mine.href, current?.etag ?? listed.etag);
    result.affected.add(mine.appointmentId);
  }
  for (const raw of changes.deleted) {
    const mine = known.byHref(calendarKey, normaliseHref(raw, calendar.url));
    if (mine) gone(mine);
  }
  if (changes.complete) {
    for (const mine of known.inCalendar(calendarKey)) if (!seen.has(normaliseHref(mine.href, calendar.url))) gone(mine);
  }
  return { changed, deleted };
}

/** Whether the server's text is what we recorded: our rendering's hash, or a person's event as the pull took it. */
function isSameContent(known: KnownObject, data: string): boolean {
  const hash = hashIcs(data);
  return known.hash === hash || known.hash === `caldav:${hash}`;
}
