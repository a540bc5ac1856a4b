import type { Logger } from '../log/create-logger.js';
import type { CalendarChanges, CalendarRef, CalendarSpec, CalendarTarget, RemoteObject } from './calendar-target.js';
import {
  CaldavConflictError,
  CaldavError,
  CaldavNotFoundError,
  CaldavPreconditionError,
  CaldavProtocolError,
  CaldavServerError,
  CaldavSyncTokenError,
} from './caldav-errors.js';
import { createAdaptiveConcurrency, createConcurrencyGate, type LoadSignal } from './adaptive-concurrency.js';
import { RETRYABLE_STATUSES, createCaldavFetch } from './caldav-fetch.js';
import type { HttpTransport } from '../http/send-http-request.js';
import { discoverCalendarHome, type CalendarLocation } from './discover-calendar-home.js';
import { fetchProps as fetchDavProps } from './fetch-props.js';
import { fetchSyncCollection } from './fetch-sync-collection.js';
import { VEVENT_COMPONENT_SET, makeCalendarCollection, patchCalendarProps, renderCalendarColor } from './make-calendar-collection.js';
import { normaliseHref, resolveObjectUrl, sameCollection, toRequestHref, withSlash } from './normalise-href.js';
import { hasResourceType, readMultistatus, readText, type DavProps } from './read-multistatus.js';
import { renderPropfindBody, renderUidQueryBody, sendDavRequest } from './send-dav-request.js';
import { readIcsUid } from '../ical/read-ics-uid.js';

/**
 * tsdav (with its XML library, the largest module a run loads) is imported on the first request that
 * still goes through it: calendar-multiget, supported-report-set, MKCALENDAR. A run that changes nothing
 * (PROPFIND of the calendar, sync-collection REPORT) or only writes objects never loads it.
 */
const loadTsdav = () => import('tsdav');

export interface CaldavTargetOptions {
  /** Server root, principal, calendar home, or a single calendar. */
  url: string;
  username?: string;
  password?: string;
  bearerToken?: string;
  timeoutMs?: number;
  retries?: number;
  fetch?: typeof fetch;
  /** The HTTP transport under the CalDAV fetch (see createCaldavFetch). */
  transport?: HttpTransport;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  logger?: Logger;
  /** Hrefs per calendar-multiget REPORT. */
  multigetBatchSize?: number;
  /**
   * Writes in flight at most (the target's configured concurrency); the server's answers lower it for
   * a while (see adaptive-concurrency.ts). Absent: writes are not gated.
   */
  writeConcurrency?: number;
}

const ICS_CONTENT_TYPE = 'text/calendar; charset=utf-8';
/**
 * A seed's answer is waited for this many times the target's timeoutMs (300 s at the default 30 s):
 * Radicale 3.1.8 took 35 s for 614 objects here (~57 ms each, under its write lock).
 */
const SEED_TIMEOUT_FACTOR = 10;
/** The If-Match of the seed probe: no server hands out this ETag. */
const SEED_PROBE_ETAG = '"onoffice-sync-seed-probe"';
const CALENDAR_PROPS = ['d:resourcetype', 'd:displayname', 'ca:calendar-color', 'cs:getctag', 'd:sync-token'];

/** Apple clients store `#rrggbbaa`; `#1f6feb` and `#1F6FEBFF` are the same colour. */
function sameColor(stored: string | null, wanted: string): boolean {
  return stored !== null && stored.slice(0, 7).toLowerCase() === wanted.slice(0, 7).toLowerCase();
}

function isMissing(error: unknown): boolean {
  return error instanceof CaldavNotFoundError;
}

/**
 * The CalDAV target. Every request goes through createCaldavFetch, which adds auth, timeouts and retries
 * and turns non-2xx answers into typed errors. PROPFIND and sync-collection are sent and read by
 * send-dav-request.ts; the rest goes through tsdav, which builds the XML requests and parses the answers.
 *
 * Where tsdav is bypassed and why:
 * - calendar-multiget goes through davRequest, not calendarMultiGet/fetchCalendarObjects: those throw a
 *   plain Error for the whole batch when one href is 404 (deleted between listing and fetching), and
 *   fetchCalendarObjects' default urlFilter drops objects whose URL lacks `.ics`.
 * - listing is a Depth 1 PROPFIND (getetag only) rather than fetchCalendarObjects, which always downloads
 *   calendar data.
 * - extended MKCOL (RFC 5689) is sent with davRequest: tsdav's makeCollection is not exported.
 * - PUT/DELETE are sent straight through the project's fetch with the headers tsdav's
 *   createObject/updateObject/deleteObject would send (If-None-Match: * or If-Match, Content-Type): those
 *   are one-line wrappers, and loading tsdav for them cost a writing run its XML library. The ETag is read
 *   from the answer's headers, with a PROPFIND when the server sends none.
 */
