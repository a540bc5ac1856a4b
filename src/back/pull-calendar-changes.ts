import { DateTime } from 'luxon';
import type { Config, CaldavTargetConfig } from '../config/config-schema.js';
import type { CalendarChanges, CalendarRef, CalendarTarget, RemoteObject } from '../caldav/calendar-target.js';
import { normaliseHref } from '../caldav/normalise-href.js';
import { readCalendarChanges } from '../caldav/read-calendar-changes.js';
import type { Appointment } from '../domain/appointment.js';
import type { KnownObject } from '../domain/known-object.js';
import type { Logger } from '../log/create-logger.js';
import type { OnOfficeClient } from '../onoffice/onoffice-client.js';
import type { CalendarRoute } from '../push/plan-desired-objects.js';
import type { AppointmentRepository } from '../store/appointment-repository.js';
import type { CaldavStateRepository } from '../store/caldav-state-repository.js';
import type { TwoWayRepository } from '../store/two-way-repository.js';
import { applyPull, type TwoWayCounts } from './apply-pull.js';
import { planMassDeleteGuard, planPull, type OnOfficeSide, type PendingIntent, type PullCandidate, type PullPolicy, type PullStep } from './plan-pull.js';
import { isSameTwoWayData, type EventRules } from './plan-two-way-write.js';
import { isOccurrenceUid, isOwnUid, planObjectData, renderTwoWayObject, type RenderContext } from './render-two-way-object.js';

/*
 * The pull: what people changed in a two-way calendar goes to onOffice, before the push runs. It reads
 * (this file), plans (plan-pull.ts, pure) and applies (apply-pull.ts). Readings:
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
  /** Plan only: read both sides, hand the steps to onPlan, write nothing anywhere. */
  readonly dryRun?: boolean;
  readonly onPlan?: (calendarKey: string, steps: readonly PullStep[]) => void;
}

export interface PullResult {
  /** Per calendar, what the push should treat as drift: objects to overwrite and to re-create (onOffice won). */
  readonly changes: Map<string, CalendarChanges>;
  /** Appointments the push must leave alone this run (written to onOffice just now, or failed). */
  readonly excluded: Set<number>;
}


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

/** Reads a calendar's changes and what both sides hold about them, plans the pull, and applies it. */
async function pullCalendar(
  context: PullContext,
  calendarKey: string,
  calendar: CalendarRef,
  route: CalendarRoute,
  counts: TwoWayCounts,
  excluded: Set<number>,
): Promise<CalendarChanges> {
  const { caldav, twoWay, target, config, targetConfig } = context;
  const changes = await readCalendarChanges(target, calendar);
  // What we recorded, looked up one object at a time: a run with few changes reads few rows.
  const known: KnownInCalendar = {
    byHref: (href) => caldav.findKnownByHref(calendarKey, href),
    all: () => caldav.iterateKnownInCalendar(calendarKey),
  };
  const found = listCandidates(context, calendarKey, calendar, known, changes);
  const gone = [...found.values()].filter((candidate) => candidate.gone && candidate.known).length;
  planMassDeleteGuard(calendarKey, gone, gone > 0 ? caldav.countKnownInCalendar(calendarKey) : 0, config.poll.massDeleteThreshold, context.forceDelete);

  const toFetch = [...found.values()].filter((candidate) => !candidate.gone).map((candidate) => candidate.href);
  const fetched = new Map<string, RemoteObject>();
  if (toFetch.length > 0) {
    for (const object of await target.fetchObjects(calendar, toFetch)) fetched.set(normaliseHref(object.href, calendar.url), object);
  }
  const rules: EventRules = { zone: config.timezone, defaultArt: targetConfig.defaultArt, categoryArts: targetConfig.categoryArts };
  const pending = new Map<string, PendingIntent[]>();
  for (const creation of twoWay.listPendingCreations(calendarKey)) {
    if (creation.href === null) continue;
    const href = normaliseHref(creation.href, calendar.url);
    pending.set(href, [...(pending.get(href) ?? []), creation]);
  }
  const candidates: PullCandidate[] = [...found.values()].map((candidate) => {
    const object = fetched.get(candidate.href);
    return {
      ...candidate,
      ...(object ? { object } : {}),
      ...(candidate.known ? { side: readOnOfficeSide(context, calendarKey, rules, candidate.known), written: twoWay.readWritten(calendarKey, candidate.known.uid)?.data ?? null } : {}),
      pending: pending.get(candidate.href) ?? [],
    };
  });
  const now = context.now();
  const policy: PullPolicy = {
    calendarKey,
    uidDomain: config.ical.uidDomain,
    conflictPolicy: targetConfig.conflictPolicy,
    deleteAction: targetConfig.deleteAction,
    rules,
    horizon: DateTime.fromJSDate(now, { zone: config.timezone }).startOf('day').minus({ days: config.poll.horizonPastDays }).toUTC().toISO()!,
    now: now.toISOString(),
    confirm: targetConfig.confirm,
    knownUids: { has: (uid) => caldav.findKnown(calendarKey, uid) !== undefined },
  };
  const steps = planPull(candidates, policy);
  context.onPlan?.(calendarKey, steps);
  if (context.dryRun) return { changed: [], deleted: [], syncToken: calendar.syncToken ?? null, complete: false };
  const log = context.logger.child({ calendar: calendarKey });
  const applied = await applyPull({ ...context, calendarKey, route, counts, excluded, logger: log }, steps);
  return { changed: applied.overwrite, deleted: applied.recreate, syncToken: changes.syncToken, complete: false };
}

