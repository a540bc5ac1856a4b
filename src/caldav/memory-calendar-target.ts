import type { CalendarChanges, CalendarRef, CalendarSpec, CalendarTarget, RemoteObject } from './calendar-target.js';
import { CaldavConflictError, CaldavNotFoundError, CaldavPreconditionError, CaldavRequestError } from './caldav-errors.js';
import { normaliseHref, resolveObjectUrl } from './normalise-href.js';
import { readIcsUid } from '../ical/read-ics-uid.js';

export type MemoryOperation = keyof CalendarTarget;

export interface MemoryCalendarTargetOptions {
  /** Where relative calendar paths live. */
  homeUrl?: string;
  /**
   * Refuse a second object with a UID already in the calendar, as Radicale and Xandikos do (DAViCal
   * accepts it). Default true.
   */
  uniqueUids?: boolean;
  /**
   * A PUT of a whole VCALENDAR on the calendar URL (seedCalendar): `accept` as Radicale does it (the
   * calendar replaced by one object per UID at `<uid>.ics`, only while its ETag matches, its sync
   * history gone), `refuse` with 405 as other servers do. Absent: the target has no seedCalendar.
   */
  collectionPut?: 'accept' | 'refuse';
  /** Called as each operation begins, before its fault (a test's hook to change the server meanwhile). */
  onOperation?: (operation: MemoryOperation) => void;
}

export interface MemoryCalendarTarget extends CalendarTarget {
  /** Calls per operation, faults included. */
  readonly requestCounts: Record<MemoryOperation, number>;
  /** The calendar's objects with data, in href order. */
  readObjects(calendarUrl: string): RemoteObject[];
  /** Another client writes the object (create or replace); returns the new ETag. */
  putObjectBehindBack(href: string, ics: string): string;
  /** Another client deletes the object. */
  deleteObjectBehindBack(href: string): void;
  /** The next `times` calls of `operation` fail with `error` (forever when `times` is omitted); null clears. */
  setFault(operation: MemoryOperation, error: Error | null, times?: number): void;
  /** Forget every sync token handed out so far, as a server does when it prunes its change log. */
  expireSyncTokens(calendarUrl: string): void;
  /** The calendar's display name and colour as the server keeps them. */
  readCalendarProps(calendarUrl: string): { displayName: string; color: string | null };
}

interface StoredObject {
  etag: string;
  data: string;
}

interface MemoryCalendar {
  id: number;
  url: string;
  displayName: string;
  color: string | null;
  objects: Map<string, StoredObject>;
  /** Sequence number of the last change; tokens name one. */
  seq: number;
  /** Changes with seq above this are remembered; older tokens are expired. */
  oldestValidSeq: number;
  changes: Array<{ seq: number; href: string }>;
}

const OPERATIONS: MemoryOperation[] = ['findCalendar', 'ensureCalendar', 'listObjects', 'fetchObjects', 'fetchChanges', 'findObjectByUid', 'createObject', 'updateObject', 'deleteObject', 'fetchSeedEtag', 'acceptsSeed', 'seedCalendar'];

function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

/**
 * An in-memory calendar server with the semantics the sync code relies on: ETags that change on every
 * write, 412 on If-Match/If-None-Match mismatch, 404 for missing objects (also behind If-Match, as the
 * CalDAV target reports it), sync tokens with expiry, and UID uniqueness. It throws the same typed errors
 * as the CalDAV target.
 */
