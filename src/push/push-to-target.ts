import { setImmediate as nextTurn } from 'node:timers/promises';
import { DateTime } from 'luxon';
import type { Config, CaldavTargetConfig } from '../config/config-schema.js';
import type { AppointmentSource } from '../domain/appointment-source.js';
import type { FailedItem } from '../domain/failed-item.js';
import type { KnownObject } from '../domain/known-object.js';
import { nextCtagState, trustedCtag, type CtagState } from '../domain/trust-ctag.js';
import type { Logger } from '../log/create-logger.js';
import type { CalendarChanges, CalendarRef, CalendarTarget } from '../caldav/calendar-target.js';
import { normaliseHref } from '../caldav/normalise-href.js';
import type { CaldavStateRepository, CalendarRow, OutboxEntry } from '../store/caldav-state-repository.js';
import type { RenderOptions } from '../ical/render-event-objects.js';
import { applyPlan, type ApplyResult } from './apply-plan.js';
import { createIdleCheckRule, hashTargetConfig, type RecentlyCheckedCalendar } from './create-idle-check-rule.js';
import { createPushProgress } from './create-push-progress.js';
import { planCalendarRoutes, planDesiredObjects, type CalendarRoute } from './plan-desired-objects.js';
import { countActions, objectKey, planSync, type DesiredObject, type Drift, type SyncAction, type SyncPlan } from './plan-sync.js';
import { detectDrift, NO_DRIFT, type DetectedDrift, type KnownLookup } from './detect-drift.js';
import { followChangedChunks, planPushChunks, rampUpChunks, type ChangeFeed, type PlannedChunks, type PushChunks } from './plan-push-chunks.js';
import type { CaldavQuarantineRepository } from '../store/caldav-quarantine-repository.js';
import { createCalendarSeeder, hasRefusedSeed, selectSeedable, type CalendarSeeder, type SeededCalendar } from './create-calendar-seeder.js';
import { maySeedCalendar } from './plan-seed.js';

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
  /**
   * The run's poll is still storing what it reads (a first run, app/run-sync.ts): the push takes the
   * appointments as they are stored and ends once the feed has ended and all of it is written.
   */
  readonly follow?: ChangeFeed;
}

/** The URL a dry run gives a calendar that the real run would create. */
const NEW_CALENDAR = 'about:new-calendar/';

/** Appointments planned and written at a time (the unit of the write batches and the progress). */
const PUSH_CHUNK = 500;

/**
 * Appointments rendered and compared at a time, within a chunk. A reconciliation renders every object
 * to find it unchanged: what a whole chunk's renderings held lived long enough to be promoted to the
 * old generation, ~2 KB per appointment, and that promotion rate let V8 grow the heap to ~4× its live
 * size (bench/scale-bench.mjs at 100,000). A group's renderings die young; only its actions are kept.
 */
const PLAN_GROUP = 25;

/**
 * The first chunk's first pieces (plan-push-chunks.ts rampUpChunks): a group, then four, then the rest
 * of the chunk, so the first write waits for one group's planning, not a whole chunk's.
 */
