import { DateTime } from 'luxon';
import { parseIcsObjects } from '../ical/parse-ics-objects.js';
import type { Config, CaldavTargetConfig } from '../config/config-schema.js';
import type { CalendarChanges, CalendarRef, CalendarTarget, RemoteObject } from '../caldav/calendar-target.js';
import { normaliseHref } from '../caldav/normalise-href.js';
import type { Appointment } from '../domain/appointment.js';
import { describeError, failsEveryItem } from '../domain/classify-error.js';
import type { Logger } from '../log/create-logger.js';
import type { AppointmentWrite } from '../domain/appointment-write.js';
import type { OnOfficeClient } from '../onoffice/onoffice-client.js';
import type { AppointmentRepository } from '../store/appointment-repository.js';
import type { CaldavStateRepository } from '../store/caldav-state-repository.js';
import type { TwoWayData } from '../domain/two-way-data.js';
import type { CreationRecord, TwoWayRepository } from '../store/two-way-repository.js';
import type { FailedItem } from '../domain/failed-item.js';
import { createTwoWayAppointment, findLostCreate, sendTwoWayConfirmation, type CreateContext } from './create-two-way-appointment.js';
import { hashIcs, type CalendarRoute } from '../push/plan-desired-objects.js';
import type { KnownObject } from '../domain/known-object.js';
import { isSameTwoWayData, mergeTwoWayData, planCreateWrite, planEventData, planModifyWrite, type EventRules, type PlannedEvent } from './plan-two-way-write.js';
import { PullMassDeleteError } from './pull-mass-delete-error.js';
import { PullWaitsError } from './pull-waits-error.js';
import { isOccurrenceUid, isOwnUid, planObjectData, renderTwoWayObject, type RenderContext } from './render-two-way-object.js';

/*
 * The pull: what people changed in a two-way calendar goes to onOffice, before the push runs. Readings:
 *
 * - "Changed in the calendar" means the server's ETag differs from the one we recorded; every write of
 *   ours records the ETag it got, so our own writes never count. A changed ETag whose event still says
 *   the same (an alarm acknowledged, a server re-serialising) is recorded and nothing is written.
 * - "Changed in onOffice" means the push would now render something else than the calendar held at the
 *   last sync (two_way_written, saved after every write on either side). Until the echo of our own write
 *   to onOffice has been polled, the stored appointment is stale and renders what the push last wrote,
 *   so it counts as unchanged; the echo itself equals the base and is no change either.
 * - Both changed: conflictPolicy decides. onoffice-wins leaves the object to the push, which overwrites
 *   it; caldav-wins sends the calendar's version (every field that differs from onOffice's); newest
 *   compares LAST-MODIFIED (else DTSTAMP) with `modified`, onOffice winning ties and events without
 *   either. A deletion in onOffice wins over an edit in the calendar under every policy (re-creating it
 *   would lose the links it had); a deletion in the calendar against an onOffice edit follows the policy,
 *   `newest` counting as onoffice-wins since a deletion carries no time. Each is logged and counted.
 * - Deleting in the calendar deletes the appointment (deleteAction delete; the store marks it deleted at
 *   once so feeds and other targets follow) or cancels it (cancel); either way the target gets a
 *   tombstone so the push does not put it back.
 * - Read-only, whatever the calendar says (the push restores onOffice's version): occurrences written by
 *   recurrence 'expand' (one occurrence is not the appointment), and private appointments of ours shown
 *   as busy-only (a person's own events are always shown to them in full).
 * - A new event (a UID that is not ours and not mapped) becomes an appointment for the calendar's user
 *   (userId, else the route's user). Events that ended before the poll horizon are not imported, nor is an
 *   object without a VEVENT; both are remembered by ETag so they are not read again until they change.
 * - A calendar that loses more than poll.massDeleteThreshold of its known events, and more than
 *   MASS_DELETE_MINIMUM of them, in one run stops the run (PullMassDeleteError) unless --force-delete.
 */

