/**
 * The port the sync planner/applier writes calendars through. Two adapters implement it: the CalDAV target
 * over tsdav (caldav-target.ts) and an in-memory fake with the same semantics (memory-calendar-target.ts);
 * test/caldav/calendar-target.contract.ts holds both to the same behaviour.
 *
 * Hrefs are absolute URLs, normalised the same way everywhere (see normaliseHref), so an href stored
 * after createObject compares equal to the one a later listing reports.
 */

export interface CalendarRef {
  url: string;
  displayName: string;
  /** The server's current sync token when it supports sync-collection (RFC 6578). */
  syncToken?: string | null;
  /** The CalendarServer getctag, when the server reports one. */
  ctag?: string | null;
  color?: string | null;
}

export interface RemoteObject {
  href: string;
  etag: string | null;
  data?: string;
}

export interface CalendarSpec {
  /** Path below the calendar home (e.g. `onoffice` or `team/anna`), or a full http(s) URL. */
  path: string;
  displayName: string;
  /** `#rrggbb`. */
  color?: string;
}

export interface CalendarChanges {
  changed: RemoteObject[];
  deleted: string[];
  syncToken: string | null;
  /** A full listing was done (no token, token expired, or no sync-collection): `changed` is everything. */
  complete: boolean;
}

export interface CalendarTarget {
  /** The URL the spec resolves to and the calendar there, or null when it does not exist yet. Creates nothing. */
  findCalendar(spec: CalendarSpec): Promise<{ url: string; calendar: CalendarRef | null }>;
  /**
   * Whether a calendar still is at this URL (a calendar resolved before), asking for its resource type
   * only: servers such as Radicale compute DAV:sync-token and getctag over every object, so the
   * PROPFIND of findCalendar costs as much as the sync REPORT. Optional; without it, findCalendar.
   */
  confirmCalendar?(url: string): Promise<boolean>;
  /** Finds the calendar, creating it (display name + colour) when missing. An existing one is left as it is. */
  ensureCalendar(spec: CalendarSpec): Promise<CalendarRef>;
  /** Every object's href and ETag, whatever its URL looks like; no data. */
  listObjects(calendar: CalendarRef): Promise<RemoteObject[]>;
  /** Objects with data; hrefs that no longer exist are left out of the answer. */
  fetchObjects(calendar: CalendarRef, hrefs: string[]): Promise<RemoteObject[]>;
  fetchChanges(calendar: CalendarRef, syncToken: string | null): Promise<CalendarChanges>;
  /**
   * Starts confirmCalendar(url) and, if the calendar is there, fetchChanges from syncToken now, for the
   * next such calls to take up (each answer once; fetchChanges only with the same token): a one-shot sync
   * asks while it polls onOffice, so the two servers answer at the same time. Optional.
   */
  prefetchChanges?(url: string, syncToken: string | null): void;
  /** Fails with CaldavPreconditionError when the href is taken. */
  createObject(calendar: CalendarRef, filename: string, ics: string): Promise<{ href: string; etag: string | null }>;
  /** With an etag: only if unchanged (CaldavPreconditionError), and CaldavNotFoundError when gone. */
  updateObject(calendar: CalendarRef, href: string, ics: string, etag: string | null): Promise<{ href: string; etag: string | null }>;
  deleteObject(calendar: CalendarRef, href: string, etag: string | null): Promise<void>;
}