const FIRST_CHUNKS = [PLAN_GROUP, 4 * PLAN_GROUP];

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
  options: { dryRun: boolean; full: boolean; now: () => number; maySkipCheck: (known: CalendarRow | null, nowMs: number) => known is RecentlyCheckedCalendar; log: Logger },
): Promise<ResolvedCalendars> {
  const calendars = new Map<string, CalendarRef>();
  const ctags = new Map<string, CtagState | null>();
  for (const route of routes) {
    const known = repository.readCalendar(route.calendarKey);
    if (!options.dryRun && options.maySkipCheck(known, options.now())) {
      // Checked a moment ago and nothing to write: taken as the last check left it, nothing is asked.
      options.log.debug({ calendar: route.calendarKey, checkedAt: new Date(known.checkedAt).toISOString() }, 'calendar checked recently: not asked this run');
      calendars.set(route.calendarKey, { url: known.url, displayName: known.displayName, syncToken: known.syncToken, ctag: known.ctag.value, unchanged: true });
      continue;
    }
    if (known && options.dryRun) {
      calendars.set(route.calendarKey, { url: known.url, displayName: known.displayName, syncToken: known.syncToken });
      continue;
    }
    if (options.dryRun) {
      calendars.set(route.calendarKey, { url: `${NEW_CALENDAR}${route.path}/`, displayName: route.displayName, syncToken: null });
      continue;
    }
    // A calendar resolved before is checked with one PROPFIND at its URL instead of a new discovery;
    // gone (deleted on the server), it is found or created again from the route.
    const sameServer = known !== null && new URL(known.url).origin === new URL(serverUrl).origin;
    const cached = sameServer ? await confirmKnownCalendar(target, known, route) : null;
    const found = cached ?? (await target.ensureCalendar({ path: route.path, displayName: route.displayName, color: route.color }));
    // When the getctag was read: the adapter's answer time where it tells, else now (no change read has begun).
    const ref: CalendarRef = { ctagReadAt: options.now(), ...found };
    if (!known || known.url !== ref.url) repository.saveCalendar(route.calendarKey, ref.url, ref.displayName);
    // A calendar that had to be found or created again starts over with a full listing.
    const syncToken = cached ? known!.syncToken : null;
    const stored = cached ? known!.ctag : null;
    const current = ref.ctag ?? null;
    // The nightly reconciliation reads the changes whatever the getctag says.
    const unchanged = !options.full && cached !== null && current !== null && current === trustedCtag(stored, options.now());
    calendars.set(route.calendarKey, { ...ref, syncToken, unchanged });
    // The server confirmed the stored state; a calendar that reads its changes is checked once they are stored.
    if (unchanged) repository.saveCalendarChecked(route.calendarKey, ref.ctagReadAt!);
    // Stored with the token once the run went through; an unchanged calendar keeps what it had.
    if (!unchanged) ctags.set(route.calendarKey, nextCtagState(stored, current, ref.ctagReadAt!));
  }
  return { calendars, ctags };
}

/** The calendars of a run, and the getctag each one's read of the changes is to store with its token. */
interface ResolvedCalendars {
  readonly calendars: Map<string, CalendarRef>;
  readonly ctags: ReadonlyMap<string, CtagState | null>;
}

/** The calendar resolved before, if it is still there: by its resource type (and getctag) alone where the target can. */
async function confirmKnownCalendar(target: CalendarTarget, known: CalendarRow, route: CalendarRoute): Promise<CalendarRef | null> {
  if (!target.confirmCalendar) return (await target.findCalendar({ path: known.url, displayName: route.displayName })).calendar;
  const confirmed = await target.confirmCalendar(known.url);
  return confirmed && { url: known.url, displayName: known.displayName, ctag: confirmed.ctag, ctagReadAt: confirmed.readAt };
}

/**
 * A create or update that was in flight when a run was killed may or may not have reached the server.
 * Such an object is treated as present with unknown content: still wanted, it is written again (a PUT
 * without If-Match); no longer wanted, it is deleted (404 counts as done). So nothing is left behind.
 * The journal holds at most the writes that were in flight, so these few are kept in memory.
 */
function readUncertainWrites(repository: CaldavStateRepository, pending: readonly OutboxEntry[]): KnownObject[] {
  const uncertain = new Map<string, KnownObject>();
  for (const entry of pending) {
    const key = objectKey(entry.calendarKey, entry.uid);
    if (entry.action === 'delete' || repository.findKnown(entry.calendarKey, entry.uid)) continue;
    uncertain.set(key, { calendarKey: entry.calendarKey, uid: entry.uid, href: entry.href, etag: null, hash: '', appointmentId: entry.appointmentId, uncertain: true });
  }
  return [...uncertain.values()];
}

/** What we recorded, looked up one object at a time (with the uncertain writes on top). */
function createKnownLookup(repository: CaldavStateRepository, uncertain: readonly KnownObject[], calendars: ReadonlyMap<string, CalendarRef>): KnownLookup {
  const uncertainByHref = new Map(uncertain.map((object) => [objectKey(object.calendarKey, normaliseHref(object.href, calendars.get(object.calendarKey)?.url ?? object.href)), object]));
  return {
    byHref: (calendarKey, href) => repository.findKnownByHref(calendarKey, href) ?? uncertainByHref.get(objectKey(calendarKey, href)),
    *inCalendar(calendarKey) {
      yield* repository.iterateKnownInCalendar(calendarKey);
      yield* uncertain.filter((object) => object.calendarKey === calendarKey);
    },
  };
}

