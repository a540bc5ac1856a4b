import { createHash } from 'node:crypto';
import { DateTime } from 'luxon';
import type { Config, CaldavTargetConfig } from '../config/config-schema.js';
import type { AppointmentSource } from '../domain/appointment-source.js';
import type { FailedItem } from '../domain/failed-item.js';
import type { KnownObject } from '../domain/known-object.js';
import type { Logger } from '../log/create-logger.js';
import type { CalendarChanges, CalendarRef, CalendarTarget, RemoteObject } from '../caldav/calendar-target.js';
import { normaliseHref } from '../caldav/normalise-href.js';
import type { CaldavStateRepository, OutboxEntry } from '../store/caldav-state-repository.js';
import type { RenderOptions } from '../ical/render-event-objects.js';
import { applyPlan, type ApplyResult } from './apply-plan.js';
import { createPushProgress } from './create-push-progress.js';
import { hashIcs, planCalendarRoutes, planDesiredObjects, type CalendarRoute } from './plan-desired-objects.js';
import { countActions, objectKey, planSync, type DesiredObject, type Drift, type SyncPlan } from './plan-sync.js';
import type { CaldavQuarantineRepository } from '../store/caldav-quarantine-repository.js';

/**
 * A two-way target's part in its push (src/sync/create-two-way-hooks.ts): the pull runs first and hands
 * over the calendar changes it read, so the push does not read them again and sees only what the pull
 * left to it; prepare() adjusts the plan's input; finish() sees the applied plan.
 */
export interface PushTwoWay {
  pull(calendars: ReadonlyMap<string, CalendarRef>): Promise<{ readonly changes: ReadonlyMap<string, CalendarChanges> }>;
  prepare(input: { desired: DesiredObject[]; known: KnownObject[]; drift: ReadonlyMap<string, Drift>; scope: ReadonlySet<number> | 'all' }): { desired: DesiredObject[]; known: KnownObject[] };
  finish(plan: SyncPlan, failed: readonly FailedItem[]): void;
}

export interface PushResult extends ApplyResult {
  target: string;
  plan: ReturnType<typeof countActions>;
  full: boolean;
  driftRepaired: number;
}

export interface PushOptions {
  readonly config: Config;
  readonly targetConfig: CaldavTargetConfig;
  readonly target: CalendarTarget;
  readonly repository: CaldavStateRepository;
  /** Objects the server refused for good; without it such an object is retried like any failure. */
  readonly quarantine?: CaldavQuarantineRepository;
  readonly source: AppointmentSource;
  readonly logger: Logger;
  readonly now: () => Date;
  readonly full?: boolean;
  readonly dryRun?: boolean;
  readonly shouldStop?: () => boolean;
  /** Called as appointments are done, one at a time (the progress of a long first push). */
  readonly onProgress?: (progress: { phase: string; done: number; total: number }) => void;
  /** Receives the plan before it is applied (dry runs print it). */
  readonly onPlan?: (plan: SyncPlan, calendars: ReadonlyMap<string, CalendarRef>) => void;
  readonly twoWay?: PushTwoWay;
}

/** The URL a dry run gives a calendar that the real run would create. */
const NEW_CALENDAR = 'about:new-calendar/';

/** Appointments rendered, planned and written at a time. */
const PUSH_CHUNK = 500;

/** Everything that changes what a target should hold without any appointment changing. */
function hashTargetConfig(config: Config, target: CaldavTargetConfig): string {
  return createHash('sha256').update(JSON.stringify({ target, ical: config.ical, zone: config.timezone })).digest('hex');
}

export function createRenderOptions(config: Config, now: Date): RenderOptions {
  const today = DateTime.fromJSDate(now, { zone: config.timezone }).startOf('day');
  return {
    zone: config.timezone,
    uidDomain: config.ical.uidDomain,
    recurrence: config.ical.recurrence,
    expandWindow:
      config.ical.recurrence === 'expand'
        ? { from: today.minus({ days: config.poll.horizonPastDays }), to: today.plus({ days: config.ical.expandDays }) }
        : undefined,
    attendees: config.ical.attendees,
    appointmentUrl: config.onoffice.appointmentUrl || undefined,
  };
}

