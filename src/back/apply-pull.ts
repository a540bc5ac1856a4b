import type { Config, CaldavTargetConfig } from '../config/config-schema.js';
import type { RemoteObject } from '../caldav/calendar-target.js';
import type { AppointmentWrite } from '../domain/appointment-write.js';
import { describeError, failsEveryItem } from '../domain/classify-error.js';
import type { FailedItem } from '../domain/failed-item.js';
import type { KnownObject } from '../domain/known-object.js';
import type { Logger } from '../log/create-logger.js';
import type { OnOfficeClient } from '../onoffice/onoffice-client.js';
import type { CalendarRoute } from '../push/plan-desired-objects.js';
import { hashIcs } from '../push/plan-desired-objects.js';
import type { AppointmentRepository } from '../store/appointment-repository.js';
import type { CaldavStateRepository } from '../store/caldav-state-repository.js';
import type { TwoWayRepository } from '../store/two-way-repository.js';
import { createTwoWayAppointment, findLostCreate, sendTwoWayConfirmation, type CreateContext } from './create-two-way-appointment.js';
import { DUPLICATE_UID_REASON, type PendingIntent, type PullAction, type PullStep } from './plan-pull.js';
import { planCreateWrite } from './plan-two-way-write.js';
import { PullWaitsError } from './pull-waits-error.js';
import { reachFailpoint } from '../failpoint/reach-failpoint.js';

/** What the way back carried to onOffice in one run, per two-way target. */
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

export interface ApplyPullContext {
  readonly config: Config;
  readonly targetConfig: CaldavTargetConfig;
  readonly calendarKey: string;
  readonly route: CalendarRoute;
  readonly caldav: CaldavStateRepository;
  readonly twoWay: TwoWayRepository;
  readonly appointments: AppointmentRepository;
  readonly client: OnOfficeClient;
  readonly logger: Logger;
  readonly counts: TwoWayCounts;
  /** Appointments the push must leave alone this run; the applier adds to it. */
  readonly excluded: Set<number>;
}

/** What the push must do about the calendar after the pull: objects to overwrite and hrefs to re-create. */
export interface AppliedPull {
  readonly overwrite: RemoteObject[];
  readonly recreate: string[];
}

/**
 * Carries out the steps of planPull, one calendar object at a time. Creates go through the journal of
 * create-two-way-appointment (intent first, exactly once, confirmations never re-sent). A step that fails
 * is remembered by href and retried on the next run; a setup failure (credentials, clock) stops the pull.
 */
export async function applyPull(context: ApplyPullContext, steps: readonly PullStep[]): Promise<AppliedPull> {
  const { twoWay, calendarKey, counts, excluded } = context;
  const log = context.logger;
  const applied: AppliedPull = { overwrite: [], recreate: [] };
  const apply = createActionApplier(context, applied);
  for (const step of steps) {
    try {
      for (const action of step.actions) await apply(action);
    } catch (error) {
      if (failsEveryItem(error)) throw error;
      const appointmentId = step.known?.appointmentId ?? 0;
      if (appointmentId > 0) excluded.add(appointmentId);
      twoWay.markHref(calendarKey, step.href, step.object?.etag ?? null, 'retry', describeError(error));
      const action = step.known ? (step.object ? 'update' : 'delete') : 'create';
      counts.failed.push({ calendarKey, uid: step.known?.uid ?? step.href, appointmentId, action, error: describeError(error) });
      log.warn({ href: step.href, action, err: describeError(error) }, 'could not carry a calendar change to onOffice; it is retried on the next run');
    }
  }
  return applied;
}