/** Everything a push settles before its first chunk: calendars, cursor, journal, drift. */
interface PushSession {
  readonly routes: readonly CalendarRoute[];
  readonly calendars: Map<string, CalendarRef>;
  readonly ctags: ReadonlyMap<string, CtagState | null>;
  readonly configHash: string;
  readonly seqAtStart: number;
  readonly full: boolean;
  readonly chunks: PushChunks;
  readonly uncertain: readonly KnownObject[];
  readonly drift: DetectedDrift;
}

async function openPush(options: PushOptions, log: Logger): Promise<PushSession> {
  const { config, targetConfig, target, repository, source } = options;
  const dryRun = options.dryRun ?? false;
  const routes = planCalendarRoutes(targetConfig);
  const configHash = hashTargetConfig(config, targetConfig);
  const pushState = repository.readPushState(targetConfig.name);
  const full = options.full === true || pushState.configHash !== configHash || pushState.pushedSeq === 0;
  const now = () => options.now().getTime();
  const maySkipCheck = createIdleCheckRule({
    targetConfig,
    full: options.full === true,
    twoWay: targetConfig.twoWay || options.twoWay !== undefined,
    writes: () => ({
      changeSeq: source.maxChangeSeq(),
      pushedSeq: pushState.pushedSeq,
      configHash,
      pushedConfigHash: pushState.configHash,
      pendingOutbox: repository.listPendingOutbox(targetConfig.name).length,
      failures: repository.listFailures(targetConfig.name).length,
    }),
  });
  const { calendars, ctags } = await resolveCalendars(targetConfig.url, routes, target, repository, { dryRun, full: options.full === true, now, maySkipCheck, log });
  const seqAtStart = source.maxChangeSeq();

  // A dry run plans the pull too, over the calendars that exist already (a new one holds no changes).
  const pullable = dryRun ? new Map([...calendars].filter(([, calendar]) => !calendar.url.startsWith(NEW_CALENDAR))) : calendars;
  const pulled = options.twoWay ? await options.twoWay.pull(pullable) : undefined;
  const pending = repository.listPendingOutbox(targetConfig.name);
  const uncertain = readUncertainWrites(repository, pending);
  const drift = dryRun ? NO_DRIFT : await detectDrift(calendars, createKnownLookup(repository, uncertain, calendars), target, pulled?.changes);
  for (const object of drift.touched) repository.recordWritten(object);
  for (const entry of dryRun ? [] : pending) log.info({ uid: entry.uid, action: entry.action }, 'settling an item a previous run left unfinished');

  const extra = new Set<number>([...pending.map((entry) => entry.appointmentId), ...drift.affected]);
  if (!full) for (const failure of repository.listFailures(targetConfig.name)) extra.add(failure.appointmentId);
  const chunks = options.follow
    ? followChangedChunks({ source, feed: options.follow, pushedSeq: pushState.pushedSeq, extra, sizes: [...FIRST_CHUNKS, PUSH_CHUNK - FIRST_CHUNKS.reduce((sum, size) => sum + size, 0)], chunkSize: PUSH_CHUNK })
    : rampUp(planPushChunks({ source, known: repository, target: targetConfig.name, full, pushedSeq: pushState.pushedSeq, seqAtStart, extra, chunkSize: PUSH_CHUNK }));
  return { routes, calendars, ctags, configHash, seqAtStart, full, chunks, uncertain, drift };
}

function rampUp(planned: PlannedChunks): PushChunks {
  return { total: planned.total, chunks: rampUpChunks(planned.chunks, FIRST_CHUNKS) };
}