async function resolveCalendars(
  serverUrl: string,
  routes: readonly CalendarRoute[],
  target: CalendarTarget,
  repository: CaldavStateRepository,
  dryRun: boolean,
): Promise<Map<string, CalendarRef>> {
  const calendars = new Map<string, CalendarRef>();
  for (const route of routes) {
    const known = repository.readCalendar(route.calendarKey);
    if (known && dryRun) {
      calendars.set(route.calendarKey, { url: known.url, displayName: known.displayName, syncToken: known.syncToken });
      continue;
    }
    if (dryRun) {
      calendars.set(route.calendarKey, { url: `${NEW_CALENDAR}${route.path}/`, displayName: route.displayName, syncToken: null });
      continue;
    }
    // A calendar resolved before is checked with one PROPFIND at its URL instead of a new discovery;
    // gone (deleted on the server), it is found or created again from the route.
    const sameServer = known !== null && new URL(known.url).origin === new URL(serverUrl).origin;
    const cached = sameServer ? (await target.findCalendar({ path: known.url, displayName: route.displayName })).calendar : null;
    const ref = cached ?? (await target.ensureCalendar({ path: route.path, displayName: route.displayName, color: route.color }));
    if (!known || known.url !== ref.url) repository.saveCalendar(route.calendarKey, ref.url, ref.displayName);
    // A calendar that had to be found or created again starts over with a full listing.
    calendars.set(route.calendarKey, { ...ref, syncToken: cached ? known!.syncToken : null });
  }
  return calendars;
}

/**
 * Finds objects changed or deleted on the server behind our back, by sync-collection where the server
 * has it, else by listing ETags. Returns the drift per calendar and the new sync tokens (saved only
 * after the plan is applied, so a crash re-reads the same changes).
 *
 * "Changed" needs a new ETag and a new content (vdirsyncer's is_changed): an object whose ETag moved
 * but whose text still hashes to what we wrote (a server re-indexing, a client touching it) is no
 * drift; its new ETag is returned in `touched` to be recorded, and nothing is written.
 */
async function detectDrift(
  calendars: ReadonlyMap<string, CalendarRef>,
  known: readonly KnownObject[],
  target: CalendarTarget,
  pulled?: ReadonlyMap<string, CalendarChanges>,
): Promise<{ drift: Map<string, Drift>; tokens: Map<string, string | null>; affected: Set<number>; touched: KnownObject[] }> {
  const drift = new Map<string, Drift>();
  const tokens = new Map<string, string | null>();
  const affected = new Set<number>();
  const touched: KnownObject[] = [];
  for (const [calendarKey, calendar] of calendars) {
    const byHref = new Map(known.filter((object) => object.calendarKey === calendarKey).map((object) => [normaliseHref(object.href, calendar.url), object]));
    const changes = pulled?.get(calendarKey) ?? (await target.fetchChanges(calendar, calendar.syncToken ?? null));
    const changed = new Map<string, string | null>();
    const deleted = new Set<string>();
    const seen = new Set<string>();
    const moved = new Map<string, { mine: KnownObject; listed: RemoteObject }>();
    for (const object of changes.changed) {
      const href = normaliseHref(object.href, calendar.url);
      seen.add(href);
      const mine = byHref.get(href);
      if (mine && mine.etag !== null && object.etag !== null && mine.etag !== object.etag) moved.set(href, { mine, listed: object });
    }
    // The pull hands over objects with their text; only listed ETags need a fetch to be compared.
    const unread = [...moved].filter(([, { listed }]) => listed.data === undefined).map(([href]) => href);
    const fetched = new Map<string, RemoteObject>();
    if (unread.length > 0) for (const object of await target.fetchObjects(calendar, unread)) fetched.set(normaliseHref(object.href, calendar.url), object);
    for (const [href, { mine, listed }] of moved) {
      const current = listed.data === undefined ? fetched.get(href) : listed;
      if (current?.data !== undefined && isSameContent(mine, current.data)) {
        touched.push({ ...mine, etag: current.etag });
        continue;
      }
      changed.set(mine.href, current?.etag ?? listed.etag);
      affected.add(mine.appointmentId);
    }
    for (const raw of changes.deleted) {
      const mine = byHref.get(normaliseHref(raw, calendar.url));
      if (mine) {
        deleted.add(mine.href);
        affected.add(mine.appointmentId);
      }
    }
    if (changes.complete) {
      for (const [href, mine] of byHref) {
        if (!seen.has(href)) {
          deleted.add(mine.href);
          affected.add(mine.appointmentId);
        }
      }
    }
    drift.set(calendarKey, { changed, deleted });
    tokens.set(calendarKey, changes.syncToken);
  }
  return { drift, tokens, affected, touched };
}