const MASS_DELETE_MINIMUM = 3;

export interface TwoWayCounts {
  created: number;
  updated: number;
  deleted: number;
  conflicts: number;
  /** Events written this run with parts onOffice cannot represent (reported per event). */
  unsupported: number;
  confirmations: number;
  /** Lost creates found in onOffice instead of creating again. */
  recovered: number;
  failed: FailedItem[];
}

export function createTwoWayCounts(): TwoWayCounts {
  return { created: 0, updated: 0, deleted: 0, conflicts: 0, unsupported: 0, confirmations: 0, recovered: 0, failed: [] };
}

export interface PullContext {
  readonly config: Config;
  readonly targetConfig: CaldavTargetConfig;
  readonly target: CalendarTarget;
  readonly routes: readonly CalendarRoute[];
  readonly caldav: CaldavStateRepository;
  readonly twoWay: TwoWayRepository;
  readonly appointments: AppointmentRepository;
  readonly client: OnOfficeClient;
  readonly logger: Logger;
  readonly now: () => Date;
  readonly renderContext: RenderContext;
  readonly readAppointment: (id: number) => Appointment | null;
  readonly forceDelete: boolean;
}

export interface PullResult {
  /** Per calendar, what the push should treat as drift: objects to overwrite and to re-create (onOffice won). */
  readonly changes: Map<string, CalendarChanges>;
  /** Appointments the push must leave alone this run (written to onOffice just now, or failed). */
  readonly excluded: Set<number>;
}

type Winner = 'onoffice' | 'caldav';


/** Pulls every calendar of one two-way target; see the notes above. */
export async function pullCalendarChanges(context: PullContext, calendars: ReadonlyMap<string, CalendarRef>, counts: TwoWayCounts): Promise<PullResult> {
  const result: PullResult = { changes: new Map(), excluded: new Set() };
  for (const [calendarKey, calendar] of calendars) {
    const route = context.routes.find((candidate) => candidate.calendarKey === calendarKey);
    if (!route) continue;
    result.changes.set(calendarKey, await pullCalendar(context, calendarKey, calendar, route, counts, result.excluded));
  }
  return result;
}

interface Candidate {
  readonly href: string;
  readonly known: KnownObject | undefined;
  /** Listed as deleted (or missing from a complete listing). */
  readonly gone: boolean;
}

