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
  /** When `ctag` was read (ms since the epoch): its answer had arrived, no change read had begun. */
  ctagReadAt?: number;
  /**
   * The run found the getctag equal to a settled one (domain/trust-ctag.ts): nothing changed since
   * `syncToken` was read (or the calendar last listed, without sync-collection), and
   * readCalendarChanges answers without asking the server.
   */
  unchanged?: boolean;
  color?: string | null;
  /**
   * This call made the calendar (MKCALENDAR): every property on it is one we set. Only such a calendar
   * may be seeded (push/plan-seed.ts), since a whole-collection PUT drops properties we would not know
   * to set again on a calendar someone else made.
   */
  created?: boolean;
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
   * Whether a calendar still is at this URL (a calendar resolved before), and its getctag (null when the
   * server has none), with the time its answer arrived; null when it is gone. It does not ask for
   * DAV:sync-token, which servers such as Radicale compute over every object like the sync REPORT.
   * Optional; without it, findCalendar.
   */
  confirmCalendar?(url: string): Promise<{ ctag: string | null; readAt: number } | null>;
  /** Finds the calendar, creating it (display name + colour) when missing. An existing one is left as it is. */
  ensureCalendar(spec: CalendarSpec): Promise<CalendarRef>;
  /** Every object's href and ETag, whatever its URL looks like; no data. */
  listObjects(calendar: CalendarRef): Promise<RemoteObject[]>;
  /** Objects with data; hrefs that no longer exist are left out of the answer. */
  fetchObjects(calendar: CalendarRef, hrefs: string[]): Promise<RemoteObject[]>;
  fetchChanges(calendar: CalendarRef, syncToken: string | null): Promise<CalendarChanges>;
  /**
   * Starts confirmCalendar(url) and, if the calendar is there and its getctag is not `trustedCtag`,
   * fetchChanges from syncToken after it, for the next such calls to take up (each answer once;
   * fetchChanges only with the same token): a one-shot sync asks while it polls onOffice, so the two
   * servers answer at the same time. Optional.
   */
  prefetchChanges?(url: string, syncToken: string | null, trustedCtag?: string | null): void;
  /**
   * Starts findCalendar(spec) (the calendar home's discovery, then the calendar's PROPFIND; it creates
   * nothing), for the next findCalendar or ensureCalendar of the same path to take up once: a first run,
   * which has no calendar resolved before, discovers it while it polls onOffice. The calendar it finds
   * carries `ctagReadAt`, the time that answer arrived. Optional.
   */
  prefetchCalendar?(spec: CalendarSpec): void;
  /**
   * The object whose UID is exactly `uid`, with its data, or null: where a server refuses a create for
   * a UID already used and does not say by which object (Radicale's 409 names none). Found by a
   * calendar-query on UID (RFC 4791 §9.7.5); its text-match is a substring match and a server may
   * ignore the filter, so each answer's UID is compared before one is taken.
   */
  findObjectByUid(calendar: CalendarRef, uid: string): Promise<RemoteObject | null>;
  /** Fails with CaldavPreconditionError when the href is taken. */
  createObject(calendar: CalendarRef, filename: string, ics: string): Promise<{ href: string; etag: string | null }>;
  /** With an etag: only if unchanged (CaldavPreconditionError), and CaldavNotFoundError when gone. */
  updateObject(calendar: CalendarRef, href: string, ics: string, etag: string | null): Promise<{ href: string; etag: string | null }>;
  deleteObject(calendar: CalendarRef, href: string, etag: string | null): Promise<void>;
  /**
   * The collection's ETag when it holds no object, read with its member list in one answer (so "empty"
   * and the ETag describe the same state); null when it holds objects or reports no ETag. Optional,
   * with seedCalendar.
   */
  fetchSeedEtag?(calendar: CalendarRef): Promise<string | null>;
  /**
   * Whether the server takes a seed on this (empty) calendar, asked before any create is held back for
   * one: it reports the collection's ETag, and a PUT on the collection with an If-Match that cannot
   * match answers 412 (the precondition is checked on a collection PUT, as Radicale does), not 405 or
   * another refusal. Writes nothing on such a server. `emptyIcs` is the probe's body: a VCALENDAR with
   * the calendar's name and no component. Optional, with seedCalendar.
   */
  acceptsSeed?(calendar: CalendarRef, emptyIcs: string): Promise<boolean>;
  /**
   * Replaces the whole calendar with the objects of one VCALENDAR (a PUT on the collection, as Radicale
   * takes it), only if its ETag is still `etag` (CaldavPreconditionError otherwise), then sets the
   * properties such a replace drops (colour, component set) again. A server that does not take such a
   * PUT fails with the typed error of its answer. Optional.
   */
  seedCalendar?(calendar: CalendarRef, ics: string, etag: string, spec: CalendarSpec): Promise<void>;
}
