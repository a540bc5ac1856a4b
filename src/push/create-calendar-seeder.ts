import { CaldavError, isUnanswered } from '../caldav/caldav-errors.js';
import type { CalendarRef, CalendarTarget, RemoteObject } from '../caldav/calendar-target.js';
import { normaliseHref, resolveObjectUrl } from '../caldav/normalise-href.js';
import { describeError } from '../domain/classify-error.js';
import type { KnownObject } from '../domain/known-object.js';
import { nextCtagState, type CtagState } from '../domain/trust-ctag.js';
import { reachFailpoint } from '../failpoint/reach-failpoint.js';
import { combineCalendarObjects } from '../ical/combine-calendar-objects.js';
import { readIcsUid } from '../ical/read-ics-uid.js';
import type { Logger } from '../log/create-logger.js';
import type { CaldavQuarantineRepository } from '../store/caldav-quarantine-repository.js';
import type { CaldavStateRepository } from '../store/caldav-state-repository.js';
import type { CalendarRoute } from './plan-desired-objects.js';
import { SEED_MAX_BYTES, SEED_MAX_OBJECTS, isSeedableUid, seededFilename } from './plan-seed.js';
import type { SyncAction } from './plan-sync.js';

type CreateAction = Extract<SyncAction, { kind: 'create' }>;

/**
 * Targets (the adapters, which live as long as their runtime: the daemon's process, or until a reload)
 * that refused a seed: they are not asked again. A refusal is the server's (405, 403, 413, ...) and
 * would be the same at the next run.
 */
const refusedTargets = new WeakSet<CalendarTarget>();

export function hasRefusedSeed(target: CalendarTarget): boolean {
  return refusedTargets.has(target);
}

/**
 * Of the calendars that may be seeded (plan-seed.ts), those whose server says it takes a seed
 * (CalendarTarget.acceptsSeed), asked before any create is held back: elsewhere the push writes as it
 * plans, from its first chunk. A server that does not take one is not asked again (refusedTargets).
 */
export async function selectSeedable(target: CalendarTarget, calendars: ReadonlyMap<string, CalendarRef>, candidates: readonly string[], logger: Logger): Promise<string[]> {
  const seedable: string[] = [];
  for (const calendarKey of candidates) {
    if (refusedTargets.has(target)) break;
    const calendar = calendars.get(calendarKey)!;
    let accepted: boolean;
    try {
      accepted = await target.acceptsSeed!(calendar, combineCalendarObjects([], calendar.displayName));
    } catch (error) {
      if (!(error instanceof CaldavError)) throw error;
      // The writes that follow meet the same trouble and report it; the calendar is written one object at a time.
      logger.info({ calendar: calendarKey, err: describeError(error) }, 'could not ask whether the server takes a seed: writing one object at a time');
      continue;
    }
    if (accepted) seedable.push(calendarKey);
    else {
      refusedTargets.add(target);
      logger.info({ calendar: calendarKey }, 'the server takes no whole-calendar PUT (or reports no calendar ETag): writing one object at a time');
    }
  }
  return seedable;
}

export interface CalendarSeederOptions {
  readonly target: CalendarTarget;
  readonly calendars: ReadonlyMap<string, CalendarRef>;
  readonly routes: readonly CalendarRoute[];
  /** The calendars whose creates are gathered (push/plan-seed.ts maySeedCalendar). */
  readonly seedable: readonly string[];
  readonly repository: CaldavStateRepository;
  readonly quarantine?: CaldavQuarantineRepository;
  readonly logger: Logger;
  /** Writes creates one at a time (applyPlan): after a refusal, and for what the seed did not store. Resolves whether it stopped early. */
  readonly writeEach: (actions: readonly SyncAction[]) => Promise<boolean>;
  /** Per seeded create, once it is settled (progress). */
  readonly onSettled: (action: SyncAction) => void;
}

/** What a seeded calendar's push stores: the token and the getctag read after the seed. */
export interface SeededCalendar {
  readonly syncToken: string | null;
  readonly ctag: CtagState | null;
}