/** Whether the server's text is what we recorded: our rendering's hash, or a person's event as the pull took it. */
function isSameContent(known: KnownObject, data: string): boolean {
  const hash = hashIcs(data);
  return known.hash === hash || known.hash === `caldav:${hash}`;
}

/**
 * A create or update that was in flight when a run was killed may or may not have reached the server.
 * Such an object is treated as present with unknown content: still wanted, it is written again (a PUT
 * without If-Match); no longer wanted, it is deleted (404 counts as done). So nothing is left behind.
 */
function addUncertainWrites(known: KnownObject[], pending: readonly OutboxEntry[]): KnownObject[] {
  const recorded = new Set(known.map((object) => objectKey(object.calendarKey, object.uid)));
  const uncertain = new Map<string, KnownObject>();
  for (const entry of pending) {
    const key = objectKey(entry.calendarKey, entry.uid);
    if (entry.action === 'delete' || recorded.has(key)) continue;
    uncertain.set(key, { calendarKey: entry.calendarKey, uid: entry.uid, href: entry.href, etag: null, hash: '', appointmentId: entry.appointmentId });
  }
  return [...known, ...uncertain.values()];
}

/** One target: resolve calendars, detect drift, plan, apply, and move the target's cursor. */
export async function pushToTarget(options: PushOptions): Promise<PushResult> {
  const { config, targetConfig, target, repository, source, logger } = options;
  const dryRun = options.dryRun ?? false;
  const log = logger.child({ target: targetConfig.name });
  const routes = planCalendarRoutes(targetConfig);
  const calendars = await resolveCalendars(targetConfig.url, routes, target, repository, dryRun);
  const configHash = hashTargetConfig(config, targetConfig);
  const pushState = repository.readPushState(targetConfig.name);
  const seqAtStart = source.maxChangeSeq();
  const full = options.full === true || pushState.configHash !== configHash || pushState.pushedSeq === 0;

  // A dry run plans the pull too, over the calendars that exist already (a new one holds no changes).
  const pullable = dryRun ? new Map([...calendars].filter(([, calendar]) => !calendar.url.startsWith(NEW_CALENDAR))) : calendars;
  const pulled = options.twoWay ? await options.twoWay.pull(pullable) : undefined;
  const pending = repository.listPendingOutbox(targetConfig.name);
  const knownAll = addUncertainWrites(repository.listKnown(targetConfig.name), pending);
  const { drift, tokens, affected, touched } = dryRun
    ? { drift: new Map<string, Drift>(), tokens: new Map<string, string | null>(), affected: new Set<number>(), touched: [] }
    : await detectDrift(calendars, knownAll, target, pulled?.changes);
  for (const object of touched) repository.recordWritten(object);
  const touchedKeys = new Map(touched.map((object) => [objectKey(object.calendarKey, object.uid), object]));
  const knownNow = touched.length === 0 ? knownAll : knownAll.map((object) => touchedKeys.get(objectKey(object.calendarKey, object.uid)) ?? object);

  const render = createRenderOptions(config, options.now());
  let ids: number[];
  if (full) {
    const all = new Set(source.listIds());
    // Objects of appointments deleted or quarantined since: planned with nothing desired, so removed.
    for (const object of knownAll) all.add(object.appointmentId);
    ids = [...all];
  } else {
    const changed = new Set<number>(source.listChangedIdsSince(pushState.pushedSeq));
    for (const failure of repository.listFailures(targetConfig.name)) changed.add(failure.appointmentId);
    for (const entry of pending) changed.add(entry.appointmentId);
    for (const id of affected) changed.add(id);
    ids = [...changed];
  }
  const knownByAppointment = new Map<number, KnownObject[]>();
  for (const object of knownNow) knownByAppointment.set(object.appointmentId, [...(knownByAppointment.get(object.appointmentId) ?? []), object]);

  const result: PushResult = {
    target: targetConfig.name,
    plan: { create: 0, update: 0, delete: 0, unchanged: 0 },
    full,
    driftRepaired: affected.size,
    created: 0,
    updated: 0,
    deleted: 0,
    recovered: 0,
    failed: [],
    quarantined: [],
  };
  for (const entry of dryRun ? [] : pending) log.info({ uid: entry.uid, action: entry.action }, 'settling an item a previous run left unfinished');

  // Appointments are rendered, planned and written a chunk at a time, so a full push over 100k
  // appointments holds one chunk's objects in memory, not the whole calendar's.
  let stopped = false;
  const progress = createPushProgress(`push ${targetConfig.name}`, ids.length, options.onProgress);
  if (ids.length === 0) options.onPlan?.({ actions: [], unchanged: 0 }, calendars);
  for (let offset = 0; offset < ids.length; offset += PUSH_CHUNK) {
    if (options.shouldStop?.()) {
      stopped = true;
      break;
    }
    const chunk = ids.slice(offset, offset + PUSH_CHUNK);
    const scope = new Set(chunk);
    const rendered = chunk.flatMap((id) => planDesiredObjects(source.getAppointment(id), targetConfig, routes, { ...render, sequence: source.getRevision(id) }));
    const chunkKnown = chunk.flatMap((id) => knownByAppointment.get(id) ?? []);
    const { desired, known } = options.twoWay ? options.twoWay.prepare({ desired: rendered, known: chunkKnown, drift, scope }) : { desired: rendered, known: chunkKnown };
    const plan = planSync({ desired, known, scope, drift });
    if (!dryRun) options.quarantine?.releaseUnwanted(targetConfig.name, chunk, (calendarKey, uid) => desired.some((object) => object.calendarKey === calendarKey && object.uid === uid));
    options.onPlan?.(plan, calendars);
    const counts = countActions(plan);
    for (const kind of ['create', 'update', 'delete', 'unchanged'] as const) result.plan[kind] += counts[kind];
    if (!dryRun) progress.planned(offset, chunk.length, plan);
    if (dryRun) continue;
    if (plan.actions.length === 0) {
      options.twoWay?.finish(plan, []);
      continue;
    }
    const applied = await applyPlan({ plan, target, calendars, repository, quarantine: options.quarantine, concurrency: targetConfig.concurrency, logger: log, shouldStop: options.shouldStop, onSettled: progress.settled });
    result.created += applied.created;
    result.updated += applied.updated;
    result.deleted += applied.deleted;
    result.recovered += applied.recovered;
    result.failed.push(...applied.failed);
    result.quarantined.push(...applied.quarantined);
    options.twoWay?.finish(plan, [...applied.failed, ...applied.quarantined]);
    if (applied.created + applied.updated + applied.deleted + applied.failed.length + applied.quarantined.length < plan.actions.length) {
      stopped = true;
      break;
    }
  }
  if (!stopped && !dryRun) {
    for (const [calendarKey, token] of tokens) repository.saveSyncToken(calendarKey, token);
    repository.savePushState(targetConfig.name, seqAtStart, configHash);
  }
  return result;
}
