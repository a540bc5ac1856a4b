import type { AppointmentSource } from '../domain/appointment-source.js';
import type { Config, CaldavTargetConfig } from '../config/config-schema.js';
import type { CalendarRef, CalendarTarget } from '../caldav/calendar-target.js';
import type { Logger } from '../log/create-logger.js';
import type { OnOfficeClient } from '../onoffice/onoffice-client.js';
import type { AppointmentRepository } from '../store/appointment-repository.js';
import type { CaldavStateRepository } from '../store/caldav-state-repository.js';
import type { TwoWayRepository } from '../store/two-way-repository.js';
import type { FailedItem } from '../domain/failed-item.js';
import type { KnownObject } from '../domain/known-object.js';
import type { TwoWayData } from '../domain/two-way-data.js';
import { planCalendarRoutes } from '../push/plan-desired-objects.js';
import { objectKey, type DesiredObject, type Drift, type SyncPlan } from '../push/plan-sync.js';
import type { PullStep } from './plan-pull.js';
import { isSameTwoWayData, type EventRules } from './plan-two-way-write.js';
import { createTwoWayCounts, type TwoWayCounts } from './apply-pull.js';
import { pullCalendarChanges } from './pull-calendar-changes.js';
import { createRenderOptions, type PushTwoWay } from '../push/push-to-target.js';
import { isOwnUid, planObjectData, renderTwoWayObject, type RenderContext } from './render-two-way-object.js';

export interface TwoWayHooksOptions {
  readonly config: Config;
  readonly targetConfig: CaldavTargetConfig;
  readonly target: CalendarTarget;
  readonly caldav: CaldavStateRepository;
  readonly twoWay: TwoWayRepository;
  readonly appointments: AppointmentRepository;
  readonly source: AppointmentSource;
  readonly client: OnOfficeClient;
  readonly logger: Logger;
  readonly now: () => Date;
  readonly forceDelete?: boolean;
  /** Plan the pull and hand it to onPullPlan, carrying nothing out. */
  readonly dryRun?: boolean;
  readonly onPullPlan?: (calendarKey: string, steps: readonly PullStep[]) => void;
}

export interface TwoWayHooks extends PushTwoWay {
  readonly counts: TwoWayCounts;
}


/**
 * The two-way part of one target's push: the pull before it, and what the push must do differently.
 * prepare() (writes nothing; finish() records what it recognised):
 * - leaves alone the appointments the pull just wrote to onOffice (their stored version is stale until
 *   the echo is polled), those a person removed (tombstones), and calendar events whose appointment the
 *   poll has not seen yet (a fresh create: the push would otherwise delete the person's event);
 * - renders appointments mapped to a person's event under that event's UID and href, and never deletes
 *   such an event only because the target's arts/private filters leave its appointment out;
 * - recognises echoes: where the push would rewrite an object only because onOffice now holds what we
 *   wrote there from the calendar, nothing is sent and finish() records the new rendering as written.
 */