export interface CalendarSeeder {
  /** Takes the creates it gathers for a seed out of a chunk's actions; returns the actions to write as usual. */
  take(actions: readonly SyncAction[]): SyncAction[];
  /**
   * Before `actions` are written: sends the seed of every calendar they touch that still gathers, and
   * waits for every seed of those calendars in flight (a create sent before the seed would be replaced
   * by it). Resolves whether a write stopped early.
   */
  before(actions: readonly SyncAction[]): Promise<boolean>;
  /** Sends every seed still gathering and waits for all of them (the push's end). */
  finish(): Promise<boolean>;
  /** Seeded calendars and the sync token read after their seed (the one the push stores). */
  readonly seeded: ReadonlyMap<string, SeededCalendar>;
}

interface SeedState {
  readonly calendarKey: string;
  readonly held: CreateAction[];
  bytes: number;
  /** Gathering until its seed is sent. */
  sending: Promise<boolean> | null;
}

/**
 * Gathers the creates of seedable calendars across the push's chunks (up to SEED_MAX_OBJECTS or
 * SEED_MAX_BYTES) and sends each calendar's as one seed: journalled, one PUT of the whole VCALENDAR
 * guarded by the empty calendar's ETag, then one listing to learn each object's href and ETag,
 * recorded in one transaction. Anything refused or not stored goes one object at a time.
 */