/**
 * The objects worth a look: known ones whose ETag moved or that are gone, unknown ones not remembered
 * as ignored at their current ETag, and those a previous run left to retry or with a create pending.
 */
function listCandidates(
  context: PullContext,
  calendarKey: string,
  calendar: CalendarRef,
  known: KnownInCalendar,
  changes: CalendarChanges,
): Map<string, Pick<PullCandidate, 'href' | 'known' | 'gone'>> {
  const { twoWay } = context;
  const candidates = new Map<string, Pick<PullCandidate, 'href' | 'known' | 'gone'>>();
  const add = (href: string, mine: KnownObject | undefined, gone: boolean): void => {
    candidates.set(href, { href, ...(mine ? { known: mine } : {}), gone });
  };
  const seen = new Set<string>();
  for (const object of changes.changed) {
    const href = normaliseHref(object.href, calendar.url);
    seen.add(href);
    const mine = known.byHref(href);
    if (mine) {
      if (mine.etag !== null && object.etag !== null && mine.etag !== object.etag) add(href, mine, false);
      continue;
    }
    const remembered = twoWay.readHref(calendarKey, href);
    if (remembered?.state === 'ignored' && remembered.etag === object.etag) continue;
    add(href, undefined, false);
  }
  for (const raw of changes.deleted) {
    const href = normaliseHref(raw, calendar.url);
    add(href, known.byHref(href), true);
  }
  // A full listing names everything there: what we recorded and it did not name is gone.
  if (changes.complete) {
    for (const mine of known.all()) {
      const href = normaliseHref(mine.href, calendar.url);
      if (!seen.has(href)) add(href, mine, true);
    }
  }
  for (const raw of twoWay.listRetries(calendarKey)) {
    const href = normaliseHref(raw, calendar.url);
    if (!candidates.has(href)) add(href, known.byHref(href), false);
  }
  for (const creation of twoWay.listPendingCreations(calendarKey)) {
    if (creation.href === null) continue;
    const href = normaliseHref(creation.href, calendar.url);
    if (!candidates.has(href)) add(href, known.byHref(href), false);
  }
  return candidates;
}

/** What we recorded in one calendar: by href, and all of it (a page at a time) for a full listing. */
interface KnownInCalendar {
  byHref(href: string): KnownObject | undefined;
  all(): Iterable<KnownObject>;
}

/** What onOffice holds for a known object: read from the store and rendered as the push would. */
function readOnOfficeSide(context: PullContext, calendarKey: string, rules: EventRules, known: KnownObject): OnOfficeSide {
  const { config, targetConfig, twoWay } = context;
  if (isOccurrenceUid(known.uid, config.ical.uidDomain)) return { kind: 'read-only' };
  const stored = context.appointments.get(known.appointmentId);
  if (!stored) return { kind: 'unseen' };
  if (stored.status === 'deleted') return { kind: 'deleted' };
  const appointment = context.readAppointment(known.appointmentId);
  if (!appointment) return { kind: 'unreadable' };
  if (appointment.private && targetConfig.private === 'busy-only' && isOwnUid(known.uid, config.ical.uidDomain)) return { kind: 'read-only' };
  const desired = renderTwoWayObject(context.renderContext, appointment, calendarKey, known.uid, known.href);
  const data = desired ? planObjectData(desired.ics, rules) : null;
  const modifiedMs = appointment.modified.toMillis();
  if (desired && desired.hash === known.hash) return { kind: 'present', modifiedMs, data, changed: false };
  const written = twoWay.readWritten(calendarKey, known.uid);
  const echo = written !== null && data !== null && isSameTwoWayData(data, written.data);
  return { kind: 'present', modifiedMs, data, changed: !echo };
}