async function pullCalendar(
  context: PullContext,
  calendarKey: string,
  calendar: CalendarRef,
  route: CalendarRoute,
  counts: TwoWayCounts,
  excluded: Set<number>,
): Promise<CalendarChanges> {
  const { caldav, twoWay, target, config } = context;
  const log = context.logger.child({ calendar: calendarKey });
  const known = caldav.listKnown(context.targetConfig.name).filter((object) => object.calendarKey === calendarKey);
  const byHref = new Map(known.map((object) => [normaliseHref(object.href, calendar.url), object]));
  const changes = await target.fetchChanges(calendar, calendar.syncToken ?? null);

  const candidates = new Map<string, Candidate>();
  const seen = new Set<string>();
  for (const object of changes.changed) {
    const href = normaliseHref(object.href, calendar.url);
    seen.add(href);
    const mine = byHref.get(href);
    if (mine) {
      if (mine.etag !== null && object.etag !== null && mine.etag !== object.etag) candidates.set(href, { href, known: mine, gone: false });
      continue;
    }
    const remembered = twoWay.readHref(calendarKey, href);
    if (remembered?.state === 'ignored' && remembered.etag === object.etag) continue;
    candidates.set(href, { href, known: undefined, gone: false });
  }
  const goneHrefs = new Set(changes.deleted.map((raw) => normaliseHref(raw, calendar.url)));
  if (changes.complete) for (const href of byHref.keys()) if (!seen.has(href)) goneHrefs.add(href);
  for (const href of goneHrefs) {
    const mine = byHref.get(href);
    if (mine) candidates.set(href, { href, known: mine, gone: true });
    else twoWay.clearHref(calendarKey, href);
  }
  for (const raw of twoWay.listRetries(calendarKey)) {
    const href = normaliseHref(raw, calendar.url);
    if (!candidates.has(href)) candidates.set(href, { href, known: byHref.get(href), gone: false });
  }
  for (const pending of twoWay.listPendingCreations(calendarKey)) {
    if (pending.href === null) continue;
    const href = normaliseHref(pending.href, calendar.url);
    if (!candidates.has(href)) candidates.set(href, { href, known: byHref.get(href), gone: false });
  }

  const deletions = [...candidates.values()].filter((candidate) => candidate.gone).length;
  if (!context.forceDelete && deletions > MASS_DELETE_MINIMUM && deletions > config.poll.massDeleteThreshold * known.length) {
    throw new PullMassDeleteError(calendarKey, deletions, known.length, config.poll.massDeleteThreshold);
  }

  const toFetch = [...candidates.values()].filter((candidate) => !candidate.gone).map((candidate) => candidate.href);
  const fetched = new Map<string, RemoteObject>();
  if (toFetch.length > 0) {
    for (const object of await target.fetchObjects(calendar, toFetch)) fetched.set(normaliseHref(object.href, calendar.url), object);
  }

  const overwrite: RemoteObject[] = [];
  const recreate: string[] = [];
  const rules: EventRules = { zone: config.timezone, defaultArt: context.targetConfig.defaultArt, categoryArts: context.targetConfig.categoryArts };
  const knownUids = new Set(known.map((object) => object.uid));
  const step = createCalendarStep(context, { calendarKey, calendar, route, rules, counts, excluded, overwrite, recreate, knownUids, log });

  for (const candidate of candidates.values()) {
    const object = fetched.get(candidate.href);
    try {
      if (candidate.known && (candidate.gone || !object)) await step.pullDeleted(candidate.known);
      else if (candidate.known && object) await step.pullEdited(candidate.known, object);
      else if (object) await step.pullNew(object);
      else {
        twoWay.clearHref(calendarKey, candidate.href);
        for (const pending of twoWay.listPendingCreations(calendarKey)) {
          if (pending.href !== null && normaliseHref(pending.href, calendar.url) === candidate.href) await step.settleVanishedIntent(pending);
        }
      }
    } catch (error) {
      if (failsEveryItem(error)) throw error;
      const appointmentId = candidate.known?.appointmentId ?? 0;
      if (appointmentId > 0) excluded.add(appointmentId);
      twoWay.markHref(calendarKey, candidate.href, object?.etag ?? null, 'retry', describeError(error));
      const action = candidate.known ? (candidate.gone || !object ? 'delete' : 'update') : 'create';
      counts.failed.push({ calendarKey, uid: candidate.known?.uid ?? candidate.href, appointmentId, action, error: describeError(error) });
      log.warn({ href: candidate.href, action, err: describeError(error) }, 'could not carry a calendar change to onOffice; it is retried on the next run');
    }
  }
  return { changed: overwrite, deleted: recreate, syncToken: changes.syncToken, complete: false };
}

interface StepOptions {
  readonly calendarKey: string;
  readonly calendar: CalendarRef;
  readonly route: CalendarRoute;
  readonly rules: EventRules;
  readonly counts: TwoWayCounts;
  readonly excluded: Set<number>;
  readonly overwrite: RemoteObject[];
  readonly recreate: string[];
  /** UIDs already mapped in this calendar: an unknown href with one of them is the same event elsewhere. */
  readonly knownUids: ReadonlySet<string>;
  readonly log: Logger;
}

/** What onOffice holds for a known object, as far as the pull can tell. */
type OnOfficeSide =
  | { readonly kind: 'unseen' }
  | { readonly kind: 'deleted' }
  | { readonly kind: 'unreadable' }
  | { readonly kind: 'read-only' }
  | { readonly kind: 'present'; readonly appointment: Appointment; readonly data: TwoWayData | null; readonly changed: boolean };