export function createCalendarSeeder(options: CalendarSeederOptions): CalendarSeeder {
  const { target, calendars, repository, logger } = options;
  const states = new Map<string, SeedState>(options.seedable.map((calendarKey) => [calendarKey, { calendarKey, held: [], bytes: 0, sending: null }]));
  const seeded = new Map<string, SeededCalendar>();

  function take(actions: readonly SyncAction[]): SyncAction[] {
    const direct: SyncAction[] = [];
    for (const action of actions) {
      const state = states.get(action.calendarKey);
      if (state === undefined || state.sending !== null) {
        direct.push(action);
        continue;
      }
      // A quarantined object is not sent at all (applyPlan skips it), so it need not wait for the seed.
      if (action.kind === 'create' && options.quarantine?.holds(action.calendarKey, action.uid, action.hash)) {
        direct.push(action);
        continue;
      }
      const bytes = action.kind === 'create' ? Buffer.byteLength(action.ics) : 0;
      if (action.kind === 'create' && isSeedableUid(action.uid) && state.held.length < SEED_MAX_OBJECTS && state.bytes + bytes <= SEED_MAX_BYTES) {
        state.held.push(action);
        state.bytes += bytes;
        continue;
      }
      // Past the cap (or not seedable itself): written after the seed, which goes out before it.
      direct.push(action);
    }
    return direct;
  }

  function send(state: SeedState): Promise<boolean> {
    state.sending ??= state.held.length === 0 ? Promise.resolve(false) : seed(state.calendarKey, state.held);
    return state.sending;
  }

  async function before(actions: readonly SyncAction[]): Promise<boolean> {
    const touched = new Set(actions.map((action) => action.calendarKey));
    const waits = [...states.values()].filter((state) => touched.has(state.calendarKey)).map(send);
    return (await Promise.all(waits)).some(Boolean);
  }

  async function finish(): Promise<boolean> {
    return (await Promise.all([...states.values()].map(send))).some(Boolean);
  }

  /** One calendar's seed; falls back to one create per object when it cannot or may not be sent. */
  async function seed(calendarKey: string, held: readonly CreateAction[]): Promise<boolean> {
    const calendar = calendars.get(calendarKey)!;
    const route = options.routes.find((candidate) => candidate.calendarKey === calendarKey);
    const log = logger.child({ calendar: calendarKey });
    const fallBack = (why: string, extra: Record<string, unknown> = {}): Promise<boolean> => {
      log.info({ objects: held.length, ...extra }, `not seeding the calendar in one request (${why}): writing its objects one at a time`);
      return writeFallback(held);
    };
    let ics: string;
    try {
      ics = combineCalendarObjects(held.map((action) => action.ics), calendar.displayName);
    } catch (error) {
      return fallBack('its objects do not combine', { err: describeError(error) });
    }
    let etag: string | null;
    try {
      etag = await target.fetchSeedEtag!(calendar);
    } catch (error) {
      if (!(error instanceof CaldavError)) throw error;
      return fallBack('its ETag could not be read', { err: describeError(error) });
    }
    if (etag === null) return fallBack('it is not empty on the server, or reports no ETag');
    // Journalled at the hrefs the server will give them: a run killed from here on rewrites each one
    // there (readUncertainWrites), so nothing is left twice or left out.
    const hrefOf = (action: CreateAction): string => resolveObjectUrl(calendar.url, seededFilename(action.uid));
    const journal = repository.beginAllOutbox(held.map((action) => ({ calendarKey, uid: action.uid, appointmentId: action.appointmentId, action: 'create', href: hrefOf(action) })));
    reachFailpoint('push.before-seed');
    try {
      await target.seedCalendar!(calendar, ics, etag, { path: route?.path ?? calendar.url, displayName: calendar.displayName, color: route?.color });
    } catch (error) {
      if (!(error instanceof CaldavError)) throw error;
      // It may have landed: the listing tells (Radicale answers it once the seed's write lock is released).
      if (isUnanswered(error)) {
        log.info({ objects: held.length, err: describeError(error) }, 'no answer to the seed: reading what the calendar holds');
        return settleSeed(calendarKey, calendar, held, log);
      }
      // Refused, and sent once (seeds are not retried): nothing was written, so the journal rows go
      // and the objects are journalled again one by one.
      repository.finishAllOutbox(journal);
      refusedTargets.add(target);
      // Credentials that fail here fail the first create the same way, which stops the push as ever.
      return fallBack('the server refused it; not tried again for this target until the process restarts or reloads', { err: describeError(error) });
    }
    reachFailpoint('push.after-seed');
    return settleSeed(calendarKey, calendar, held, log);
  }

  function writeFallback(held: readonly CreateAction[]): Promise<boolean> {
    return options.writeEach(held);
  }

  /** Learns where the seed put each object; records them at once; what is missing is created one at a time. */
  async function settleSeed(calendarKey: string, calendar: CalendarRef, held: readonly CreateAction[], log: Logger): Promise<boolean> {
    const wanted = new Map(held.map((action) => [action.uid, action]));
    // The getctag, then a complete listing with a fresh sync token (the replace dropped the server's
    // sync history, so the token read before it is refused). Read in this order, the getctag stands for
    // what the listing saw (domain/trust-ctag.ts), and the next idle runs can settle it as after any push.
    const confirmed = (await target.confirmCalendar?.(calendar.url)) ?? null;
    const listing = await target.fetchChanges(calendar, null);
    const found = new Map<string, RemoteObject>();
    const unnamed: RemoteObject[] = [];
    for (const object of listing.changed) {
      const uid = readSeededUid(normaliseHref(object.href, calendar.url));
      if (uid !== null && wanted.has(uid) && !found.has(uid)) found.set(uid, object);
      else unnamed.push(object);
    }
    const extra: string[] = [];
    if (unnamed.length > 0) {
      for (const object of await target.fetchObjects(calendar, unnamed.map((entry) => entry.href))) {
        const uid = object.data === undefined ? null : readIcsUid(object.data);
        if (uid !== null && wanted.has(uid) && !found.has(uid)) found.set(uid, object);
        else extra.push(object.href);
      }
    }
    if (extra.length > 0) log.warn({ objects: extra.length }, 'the seeded calendar holds objects that are not ours; left as they are');
    const written: KnownObject[] = [];
    for (const [uid, object] of found) {
      const action = wanted.get(uid)!;
      written.push({ calendarKey, uid, appointmentId: action.appointmentId, href: normaliseHref(object.href, calendar.url), etag: object.etag, hash: action.hash });
    }
    repository.recordAllWritten(written);
    for (const object of written) {
      options.quarantine?.release(calendarKey, object.uid);
      options.onSettled(wanted.get(object.uid)!);
    }
    if (listing.complete) seeded.set(calendarKey, { syncToken: listing.syncToken, ctag: confirmed && nextCtagState(null, confirmed.ctag, confirmed.readAt) });
    const missing = held.filter((action) => !found.has(action.uid));
    log.info({ objects: written.length, missing: missing.length }, 'seeded the empty calendar in one request');
    return missing.length > 0 ? options.writeEach(missing) : false;
  }

  return { take, before, finish, seeded };
}

/** The UID in a seeded object's name (`<uid>.ics`, as Radicale names it), or null. */
function readSeededUid(href: string): string | null {
  const segment = decodeURIComponent(new URL(href).pathname.split('/').filter(Boolean).pop() ?? '');
  return segment.toLowerCase().endsWith('.ics') ? segment.slice(0, -'.ics'.length) : null;
}