/** One target: resolve calendars, detect drift, plan and apply a chunk at a time, and move the target's cursor. */
export async function pushToTarget(options: PushOptions): Promise<PushResult> {
  const { targetConfig, repository } = options;
  const dryRun = options.dryRun ?? false;
  const log = options.logger.child({ target: targetConfig.name });
  const session = await openPush(options, log);
  const result: PushResult = {
    target: targetConfig.name,
    plan: { create: 0, update: 0, delete: 0, unchanged: 0 },
    full: session.full,
    driftRepaired: session.drift.affected.size,
    created: 0,
    updated: 0,
    deleted: 0,
    recovered: 0,
    failed: [],
    quarantined: [],
  };
  const seeded = new Map<string, SeededCalendar>();
  const stopped = await pushChunks(options, session, result, log, seeded);
  // The cursor moves only when every chunk was planned and applied: what failed is in caldav_failures
  // (retried), what was not reached is still after the old cursor.
  if (!stopped && !dryRun) {
    for (const [calendarKey, token] of session.drift.tokens) {
      // A seeded calendar keeps the token and getctag read after its seed (the server forgot the tokens
      // before it, and the getctag read before it is not the calendar's now).
      const seed = seeded.get(calendarKey);
      if (seed) repository.saveSyncToken(calendarKey, seed.syncToken, seed.ctag);
      else repository.saveSyncToken(calendarKey, token, session.ctags.get(calendarKey));
    }
    repository.savePushState(targetConfig.name, session.chunks.upTo?.() ?? session.seqAtStart, session.configHash);
  }
  return result;
}

/** The seeder of the calendars whose creates may go as one request each (push/plan-seed.ts), or none. */
async function createSeeder(
  options: PushOptions,
  session: PushSession,
  log: Logger,
  write: { writeEach: (actions: readonly SyncAction[]) => Promise<boolean>; onSettled: (action: SyncAction) => void },
): Promise<CalendarSeeder | undefined> {
  const { targetConfig, target, repository } = options;
  const pending = repository.listPendingOutbox(targetConfig.name);
  const candidates = session.routes
    .map((route) => route.calendarKey)
    .filter((calendarKey) => {
      return maySeedCalendar({
        enabled: targetConfig.seedEmptyCalendars,
        twoWay: targetConfig.twoWay || options.twoWay !== undefined,
        createdThisRun: session.calendars.get(calendarKey)?.created === true,
        supported: target.seedCalendar !== undefined && target.fetchSeedEtag !== undefined && target.acceptsSeed !== undefined,
        refused: hasRefusedSeed(target),
        knownObjects: repository.iterateKnownInCalendar(calendarKey, 1).next().done ? 0 : 1,
        pendingWrites: pending.filter((entry) => entry.calendarKey === calendarKey).length,
      });
    });
  if (candidates.length === 0) return undefined;
  const seedable = await selectSeedable(target, session.calendars, candidates, log);
  if (seedable.length === 0) return undefined;
  return createCalendarSeeder({
    target,
    calendars: session.calendars,
    routes: session.routes,
    seedable,
    repository,
    quarantine: options.quarantine,
    logger: log,
    ...write,
  });
}

/**
 * Appointments are rendered, planned and written a chunk at a time, so a full push over 100k
 * appointments holds one chunk's objects in memory, not the whole calendar's. The next chunk is planned
 * while the one before is being written (the planning yields between its groups), and its writes queue
 * behind that chunk's last ones, so the server is never left idle at a chunk's end: two chunks at most are
 * alive, and the target's write gate keeps the requests in flight at its concurrency. Returns whether it
 * stopped before the end (shutdown, or a chunk not written to the end).
 */