export function createMemoryCalendarTarget(options: MemoryCalendarTargetOptions = {}): MemoryCalendarTarget {
  const homeUrl = withSlash(options.homeUrl ?? 'http://calendar.memory.invalid/calendars/user/');
  const uniqueUids = options.uniqueUids ?? true;
  const calendarUrlOf = (spec: CalendarSpec): string =>
    /^https?:\/\//i.test(spec.path)
      ? withSlash(normaliseHref(spec.path, spec.path))
      : withSlash(normaliseHref(spec.path.split('/').filter(Boolean).map(encodeURIComponent).join('/'), homeUrl));
  const calendars = new Map<string, MemoryCalendar>();
  const requestCounts = Object.fromEntries(OPERATIONS.map((operation) => [operation, 0])) as Record<MemoryOperation, number>;
  const faults = new Map<MemoryOperation, { error: Error; remaining: number }>();
  let nextEtag = 1;
  let nextCalendarId = 1;

  function enter(operation: MemoryOperation): void {
    requestCounts[operation] += 1;
    options.onOperation?.(operation);
    const fault = faults.get(operation);
    if (!fault) return;
    fault.remaining -= 1;
    if (fault.remaining <= 0) faults.delete(operation);
    throw fault.error;
  }

  function calendarFor(url: string, method: string): MemoryCalendar {
    const calendar = calendars.get(withSlash(url));
    if (!calendar) throw new CaldavNotFoundError({ method, url });
    return calendar;
  }

  function calendarOfHref(href: string, method: string): MemoryCalendar {
    const parent = href.slice(0, href.lastIndexOf('/') + 1);
    return calendarFor(parent, method);
  }

  function tokenOf(calendar: MemoryCalendar): string {
    return `memory-sync:${calendar.id}:${calendar.seq}`;
  }

  function refOf(calendar: MemoryCalendar): CalendarRef {
    return { url: calendar.url, displayName: calendar.displayName, color: calendar.color, ctag: String(calendar.seq), syncToken: tokenOf(calendar) };
  }

  function record(calendar: MemoryCalendar, href: string): void {
    calendar.seq += 1;
    calendar.changes.push({ seq: calendar.seq, href });
  }

  function store(calendar: MemoryCalendar, href: string, ics: string, method: string): string {
    if (!/^BEGIN:VCALENDAR/m.test(ics)) throw new CaldavRequestError({ method, url: href, status: 400, detail: 'valid-calendar-data' });
    const uid = readIcsUid(ics);
    if (uniqueUids && uid !== null) {
      for (const [otherHref, other] of calendar.objects) {
        if (otherHref !== href && readIcsUid(other.data) === uid) {
          throw new CaldavConflictError({ method, url: href, status: 409, uidConflict: true });
        }
      }
    }
    const etag = `"memory-${nextEtag++}"`;
    calendar.objects.set(href, { etag, data: ics });
    record(calendar, href);
    return etag;
  }

  function checkMatch(calendar: MemoryCalendar, href: string, etag: string | null, method: string): void {
    const existing = calendar.objects.get(href);
    if (!existing) {
      if (etag !== null || method === 'DELETE') throw new CaldavNotFoundError({ method, url: href });
      return;
    }
    if (etag !== null && existing.etag !== etag) throw new CaldavPreconditionError({ method, url: href });
  }

  function listAll(calendar: MemoryCalendar): RemoteObject[] {
    return [...calendar.objects.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([href, object]) => ({ href, etag: object.etag }));
  }

  function readChanges(calendar: MemoryCalendar, syncToken: string | null): CalendarChanges {
    const match = syncToken === null ? null : /^memory-sync:(\d+):(\d+)$/.exec(syncToken);
    const seq = match && Number(match[1]) === calendar.id ? Number(match[2]) : null;
    if (seq === null || seq < calendar.oldestValidSeq || seq > calendar.seq) {
      return { changed: listAll(calendar), deleted: [], syncToken: tokenOf(calendar), complete: true };
    }
    const touched = new Set(calendar.changes.filter((change) => change.seq > seq).map((change) => change.href));
    const changed: RemoteObject[] = [];
    const deleted: string[] = [];
    for (const href of [...touched].sort()) {
      const object = calendar.objects.get(href);
      if (object) changed.push({ href, etag: object.etag });
      else deleted.push(href);
    }
    return { changed, deleted, syncToken: tokenOf(calendar), complete: false };
  }

  /** Radicale's collection ETag changes with every member and property; this one with every change. */
  function collectionEtagOf(calendar: MemoryCalendar): string {
    return `"memory-collection-${calendar.id}-${calendar.seq}"`;
  }

  /** The VCALENDAR's components grouped by UID, one object per UID with every VTIMEZONE, as Radicale splits it. */
  function splitByUid(ics: string, url: string): Map<string, string> {
    const body = ics.replace(/\r?\n$/, '').split(/\r?\n/);
    if (body[0] !== 'BEGIN:VCALENDAR' || body[body.length - 1] !== 'END:VCALENDAR') throw new CaldavRequestError({ method: 'PUT', url, status: 400, detail: 'valid-calendar-data' });
    const timezones: string[] = [];
    const byUid = new Map<string, string[]>();
    let component: string[] | null = null;
    let depth = 0;
    for (const line of body.slice(1, -1)) {
      if (line.startsWith('BEGIN:')) depth += 1;
      if (depth >= 1) (component ??= []).push(line);
      if (line.startsWith('END:')) depth -= 1;
      if (depth === 0 && component) {
        const text = component.join('\r\n');
        if (component[0] === 'BEGIN:VTIMEZONE') timezones.push(text);
        else {
          const uid = readIcsUid(text);
          if (uid === null) throw new CaldavRequestError({ method: 'PUT', url, status: 400, detail: 'valid-calendar-data' });
          byUid.set(uid, [...(byUid.get(uid) ?? []), text]);
        }
        component = null;
      }
    }
    return new Map([...byUid].map(([uid, parts]) => [uid, ['BEGIN:VCALENDAR', 'VERSION:2.0', ...timezones, ...parts, 'END:VCALENDAR', ''].join('\r\n')]));
  }

  const seeding: Pick<CalendarTarget, 'fetchSeedEtag' | 'acceptsSeed' | 'seedCalendar'> =
    options.collectionPut === undefined
      ? {}
      : {
          async fetchSeedEtag(calendar: CalendarRef): Promise<string | null> {
            enter('fetchSeedEtag');
            const stored = calendarFor(calendar.url, 'PROPFIND');
            return stored.objects.size === 0 ? collectionEtagOf(stored) : null;
          },
          async acceptsSeed(calendar: CalendarRef): Promise<boolean> {
            enter('acceptsSeed');
            const stored = calendarFor(calendar.url, 'PUT');
            return stored.objects.size === 0 && options.collectionPut === 'accept';
          },
          async seedCalendar(calendar: CalendarRef, ics: string, etag: string): Promise<void> {
            enter('seedCalendar');
            const stored = calendarFor(calendar.url, 'PUT');
            if (options.collectionPut === 'refuse') throw new CaldavRequestError({ method: 'PUT', url: stored.url, status: 405, detail: 'Method Not Allowed' });
            if (collectionEtagOf(stored) !== etag) throw new CaldavPreconditionError({ method: 'PUT', url: stored.url });
            const objects = splitByUid(ics, stored.url);
            stored.displayName = /^X-WR-CALNAME:(.*)$/m.exec(ics)?.[1]?.trim() ?? stored.displayName;
            stored.objects.clear();
            for (const [uid, data] of objects) stored.objects.set(resolveObjectUrl(stored.url, `${uid}.ics`), { etag: `"memory-${nextEtag++}"`, data });
            // The replace is one change, and the history before it is gone (Radicale rewrites the collection).
            stored.seq += 1;
            stored.oldestValidSeq = stored.seq;
            stored.changes = [];
          },
        };

  return {
    requestCounts,
    ...seeding,

    async findCalendar(spec: CalendarSpec): Promise<{ url: string; calendar: CalendarRef | null }> {
      enter('findCalendar');
      const url = calendarUrlOf(spec);
      const calendar = calendars.get(url);
      return { url, calendar: calendar ? refOf(calendar) : null };
    },

    async ensureCalendar(spec: CalendarSpec): Promise<CalendarRef> {
      enter('ensureCalendar');
      const url = calendarUrlOf(spec);
      const existing = calendars.get(url);
      if (existing) return refOf(existing);
      const calendar: MemoryCalendar = { id: nextCalendarId++, url, displayName: spec.displayName, color: spec.color ?? null, objects: new Map(), seq: 0, oldestValidSeq: 0, changes: [] };
      calendars.set(url, calendar);
      return { ...refOf(calendar), created: true };
    },

    async listObjects(calendar: CalendarRef): Promise<RemoteObject[]> {
      enter('listObjects');
      return listAll(calendarFor(calendar.url, 'PROPFIND'));
    },

    async fetchObjects(calendar: CalendarRef, hrefs: string[]): Promise<RemoteObject[]> {
      enter('fetchObjects');
      const stored = calendarFor(calendar.url, 'REPORT');
      return hrefs.flatMap((href) => {
        const key = normaliseHref(href, stored.url);
        const object = stored.objects.get(key);
        return object ? [{ href: key, etag: object.etag, data: object.data }] : [];
      });
    },

    async fetchChanges(calendar: CalendarRef, syncToken: string | null): Promise<CalendarChanges> {
      enter('fetchChanges');
      return readChanges(calendarFor(calendar.url, 'REPORT'), syncToken);
    },

    async findObjectByUid(calendar: CalendarRef, uid: string): Promise<RemoteObject | null> {
      enter('findObjectByUid');
      const stored = calendarFor(calendar.url, 'REPORT');
      for (const [href, object] of stored.objects) if (readIcsUid(object.data) === uid) return { href, etag: object.etag, data: object.data };
      return null;
    },

    async createObject(calendar: CalendarRef, filename: string, ics: string) {
      enter('createObject');
      const stored = calendarFor(calendar.url, 'PUT');
      const href = resolveObjectUrl(stored.url, filename);
      if (stored.objects.has(href)) throw new CaldavPreconditionError({ method: 'PUT', url: href });
      return { href, etag: store(stored, href, ics, 'PUT') };
    },

    async updateObject(calendar: CalendarRef, href: string, ics: string, etag: string | null) {
      enter('updateObject');
      const stored = calendarFor(calendar.url, 'PUT');
      const key = normaliseHref(href, stored.url);
      checkMatch(stored, key, etag, 'PUT');
      return { href: key, etag: store(stored, key, ics, 'PUT') };
    },

    async deleteObject(calendar: CalendarRef, href: string, etag: string | null): Promise<void> {
      enter('deleteObject');
      const stored = calendarFor(calendar.url, 'DELETE');
      const key = normaliseHref(href, stored.url);
      checkMatch(stored, key, etag, 'DELETE');
      stored.objects.delete(key);
      record(stored, key);
    },

    readObjects(calendarUrl: string): RemoteObject[] {
      const calendar = calendarFor(calendarUrl, 'PROPFIND');
      return listAll(calendar).map((object) => ({ ...object, data: calendar.objects.get(object.href)?.data ?? '' }));
    },

    putObjectBehindBack(href: string, ics: string): string {
      const key = normaliseHref(href, homeUrl);
      return store(calendarOfHref(key, 'PUT'), key, ics, 'PUT');
    },

    deleteObjectBehindBack(href: string): void {
      const key = normaliseHref(href, homeUrl);
      const calendar = calendarOfHref(key, 'DELETE');
      if (!calendar.objects.delete(key)) throw new CaldavNotFoundError({ method: 'DELETE', url: key });
      record(calendar, key);
    },

    setFault(operation: MemoryOperation, error: Error | null, times = Number.POSITIVE_INFINITY): void {
      if (error === null) faults.delete(operation);
      else faults.set(operation, { error, remaining: times });
    },

    readCalendarProps(calendarUrl: string): { displayName: string; color: string | null } {
      const calendar = calendarFor(calendarUrl, 'PROPFIND');
      return { displayName: calendar.displayName, color: calendar.color };
    },

    expireSyncTokens(calendarUrl: string): void {
      const calendar = calendarFor(calendarUrl, 'REPORT');
      calendar.oldestValidSeq = calendar.seq + 1;
      calendar.changes = [];
    },
  };
}