// Long on purpose: one small handler per action kind (a switch) and their shared helpers, over one calendar's context.
function createActionApplier(context: ApplyPullContext, applied: AppliedPull): (action: PullAction) => Promise<void> {
  const { caldav, twoWay, client, config, targetConfig, calendarKey, route, counts, excluded } = context;
  const log = context.logger;
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

  const reportUnsupported = (uid: string, appointmentId: number, unsupported: readonly string[]): void => {
    if (unsupported.length === 0) {
      twoWay.clearReport(calendarKey, uid, '', 'unsupported');
      return;
    }
    counts.unsupported += 1;
    if (twoWay.report({ source: calendarKey, uid, kind: 'unsupported', appointmentId, message: unsupported.join('; ') })) {
      log.warn({ uid, appointmentId, unsupported }, 'event has parts onOffice cannot represent; the representable part was written');
    }
  };

  const recordEtag = (known: KnownObject, etag: string | null): void => {
    caldav.recordWritten({ ...known, etag });
    twoWay.clearHref(calendarKey, known.href);
  };

  const removeInOnOffice = async (appointmentId: number): Promise<void> => {
    if (targetConfig.deleteAction === 'cancel') {
      await client.modifyAppointment(appointmentId, { data: { status: 'canceled' } });
    } else {
      await client.deleteAppointment(appointmentId);
      context.appointments.markDeleted([appointmentId]);
    }
  };

  async function create(action: Extract<PullAction, { kind: 'create' }>): Promise<void> {
    const { planned, href } = action;
    const userId = await resolveUserId();
    const write = planCreateWrite(planned.data, userId === undefined ? {} : { userId });
    const outcome = await createTwoWayAppointment(createContext, { source: calendarKey, uid: planned.uid, recurrenceId: '', href, write });
    if (outcome.kind === 'failed') throw outcome.cause;
    if (outcome.kind === 'unknown') {
      counts.failed.push({ calendarKey, uid: planned.uid, appointmentId: 0, action: 'create', error: outcome.error });
      return;
    }
    const appointmentId = outcome.appointmentId;
    reachFailpoint('back.create-before-record');
    twoWay.transaction(() => {
      // The hash stands for the person's text, which no rendering of ours has: the push compares its
      // rendering with what we wrote (two_way_written) when the appointment's echo arrives.
      caldav.recordWritten({ calendarKey, uid: planned.uid, appointmentId, href, etag: action.etag, hash: `caldav:${hashIcs(action.ics)}` });
      twoWay.saveWritten(calendarKey, planned.uid, appointmentId, planned.data);
      twoWay.clearHref(calendarKey, href);
    });
    if (outcome.recovered) counts.recovered += 1;
    else counts.created += 1;
    reportUnsupported(planned.uid, appointmentId, planned.unsupported);
    log.info({ uid: planned.uid, appointmentId, recovered: outcome.recovered }, 'calendar event created in onOffice');
    if (action.confirm) {
      const sent = await sendTwoWayConfirmation(createContext, { source: calendarKey, uid: planned.uid, recurrenceId: '', appointmentId }, targetConfig.useDefaultMailAccount);
      if (sent === 'sent') counts.confirmations += 1;
    }
  }

  async function settleIntent(intent: PendingIntent): Promise<void> {
    const found = await findLostCreate(createContext, intent.write as unknown as AppointmentWrite, intent.startedAt);
    if (found !== null) {
      await removeInOnOffice(found);
      twoWay.addTombstone(targetConfig.name, found);
      counts.deleted += 1;
    }
    twoWay.dropCreation(calendarKey, intent.uid, intent.recurrenceId);
    log.info({ uid: intent.uid, appointmentId: found }, 'event with a create of unknown outcome was deleted from the calendar; settled');
  }

  return async (action: PullAction): Promise<void> => {
    switch (action.kind) {
      case 'overwrite':
        applied.overwrite.push(action.object);
        log.info({ href: action.object.href, reason: action.reason }, 'the calendar change is not taken; onOffice’s version is written back');
        return;
      case 'recreate':
        applied.recreate.push(action.href);
        return;
      case 'adopt':
        recordEtag(action.known, action.etag);
        return;
      case 'conflict':
        counts.conflicts += 1;
        twoWay.report({ source: calendarKey, uid: action.known.uid, kind: 'conflict', appointmentId: action.known.appointmentId, message: action.message });
        log.info({ uid: action.known.uid, appointmentId: action.known.appointmentId, winner: action.winner, policy: action.policy }, action.message);
        return;
      case 'modify': {
        const { known, write } = action;
        if (write !== null) {
          await client.modifyAppointment(known.appointmentId, write);
          counts.updated += 1;
          reportUnsupported(known.uid, known.appointmentId, action.unsupported);
        }
        twoWay.saveWritten(calendarKey, known.uid, known.appointmentId, action.data);
        recordEtag(known, action.etag);
        excluded.add(known.appointmentId);
        log.info({ uid: known.uid, appointmentId: known.appointmentId, fields: Object.keys(write?.data ?? {}) }, 'calendar edit written to onOffice');
        return;
      }
      case 'delete':
      case 'cancel': {
        const { known } = action;
        if (action.inOnOffice) {
          await removeInOnOffice(known.appointmentId);
          counts.deleted += 1;
          log.info({ uid: known.uid, appointmentId: known.appointmentId, action: action.kind }, 'calendar deletion written to onOffice');
        }
        twoWay.transaction(() => {
          caldav.recordDeleted(calendarKey, known.uid);
          twoWay.dropWritten(calendarKey, known.uid);
          twoWay.addTombstone(targetConfig.name, known.appointmentId);
          twoWay.clearHref(calendarKey, known.href);
        });
        excluded.add(known.appointmentId);
        return;
      }
      case 'create':
        return create(action);
      case 'ignore':
        twoWay.markHref(calendarKey, action.href, action.etag, 'ignored', action.reason);
        if (action.report && twoWay.report({ source: calendarKey, uid: action.report.uid, kind: 'unsupported', appointmentId: null, message: action.report.message })) {
          log.warn({ uid: action.report.uid, href: action.href }, action.report.message);
        }
        if (action.reason === DUPLICATE_UID_REASON) log.warn({ href: action.href }, 'a second calendar object carries the UID of an event already synced; it is left alone');
        return;
      case 'wait':
        throw new PullWaitsError(action.known.appointmentId, action.change);
      case 'forget':
        twoWay.clearHref(calendarKey, action.href);
        return;
      case 'settle-intent':
        return settleIntent(action.intent);
    }
  };
}