// Long on purpose: a factory of the push's three hooks (pull, prepare, finish), each short, over one target's shared context.
export function createTwoWayHooks(options: TwoWayHooksOptions): TwoWayHooks {
  const { config, targetConfig, caldav, twoWay, source } = options;
  const log = options.logger.child({ target: targetConfig.name, module: 'two-way' });
  const counts = createTwoWayCounts();
  const routes = planCalendarRoutes(targetConfig);
  const rules: EventRules = { zone: config.timezone, defaultArt: targetConfig.defaultArt, categoryArts: targetConfig.categoryArts };
  const renderContext: RenderContext = { config, targetConfig, routes, render: createRenderOptions(config, options.now()), revisionOf: (id) => source.getRevision(id) };
  const unfilteredContext: RenderContext = { ...renderContext, targetConfig: { ...targetConfig, arts: [], private: 'full' } };
  let pulledExcluded: ReadonlySet<number> = new Set();
  /** Echoes prepare() recognised: recorded by finish(), so planning writes nothing (dry runs plan too). */
  let adoptions: Array<{ readonly object: KnownObject; readonly data: TwoWayData }> = [];

  async function pull(calendars: ReadonlyMap<string, CalendarRef>) {
    const pulled = await pullCalendarChanges(
      {
        config,
        targetConfig,
        target: options.target,
        routes,
        caldav,
        twoWay,
        appointments: options.appointments,
        client: options.client,
        logger: log,
        now: options.now,
        renderContext,
        readAppointment: (id) => source.getAppointment(id),
        forceDelete: options.forceDelete ?? false,
        ...(options.dryRun ? { dryRun: true } : {}),
        ...(options.onPullPlan ? { onPlan: options.onPullPlan } : {}),
      },
      calendars,
      counts,
    );
    pulledExcluded = pulled.excluded;
    return pulled;
  }

  function prepare(input: { desired: DesiredObject[]; known: KnownObject[]; drift: ReadonlyMap<string, Drift>; scope: ReadonlySet<number> | 'all' }): { desired: DesiredObject[]; known: KnownObject[] } {
    const excluded = new Set<number>([...pulledExcluded, ...twoWay.listTombstones(targetConfig.name)]);
    const inScope = (id: number): boolean => input.scope === 'all' || input.scope.has(id);
    const people = input.known.filter((object) => inScope(object.appointmentId) && !isOwnUid(object.uid, config.ical.uidDomain));
    for (const object of people) if (options.appointments.get(object.appointmentId) === undefined) excluded.add(object.appointmentId);
    const protectedKeys = new Set<string>();
    const wanted = new Set(input.desired.map((object) => objectKey(object.calendarKey, String(object.appointmentId))));
    const remapped: DesiredObject[] = [];
    for (const mapped of people) {
      if (excluded.has(mapped.appointmentId)) continue;
      const appointmentKey = objectKey(mapped.calendarKey, String(mapped.appointmentId));
      const appointment = source.getAppointment(mapped.appointmentId);
      if (wanted.has(appointmentKey)) {
        const object = appointment && renderTwoWayObject(renderContext, appointment, mapped.calendarKey, mapped.uid, mapped.href);
        if (object) remapped.push(object);
        continue;
      }
      // Filtered out by the target's arts/private settings but still routed here: a person's own event is
      // not deleted for that (only for a deletion, a cancellation under `remove`, or a move to another calendar).
      if (appointment && renderTwoWayObject(unfilteredContext, appointment, mapped.calendarKey, mapped.uid, mapped.href)) protectedKeys.add(objectKey(mapped.calendarKey, mapped.uid));
    }
    const replaced = new Set(remapped.map((object) => objectKey(object.calendarKey, String(object.appointmentId))));
    const desired = [
      ...input.desired.filter((object) => !excluded.has(object.appointmentId) && !replaced.has(objectKey(object.calendarKey, String(object.appointmentId)))),
      ...remapped,
    ];
    const known = input.known.filter((object) => !excluded.has(object.appointmentId) && !protectedKeys.has(objectKey(object.calendarKey, object.uid)));

    const byKey = new Map(known.map((object, index) => [objectKey(object.calendarKey, object.uid), index]));
    for (const object of desired) {
      const index = byKey.get(objectKey(object.calendarKey, object.uid));
      const mine = index === undefined ? undefined : known[index];
      if (!mine || index === undefined || mine.hash === object.hash) continue;
      const drift = input.drift.get(mine.calendarKey);
      if (drift?.changed.has(mine.href) || drift?.deleted.has(mine.href)) continue;
      const written = twoWay.readWritten(mine.calendarKey, mine.uid);
      if (!written) continue;
      const data = planObjectData(object.ics, rules);
      if (data === null || !isSameTwoWayData(data, written.data)) continue;
      const adopted = { ...mine, hash: object.hash };
      adoptions.push({ object: adopted, data });
      known[index] = adopted;
      log.debug({ uid: mine.uid, appointmentId: mine.appointmentId }, 'onOffice returned what the calendar holds (our echo); nothing to write');
    }
    return { desired, known };
  }

  function finish(plan: SyncPlan, failed: readonly FailedItem[]): void {
    const echoes = adoptions;
    adoptions = [];
    twoWay.transaction(() => {
      for (const { object, data } of echoes) {
        caldav.recordWritten(object);
        twoWay.saveWritten(object.calendarKey, object.uid, object.appointmentId, data);
      }
    });
    const failedKeys = new Set(failed.map((item) => objectKey(item.calendarKey, item.uid)));
    const touched = plan.actions.filter((action) => !failedKeys.has(objectKey(action.calendarKey, action.uid)));
    const now = new Map(caldav.listKnownFor(targetConfig.name, new Set(touched.map((action) => action.appointmentId))).map((object) => [objectKey(object.calendarKey, object.uid), object]));
    for (const action of touched) {
      const held = now.get(objectKey(action.calendarKey, action.uid));
      if (action.kind === 'delete') {
        if (held === undefined) twoWay.dropWritten(action.calendarKey, action.uid);
        continue;
      }
      if (held?.hash !== action.hash) continue;
      // What the calendar holds now, in onOffice's terms: the base the next pull compares against.
      const data = planObjectData(action.ics, rules);
      if (data) twoWay.saveWritten(action.calendarKey, action.uid, action.appointmentId, data);
    }
  }

  return { counts, pull, prepare, finish };
}