async function pushChunks(options: PushOptions, session: PushSession, result: PushResult, log: Logger, seeded: Map<string, SeededCalendar>): Promise<boolean> {
  const { config, targetConfig, target, repository, source } = options;
  const dryRun = options.dryRun ?? false;
  const { calendars, routes } = session;
  const drift = session.drift.drift;
  // Made at the first group planned: its zoned date loads ICU's time-zone data (~20 ms), which a run
  // with nothing to plan never needs.
  let render: RenderOptions | undefined;
  const progress = createPushProgress(`push ${targetConfig.name}`, session.chunks.total, options.onProgress);
  let planned = false;
  /** One group's plan: rendered, prepared and compared together, its renderings dropped afterwards. */
  const planGroup = (group: readonly number[]): SyncPlan => {
    const scope = new Set(group);
    const renderOptions = (render ??= createRenderOptions(config, options.now()));
    const rendered = source.getMany(group).flatMap(({ appointment, revision }) => planDesiredObjects(appointment, targetConfig, routes, { ...renderOptions, sequence: revision }));
    const groupKnown = [...repository.listKnownFor(targetConfig.name, group), ...session.uncertain.filter((object) => scope.has(object.appointmentId))];
    const { desired, known } = options.twoWay ? options.twoWay.prepare({ desired: rendered, known: groupKnown, drift, scope }) : { desired: rendered, known: groupKnown };
    if (!dryRun) options.quarantine?.releaseUnwanted(targetConfig.name, group, (calendarKey, uid) => desired.some((object) => object.calendarKey === calendarKey && object.uid === uid));
    return planSync({ desired, known, scope, drift });
  };
  /** Writes actions one request each; resolves whether it stopped before their end. */
  const writeEach = async (plan: SyncPlan): Promise<boolean> => {
    const applied = await applyPlan({ plan, target, calendars, repository, quarantine: options.quarantine, concurrency: targetConfig.concurrency, logger: log, shouldStop: options.shouldStop, onSettled: progress.settled });
    addApplied(result, applied);
    options.twoWay?.finish(plan, [...applied.failed, ...applied.quarantined]);
    return applied.created + applied.updated + applied.deleted + applied.failed.length + applied.quarantined.length < plan.actions.length;
  };
  const seeder = dryRun
    ? undefined
    : await createSeeder(options, session, log, {
        writeEach: (actions) => writeEach({ actions: [...actions], unchanged: 0 }),
        onSettled: (action) => {
          result.created += 1;
          progress.settled(action);
        },
      });
  /** Writes one chunk's plan (after the seeds it must follow); resolves whether it stopped before its end. */
  const applyChunk = async (plan: SyncPlan): Promise<boolean> => {
    if (seeder && (await seeder.before(plan.actions))) return true;
    return writeEach(plan);
  };
  let writing: Promise<boolean> | null = null;
  try {
    for await (const chunk of session.chunks.chunks) {
      if (options.shouldStop?.()) return true;
      const actions: SyncAction[] = [];
      let unchanged = 0;
      for (let start = 0; start < chunk.length; start += PLAN_GROUP) {
        // The chunk before is being written: let its answers in and its next writes out between groups.
        if (writing) await nextTurn();
        const groupPlan = planGroup(chunk.slice(start, start + PLAN_GROUP));
        actions.push(...groupPlan.actions);
        unchanged += groupPlan.unchanged;
      }
      const plan: SyncPlan = { actions, unchanged };
      planned = true;
      options.onPlan?.(plan, calendars);
      const counts = countActions(plan);
      for (const kind of ['create', 'update', 'delete', 'unchanged'] as const) result.plan[kind] += counts[kind];
      if (dryRun) continue;
      progress.planned(chunk.length, plan);
      // The seeder keeps the creates it gathers; they are written with their calendar's seed.
      const written: SyncPlan = seeder ? { actions: seeder.take(plan.actions), unchanged } : plan;
      if (written.actions.length === 0) {
        options.twoWay?.finish(plan, []);
        continue;
      }
      const previous = writing;
      writing = applyChunk(written);
      // Awaited below or in `finally`; until then its failure must not count as unhandled.
      writing.catch(() => undefined);
      // Settled (or failed) before this chunk's planning is read: a chunk that stopped ends the push.
      if (previous && (await previous)) return true;
    }
    if (!planned) options.onPlan?.({ actions: [], unchanged: 0 }, calendars);
    if (writing && (await writing)) return true;
    if (seeder && options.shouldStop?.()) return true;
    return await finishSeeds(seeder, seeded);
  } finally {
    // Never leave with writes in flight (the caller releases the lock and closes the store afterwards);
    // an error of the chunk still running is not lost: the first error is what the caller sees.
    if (writing) await writing.catch(() => undefined);
  }
}

/** Sends the seeds still gathering, after the last chunk's writes; resolves whether a write stopped early. */
async function finishSeeds(seeder: CalendarSeeder | undefined, seeded: Map<string, SeededCalendar>): Promise<boolean> {
  if (!seeder) return false;
  const stopped = await seeder.finish();
  for (const [calendarKey, state] of seeder.seeded) seeded.set(calendarKey, state);
  return stopped;
}

function addApplied(result: PushResult, applied: ApplyResult): void {
  result.created += applied.created;
  result.updated += applied.updated;
  result.deleted += applied.deleted;
  result.recovered += applied.recovered;
  result.failed.push(...applied.failed);
  result.quarantined.push(...applied.quarantined);
}