function createCalendarStep(context: PullContext, options: StepOptions) {
  const { caldav, twoWay, client, config, targetConfig } = context;
  const { calendarKey, route, rules, counts, excluded, overwrite, recreate, knownUids, log } = options;
  const createContext: CreateContext = {
    client,
    repository: twoWay,
    logger: log,
    participants: config.poll.allusers ? { allusers: true } : { users: [...config.poll.users], groups: [...config.poll.groups] },
  };
  let userIdPromise: Promise<number | undefined> | undefined;

  const resolveUserId = async (): Promise<number | undefined> => {
    if (targetConfig.userId !== undefined) return targetConfig.userId;
    if (typeof route.user === 'number') return route.user;
    if (typeof route.user !== 'string') return undefined;
    const username = route.user;
    userIdPromise ??= client.getUsers().then((users) => users.find((user) => user.username === username)?.id);
    return userIdPromise;
  };

  const reportUnsupported = (uid: string, appointmentId: number, planned: PlannedEvent): void => {
    if (planned.unsupported.length === 0) {
      twoWay.clearReport(calendarKey, uid, '', 'unsupported');
      return;
    }
    counts.unsupported += 1;
    const message = planned.unsupported.join('; ');
    if (twoWay.report({ source: calendarKey, uid, kind: 'unsupported', appointmentId, message })) {
      log.warn({ uid, appointmentId, unsupported: planned.unsupported }, 'event has parts onOffice cannot represent; the representable part was written');
    }
  };

  const reportConflict = (known: KnownObject, winner: Winner, what: string): void => {
    counts.conflicts += 1;
    const message = `${what} changed in onOffice and in the calendar since the last sync; ${winner === 'onoffice' ? 'onOffice' : 'the calendar'} won (${targetConfig.conflictPolicy})`;
    twoWay.report({ source: calendarKey, uid: known.uid, kind: 'conflict', appointmentId: known.appointmentId, message });
    log.info({ uid: known.uid, appointmentId: known.appointmentId, winner, policy: targetConfig.conflictPolicy }, message);
  };

  const readOnOfficeSide = (known: KnownObject): OnOfficeSide => {
    if (isOccurrenceUid(known.uid, config.ical.uidDomain)) return { kind: 'read-only' };
    const stored = context.appointments.get(known.appointmentId);
    if (!stored) return { kind: 'unseen' };
    if (stored.status === 'deleted') return { kind: 'deleted' };
    const appointment = context.readAppointment(known.appointmentId);
    if (!appointment) return { kind: 'unreadable' };
    if (appointment.private && targetConfig.private === 'busy-only' && isOwnUid(known.uid, config.ical.uidDomain)) return { kind: 'read-only' };
    const desired = renderTwoWayObject(context.renderContext, appointment, calendarKey, known.uid, known.href);
    const data = desired ? planObjectData(desired.ics, rules) : null;
    if (desired && desired.hash === known.hash) return { kind: 'present', appointment, data, changed: false };
    const written = twoWay.readWritten(calendarKey, known.uid);
    const echo = written !== null && data !== null && isSameTwoWayData(data, written.data);
    return { kind: 'present', appointment, data, changed: !echo };
  };

  const decide = (planned: PlannedEvent | null, appointment: Appointment): Winner => {
    if (targetConfig.conflictPolicy === 'onoffice-wins') return 'onoffice';
    if (targetConfig.conflictPolicy === 'caldav-wins') return 'caldav';
    const calendarTime = planned?.modifiedAt?.getTime();
    return calendarTime !== undefined && calendarTime > appointment.modified.toMillis() ? 'caldav' : 'onoffice';
  };

  const recordEtag = (known: KnownObject, etag: string | null): void => {
    caldav.recordWritten({ ...known, etag });
    twoWay.clearHref(calendarKey, known.href);
  };

  async function pullEdited(known: KnownObject, object: RemoteObject): Promise<void> {
    const side = readOnOfficeSide(known);
    if (side.kind === 'read-only') {
      overwrite.push(object);
      log.info({ uid: known.uid }, 'an occurrence or busy-only event was changed in the calendar; onOffice’s version is written back');
      return;
    }
    if (side.kind === 'unreadable') throw new PullWaitsError(known.appointmentId, 'change');
    if (side.kind === 'deleted') {
      overwrite.push(object);
      reportConflict(known, 'onoffice', `appointment ${known.appointmentId} was deleted in onOffice and`);
      return;
    }
    const events = parseIcsObjects(object.data ?? '');
    const master = events.find((event) => !event.recurrenceid) ?? events[0];
    if (!master) {
      overwrite.push(object);
      return;
    }
    const planned = planEventData(master, rules);
    const written = twoWay.readWritten(calendarKey, known.uid);
    const onOfficeChanged = side.kind === 'present' && side.changed;
    const base = written?.data ?? (side.kind === 'present' && !side.changed ? side.data : null);
    if (base !== null && planModifyWrite(base, planned.data) === null) {
      recordEtag(known, object.etag);
      return;
    }
    let from = base;
    if (onOfficeChanged && side.kind === 'present') {
      const winner = decide(planned, side.appointment);
      reportConflict(known, winner, `appointment ${known.appointmentId}`);
      if (winner === 'onoffice') {
        overwrite.push(object);
        return;
      }
      from = side.data;
    }
    const write = from === null ? planCreateWrite(planned.data, {}) : planModifyWrite(from, planned.data);
    if (write !== null) {
      await client.modifyAppointment(known.appointmentId, write);
      counts.updated += 1;
      reportUnsupported(known.uid, known.appointmentId, planned);
    }
    twoWay.saveWritten(calendarKey, known.uid, known.appointmentId, mergeTwoWayData(from ?? {}, planned.data));
    recordEtag(known, object.etag);
    excluded.add(known.appointmentId);
    log.info({ uid: known.uid, appointmentId: known.appointmentId, fields: Object.keys(write?.data ?? {}) }, 'calendar edit written to onOffice');
  }

  async function pullDeleted(known: KnownObject): Promise<void> {
    const side = readOnOfficeSide(known);
    if (side.kind === 'read-only') {
      recreate.push(known.href);
      return;
    }
    if (side.kind === 'unreadable') throw new PullWaitsError(known.appointmentId, 'deletion');
    if (side.kind === 'present' && side.changed) {
      const winner: Winner = targetConfig.conflictPolicy === 'caldav-wins' ? 'caldav' : 'onoffice';
      reportConflict(known, winner, `appointment ${known.appointmentId} was deleted in the calendar and`);
      if (winner === 'onoffice') {
        recreate.push(known.href);
        return;
      }
    }
    if (side.kind !== 'deleted') {
      if (targetConfig.deleteAction === 'cancel') {
        await client.modifyAppointment(known.appointmentId, { data: { status: 'canceled' } });
      } else {
        await client.deleteAppointment(known.appointmentId);
        context.appointments.markDeleted([known.appointmentId]);
      }
      counts.deleted += 1;
      log.info({ uid: known.uid, appointmentId: known.appointmentId, action: targetConfig.deleteAction }, 'calendar deletion written to onOffice');
    }
    twoWay.transaction(() => {
      caldav.recordDeleted(calendarKey, known.uid);
      twoWay.dropWritten(calendarKey, known.uid);
      twoWay.addTombstone(targetConfig.name, known.appointmentId);
      twoWay.clearHref(calendarKey, known.href);
    });
    excluded.add(known.appointmentId);
  }

  async function pullNew(object: RemoteObject): Promise<void> {
    const href = object.href;
    const events = parseIcsObjects(object.data ?? '');
    const master = events.find((event) => !event.recurrenceid);
    if (!master) {
      twoWay.markHref(calendarKey, href, object.etag, 'ignored', events.length === 0 ? 'holds no VEVENT' : 'holds only occurrence overrides without their series');
      const [override] = events;
      if (override) {
        const message = 'the calendar object holds only changed occurrences of a series that is not in it; onOffice cannot represent them alone and they were not imported';
        if (twoWay.report({ source: calendarKey, uid: override.uid, kind: 'unsupported', appointmentId: null, message })) log.warn({ uid: override.uid, href }, message);
      }
      return;
    }
    // Ours without a record (a lost state database): the push's create meets it and takes it over.
    if (isOwnUid(master.uid, config.ical.uidDomain)) return;
    if (knownUids.has(master.uid)) {
      twoWay.markHref(calendarKey, href, object.etag, 'ignored', 'a second object with the UID of an event already synced');
      log.warn({ uid: master.uid, href }, 'a second calendar object carries the UID of an event already synced; it is left alone');
      return;
    }
    const planned = planEventData(master, rules);
    const horizon = DateTime.fromJSDate(context.now(), { zone: config.timezone }).startOf('day').minus({ days: config.poll.horizonPastDays });
    if (planned.endsAt !== null && planned.endsAt < horizon.toUTC().toISO()!) {
      twoWay.markHref(calendarKey, href, object.etag, 'ignored', 'ends before the poll horizon');
      return;
    }
    const overrides = Object.keys(master.recurrences ?? {}).length;
    if (overrides > 0) log.debug({ uid: master.uid, overrides }, 'series with overrides: the master is written, the overrides are reported');
    const userId = await resolveUserId();
    const write = planCreateWrite(planned.data, userId === undefined ? {} : { userId });
    const outcome = await createTwoWayAppointment(createContext, { source: calendarKey, uid: master.uid, recurrenceId: '', href, write });
    if (outcome.kind === 'failed') throw outcome.cause;
    if (outcome.kind === 'unknown') {
      counts.failed.push({ calendarKey, uid: master.uid, appointmentId: 0, action: 'create', error: outcome.error });
      return;
    }
    const appointmentId = outcome.appointmentId;
    twoWay.transaction(() => {
      // The hash stands for the person's text, which no rendering of ours has: the push compares its
      // rendering with what we wrote (two_way_written) when the appointment's echo arrives.
      caldav.recordWritten({ calendarKey, uid: master.uid, appointmentId, href, etag: object.etag, hash: `caldav:${hashIcs(object.data ?? '')}` });
      twoWay.saveWritten(calendarKey, master.uid, appointmentId, planned.data);
      twoWay.clearHref(calendarKey, href);
    });
    if (outcome.recovered) counts.recovered += 1;
    else counts.created += 1;
    reportUnsupported(master.uid, appointmentId, planned);
    log.info({ uid: master.uid, appointmentId, recovered: outcome.recovered }, 'calendar event created in onOffice');
    if (targetConfig.confirm && (planned.endsAt === null || planned.endsAt > context.now().toISOString())) {
      const sent = await sendTwoWayConfirmation(createContext, { source: calendarKey, uid: master.uid, recurrenceId: '', appointmentId }, targetConfig.useDefaultMailAccount);
      if (sent === 'sent') counts.confirmations += 1;
    }
  }

  /** The event of a create with unknown outcome is gone: an appointment it made goes the way of the event. */
  async function settleVanishedIntent(pending: CreationRecord): Promise<void> {
    const found = await findLostCreate(createContext, pending.write as unknown as AppointmentWrite, pending.startedAt);
    if (found !== null) {
      if (targetConfig.deleteAction === 'cancel') {
        await client.modifyAppointment(found, { data: { status: 'canceled' } });
      } else {
        await client.deleteAppointment(found);
        context.appointments.markDeleted([found]);
      }
      twoWay.addTombstone(targetConfig.name, found);
      counts.deleted += 1;
    }
    twoWay.dropCreation(calendarKey, pending.uid, pending.recurrenceId);
    log.info({ uid: pending.uid, appointmentId: found }, 'event with a create of unknown outcome was deleted from the calendar; settled');
  }

  return { pullEdited, pullDeleted, pullNew, settleVanishedIntent };
}