// Long on purpose: a factory whose body is a list of small methods of the CalendarTarget port over one server connection.
export function createCaldavTarget(options: CaldavTargetOptions): CalendarTarget {
  const logger = options.logger?.child({ module: 'caldav' });
  const now = options.now ?? Date.now;
  const load = options.writeConcurrency === undefined ? undefined : createAdaptiveConcurrency({ initial: options.writeConcurrency, now });
  const writeGate = load ? createConcurrencyGate(load, options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)))) : undefined;
  const fetchOptions = {
    username: options.username,
    password: options.password,
    bearerToken: options.bearerToken,
    timeoutMs: options.timeoutMs,
    retries: options.retries,
    fetch: options.fetch,
    transport: options.transport,
    sleep: options.sleep,
    now: options.now,
    logger,
    onLoad: load ? (signal: LoadSignal) => load.record(signal) : undefined,
    writeGate,
  };
  const davFetch = createCaldavFetch(fetchOptions);
  // Xandikos answers an unknown sync token with a 500 (KeyError in its git store). Retrying that is
  // pointless, so an incremental sync does not retry 500s and falls back to a full listing instead,
  // which gets the normal retries.
  const tokenFetch = createCaldavFetch({ ...fetchOptions, retryableStatuses: new Set([...RETRYABLE_STATUSES].filter((status) => status !== 500)) });
  // A seed is never retried: sent again after it landed it can only meet 412 (the calendar is no longer
  // empty). Radicale parses and writes it under its write lock, so it may take long; a slow answer is
  // waited for longer than other requests (SEED_TIMEOUT_FACTOR).
  const seedFetch = createCaldavFetch({ ...fetchOptions, retries: 0, timeoutMs: (options.timeoutMs ?? 30_000) * SEED_TIMEOUT_FACTOR });
  const batchSize = options.multigetBatchSize ?? 50;
  let location: Promise<CalendarLocation> | undefined;
  const syncSupport = new Map<string, Promise<boolean>>();

  const fetchProps = (url: string, props: readonly string[]): Promise<DavProps | null> => fetchDavProps(davFetch, url, props);

  function getLocation(): Promise<CalendarLocation> {
    if (!location) {
      location = discoverCalendarHome(options.url, davFetch);
      location.catch(() => {
        location = undefined;
      });
    }
    return location;
  }

  async function fetchCalendarRef(url: string): Promise<CalendarRef | null> {
    const props = await fetchProps(url, CALENDAR_PROPS);
    if (props === null) return null;
    if (!hasResourceType(props, 'calendar')) {
      throw new CaldavConflictError({ method: 'PROPFIND', url, status: null, detail: 'the resource exists but is not a calendar' });
    }
    const lastSegment = decodeURIComponent(new URL(url).pathname.split('/').filter(Boolean).pop() ?? '');
    const syncToken = readText(props.syncToken);
    // RFC 6578 §4: a collection that has a DAV:sync-token supports sync-collection, so the
    // supported-report-set PROPFIND can be skipped (one request less on every run).
    if (syncToken !== null && !syncSupport.has(url)) syncSupport.set(url, Promise.resolve(true));
    return {
      url,
      displayName: readText(props.displayname) ?? lastSegment,
      color: readText(props.calendarColor),
      ctag: readText(props.getctag),
      syncToken,
    };
  }

  /**
   * Resource type, report set and getctag; not DAV:sync-token, which Radicale computes over every object
   * like the sync REPORT. (Radicale computes getctag over the objects' ETags too, about as dear as the
   * REPORT at 2,000 objects: there the skipped REPORT saves a request, not time; the other servers store it.)
   */
  async function confirmCalendar(url: string): Promise<{ ctag: string | null; readAt: number } | null> {
    const props = await fetchProps(url, ['d:resourcetype', 'd:supported-report-set', 'cs:getctag']);
    const readAt = now();
    if (props === null) return null;
    if (!hasResourceType(props, 'calendar')) {
      throw new CaldavConflictError({ method: 'PROPFIND', url, status: null, detail: 'the resource exists but is not a calendar' });
    }
    // Read as tsdav's supportedReportSet reads it, so fetchChanges need not ask again.
    const reports = (props.supportedReportSet as { supportedReport?: unknown } | undefined)?.supportedReport;
    if (reports !== undefined && !syncSupport.has(url)) {
      const names = (Array.isArray(reports) ? reports : [reports]).map((entry) => Object.keys((entry as { report?: object })?.report ?? {})[0]);
      syncSupport.set(url, Promise.resolve(names.includes('syncCollection')));
    }
    return { ctag: readText(props.getctag), readAt };
  }

  /** Lookups started by prefetchCalendar, by the spec's path, each taken up once. */
  const foundAhead = new Map<string, Promise<{ url: string; calendar: CalendarRef | null }>>();

  function prefetchCalendar(spec: CalendarSpec): void {
    const found = lookUpCalendar(spec).then(({ url, calendar }) => {
      // Not there: the run will make it, and MKCALENDAR goes through tsdav (~30 ms to load, more on a
      // busy loop), so tsdav loads now, while the run waits for onOffice.
      if (!calendar) loadTsdav().catch(() => undefined);
      return { url, calendar: calendar && { ...calendar, ctagReadAt: now() } };
    });
    // Never an unhandled rejection: a failed early lookup is simply done again when the run asks.
    found.catch(() => undefined);
    foundAhead.set(spec.path, found);
  }

  function findCalendar(spec: CalendarSpec): Promise<{ url: string; calendar: CalendarRef | null }> {
    const early = foundAhead.get(spec.path);
    foundAhead.delete(spec.path);
    return early ? early.catch(() => lookUpCalendar(spec)) : lookUpCalendar(spec);
  }

  async function lookUpCalendar(spec: CalendarSpec): Promise<{ url: string; calendar: CalendarRef | null }> {
    let url: string;
    if (/^https?:\/\//i.test(spec.path)) {
      url = withSlash(normaliseHref(spec.path, spec.path));
    } else {
      const found = await getLocation();
      // A URL that is itself a calendar pins every relative path to it: the user named the calendar.
      url =
        found.kind === 'calendar'
          ? found.url
          : withSlash(normaliseHref(spec.path.split('/').filter(Boolean).map(encodeURIComponent).join('/'), found.url));
    }
    return { url, calendar: await fetchCalendarRef(url) };
  }

  async function ensureCalendar(spec: CalendarSpec): Promise<CalendarRef> {
    const { url, calendar: existing } = await findCalendar(spec);
    if (existing) return existing;
    try {
      await makeCalendarCollection(url, spec, davFetch, logger);
    } catch (error) {
      // Someone else may have created it between our PROPFIND and MKCALENDAR.
      const raced = await fetchCalendarRef(url).catch(() => null);
      if (raced) return raced;
      throw error;
    }
    logger?.info({ url }, 'created calendar');
    const created = await fetchCalendarRef(url);
    if (!created) throw new CaldavProtocolError({ method: 'MKCALENDAR', url, detail: 'the calendar was reported created but cannot be found' });
    return { ...(await applyMissingProps(created, spec)), created: true };
  }

  /**
   * Xandikos creates the calendar but drops calendar-color from MKCALENDAR (404 in its
   * mkcalendar-response) while accepting it by PROPPATCH. The colour is cosmetic, so failing to set it
   * only logs.
   */
  async function applyMissingProps(calendar: CalendarRef, spec: CalendarSpec): Promise<CalendarRef> {
    const missing: Record<string, string> = {};
    if (calendar.displayName !== spec.displayName) missing['d:displayname'] = spec.displayName;
    if (spec.color && !sameColor(calendar.color ?? null, spec.color)) missing['ca:calendar-color'] = renderCalendarColor(spec.color);
    if (Object.keys(missing).length === 0) return calendar;
    try {
      await patchCalendarProps(calendar.url, missing, davFetch);
    } catch (error) {
      logger?.warn({ url: calendar.url, error: error instanceof Error ? error.message : String(error) }, 'could not set calendar name/colour');
      return calendar;
    }
    return (await fetchCalendarRef(calendar.url)) ?? calendar;
  }

  async function listObjects(calendar: CalendarRef): Promise<RemoteObject[]> {
    const { responses: entries } = await sendDavRequest(davFetch, {
      method: 'PROPFIND',
      url: calendar.url,
      depth: '1',
      body: renderPropfindBody(['d:getetag', 'd:resourcetype']),
    });
    const objects: RemoteObject[] = [];
    for (const entry of entries) {
      const href = normaliseHref(entry.href, calendar.url);
      const props = entry.props;
      if (!entry.ok || sameCollection(href, calendar.url) || hasResourceType(props, 'collection')) continue;
      objects.push({ href, etag: readText(props.getetag) });
    }
    return objects;
  }

  async function fetchObjects(calendar: CalendarRef, hrefs: string[]): Promise<RemoteObject[]> {
    const { DAVNamespace, davRequest, getDAVAttribute } = await loadTsdav();
    const objects: Array<RemoteObject | null> = [];
    for (let start = 0; start < hrefs.length; start += batchSize) {
      const chunk = hrefs.slice(start, start + batchSize);
      const batch = chunk.map((href) => toRequestHref(href, calendar.url));
      let responses;
      try {
        responses = await davRequest({
          url: calendar.url,
          init: {
            method: 'REPORT',
            namespace: 'c',
            headers: { depth: '1' },
            body: {
              'calendar-multiget': {
                _attributes: getDAVAttribute([DAVNamespace.DAV, DAVNamespace.CALDAV]),
                'd:prop': { 'd:getetag': {}, 'c:calendar-data': {} },
                'd:href': batch,
              },
            },
          },
          fetch: davFetch,
        });
      } catch (error) {
        // Sabre/DAV 1.8 answers the whole multiget with 404 when one of its hrefs is gone. While the
        // calendar itself is there, GET each object (a missing one is left out); a missing calendar stays an error.
        if (!isMissing(error) || (await fetchProps(calendar.url, CALENDAR_PROPS)) === null) throw error;
        for (const href of chunk) objects.push(await fetchObjectByGet(normaliseHref(href, calendar.url)));
        continue;
      }
      const { responses: entries } = readMultistatus(responses, 'REPORT', calendar.url);
      for (const entry of entries) {
        if (!entry.ok) continue;
        const href = normaliseHref(String(entry.href), calendar.url);
        const props = (entry.props ?? {}) as DavProps;
        const data = readText(props.calendarData);
        objects.push(data === null ? await fetchObjectByGet(href) : { href, etag: readText(props.getetag), data });
      }
    }
    return objects.filter((object): object is RemoteObject => object !== null);
  }

  async function findObjectByUid(calendar: CalendarRef, uid: string): Promise<RemoteObject | null> {
    const { responses: entries } = await sendDavRequest(davFetch, { method: 'REPORT', url: calendar.url, depth: '1', body: renderUidQueryBody(uid) });
    for (const entry of entries) {
      const data = entry.ok ? readText(entry.props.calendarData) : null;
      if (data !== null && readIcsUid(data) === uid) return { href: normaliseHref(entry.href, calendar.url), etag: readText(entry.props.getetag), data };
    }
    return null;
  }

  /**
   * Xandikos stores an object whose name lacks `.ics` as an opaque blob and answers calendar-data with
   * 404 for it inside the multiget; a plain GET still returns the body.
   */
  async function fetchObjectByGet(href: string): Promise<RemoteObject | null> {
    try {
      const response = await davFetch(href, { method: 'GET' });
      return { href, etag: response.headers.get('etag'), data: await response.text() };
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  }

  function supportsSyncCollection(url: string): Promise<boolean> {
    let known = syncSupport.get(url);
    if (!known) {
      known = loadTsdav().then(({ supportedReportSet }) => supportedReportSet({ collection: { url }, fetch: davFetch })).then((reports) => reports.includes('syncCollection'));
      known.catch(() => syncSupport.delete(url));
      syncSupport.set(url, known);
    }
    return known;
  }

  async function fetchChanges(calendar: CalendarRef, syncToken: string | null): Promise<CalendarChanges> {
    if (await supportsSyncCollection(calendar.url)) return fetchSyncChanges(calendar, syncToken);
    return { changed: await listObjects(calendar), deleted: [], syncToken: null, complete: true };
  }

  /** sync-collection from the token, from the start again when the server refuses it. */
  async function fetchSyncChanges(calendar: CalendarRef, syncToken: string | null): Promise<CalendarChanges> {
    if (syncToken !== null) {
      try {
        return await fetchSyncCollection(calendar, syncToken, { davFetch, tokenFetch });
      } catch (error) {
        const rejected = error instanceof CaldavSyncTokenError || (error instanceof CaldavServerError && error.status === 500);
        if (!rejected) throw error;
        logger?.info({ url: calendar.url, error: error.name }, 'sync token refused, listing the calendar again');
      }
    }
    return fetchSyncCollection(calendar, null, { davFetch, tokenFetch });
  }

  /** Reads started by prefetchChanges, by calendar URL, each taken up once. */
  const confirmedAhead = new Map<string, Promise<{ ctag: string | null; readAt: number } | null>>();
  const changesAhead = new Map<string, { syncToken: string | null; changes: Promise<CalendarChanges | null> }>();

  function prefetchChanges(url: string, syncToken: string | null, trusted: string | null = null): void {
    const confirmed = confirmCalendar(url);
    // The REPORT goes out once the PROPFIND is answered, never beside it: a getctag stored with a token
    // must have been read before the changes were (domain/trust-ctag.ts). An equal, settled getctag
    // means no REPORT at all.
    const changes = confirmed.then((found) => (found && !(trusted !== null && found.ctag === trusted) ? fetchChanges({ url, displayName: '' }, syncToken) : null));
    // Nothing read ahead is ever an unhandled rejection; a failed early read is simply done again when
    // the run asks (takeConfirmation, takeChanges).
    for (const read of [confirmed, changes]) read.catch(() => undefined);
    confirmedAhead.set(url, confirmed);
    changesAhead.set(url, { syncToken, changes });
  }

  function takeConfirmation(url: string): Promise<{ ctag: string | null; readAt: number } | null> {
    const early = confirmedAhead.get(url);
    confirmedAhead.delete(url);
    return early ? early.catch(() => confirmCalendar(url)) : confirmCalendar(url);
  }

  /** The changes read ahead from the same token; read now when there are none, or the early read failed or found no calendar. */
  async function takeChanges(calendar: CalendarRef, syncToken: string | null): Promise<CalendarChanges> {
    const entry = changesAhead.get(calendar.url);
    changesAhead.delete(calendar.url);
    const early = entry && entry.syncToken === syncToken ? await entry.changes.catch(() => null) : null;
    return early ?? fetchChanges(calendar, syncToken);
  }

  async function fetchEtag(href: string): Promise<string | null> {
    const props = await fetchProps(href, ['d:getetag']);
    return props ? readText(props.getetag) : null;
  }

  /** PUT's ETag header when the server sends one (RFC 4791 lets it omit it when it altered the data). */
  async function readEtag(response: Response, href: string): Promise<string | null> {
    return response.headers.get('etag') ?? (await fetchEtag(href));
  }

  /**
   * A conditional request on a vanished object fails with 412 (RFC 9110 §13.1.1), which would read as
   * "changed under us"; ask whether it still exists so the caller gets the kind that tells it what to do.
   */
  async function explainPreconditionFailure(error: unknown, method: string, href: string): Promise<never> {
    if (error instanceof CaldavPreconditionError && (await fetchProps(href, ['d:getetag'])) === null) {
      throw new CaldavNotFoundError({ method, url: href });
    }
    throw error;
  }

  /** A write through the project's fetch: what tsdav's createObject/updateObject/deleteObject send, without loading tsdav. */
  function write(url: string, method: 'PUT' | 'DELETE', headers: Record<string, string>, body?: string): Promise<Response> {
    return davFetch(url, { method, headers, body });
  }

  async function createObject(calendar: CalendarRef, filename: string, ics: string): Promise<{ href: string; etag: string | null }> {
    const url = resolveObjectUrl(calendar.url, filename);
    const response = await write(url, 'PUT', { 'Content-Type': ICS_CONTENT_TYPE, 'If-None-Match': '*' }, ics);
    // A server may store the object elsewhere and say so in Location; that is where it lives from now on.
    const movedTo = response.headers.get('location');
    const href = movedTo ? normaliseHref(movedTo, url) : url;
    return { href, etag: await readEtag(response, href) };
  }

  async function updateObject(calendar: CalendarRef, href: string, ics: string, etag: string | null): Promise<{ href: string; etag: string | null }> {
    const url = normaliseHref(href, calendar.url);
    let response: Response;
    try {
      response = await write(url, 'PUT', { ...(etag ? { 'If-Match': etag } : {}), 'Content-Type': ICS_CONTENT_TYPE }, ics);
    } catch (error) {
      return explainPreconditionFailure(error, 'PUT', url);
    }
    return { href: url, etag: await readEtag(response, url) };
  }

  async function deleteObject(calendar: CalendarRef, href: string, etag: string | null): Promise<void> {
    const url = normaliseHref(href, calendar.url);
    try {
      await write(url, 'DELETE', etag ? { 'If-Match': etag } : {});
    } catch (error) {
      await explainPreconditionFailure(error, 'DELETE', url);
    }
  }

  /** One Depth 1 PROPFIND: the collection's own ETag, and whether any member is listed beside it. */
  async function fetchSeedEtag(calendar: CalendarRef): Promise<string | null> {
    const { responses: entries } = await sendDavRequest(davFetch, {
      method: 'PROPFIND',
      url: calendar.url,
      depth: '1',
      body: renderPropfindBody(['d:getetag', 'd:resourcetype']),
    });
    let etag: string | null = null;
    for (const entry of entries) {
      const href = normaliseHref(entry.href, calendar.url);
      if (!sameCollection(href, calendar.url)) return null;
      if (entry.ok) etag = readText(entry.props.getetag);
    }
    return etag;
  }

  /**
   * Asked before the push holds back a single create for a seed, so a server without whole-collection
   * PUT (Cyrus, Xandikos and SOGo refuse it; DAViCal and Sabre/DAV report no collection ETag) keeps the
   * push's planning and writing side by side. The probe's If-Match cannot match, so a server that checks
   * it writes nothing; one that ignored it would replace this calendar, which this run made and which
   * holds nothing, with an empty one of the same name (and is then never seeded).
   */
  async function acceptsSeed(calendar: CalendarRef, emptyIcs: string): Promise<boolean> {
    const etag = await fetchSeedEtag(calendar);
    if (etag === null) return false;
    try {
      await seedFetch(calendar.url, { method: 'PUT', headers: { 'Content-Type': ICS_CONTENT_TYPE, 'If-Match': SEED_PROBE_ETAG }, body: emptyIcs });
    } catch (error) {
      if (error instanceof CaldavPreconditionError) return true;
      if (error instanceof CaldavError) return false;
      throw error;
    }
    logger?.warn({ url: calendar.url }, 'the server took a calendar PUT whose If-Match could not match: it is not seeded');
    return false;
  }

  /**
   * PUT of the whole VCALENDAR on the collection URL with If-Match: on Radicale a compare-and-swap
   * under its write lock (put.py), so only a calendar still as empty as it was read is replaced. The
   * replace keeps the display name (from X-WR-CALNAME) and drops what MKCALENDAR set besides; that is
   * set again here. The properties are cosmetic to the sync, so failing to set them only logs.
   */
  async function seedCalendar(calendar: CalendarRef, ics: string, etag: string, spec: CalendarSpec): Promise<void> {
    await seedFetch(calendar.url, { method: 'PUT', headers: { 'Content-Type': ICS_CONTENT_TYPE, 'If-Match': etag }, body: ics });
    const props: Record<string, unknown> = { 'c:supported-calendar-component-set': VEVENT_COMPONENT_SET };
    if (spec.color) props['ca:calendar-color'] = renderCalendarColor(spec.color);
    try {
      await patchCalendarProps(calendar.url, props, davFetch);
    } catch (error) {
      logger?.warn({ url: calendar.url, error: error instanceof Error ? error.message : String(error) }, 'could not set the colour and component set again after seeding the calendar');
    }
  }

  return {
    fetchSeedEtag,
    acceptsSeed,
    seedCalendar,
    confirmCalendar: takeConfirmation,
    findCalendar,
    ensureCalendar,
    listObjects,
    fetchObjects,
    fetchChanges: takeChanges,
    prefetchChanges,
    prefetchCalendar,
    findObjectByUid,
    createObject,
    updateObject,
    deleteObject,
  };
}

