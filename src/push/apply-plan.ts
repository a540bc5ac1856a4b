import { CaldavConflictError, CaldavNotFoundError, CaldavPreconditionError } from '../caldav/caldav-errors.js';
import { describeError, failsEveryItem } from '../domain/classify-error.js';
import type { Logger } from '../log/create-logger.js';
import type { CalendarRef, CalendarTarget, RemoteObject } from '../caldav/calendar-target.js';
import { resolveObjectUrl } from '../caldav/normalise-href.js';
import { isPermanentRefusal } from '../caldav/caldav-errors.js';
import type { CaldavQuarantineRepository } from '../store/caldav-quarantine-repository.js';
import type { CaldavStateRepository } from '../store/caldav-state-repository.js';
import type { FailedItem } from '../domain/failed-item.js';
import type { SyncAction, SyncPlan } from './plan-sync.js';
import { hashIcs } from './plan-desired-objects.js';
import { reachFailpoint } from '../failpoint/reach-failpoint.js';
import { UnresolvedCalendarError } from './unresolved-calendar-error.js';
import { createGroupCommit } from '../store/create-group-commit.js';

export interface ApplyResult {
  created: number;
  updated: number;
  deleted: number;
  /** 412/404/conflict recoveries: the server held something else than we thought; onOffice won. */
  recovered: number;
  failed: FailedItem[];
  /** Refused for good by the server (now or, with the same rendering, before): not retried. */
  quarantined: FailedItem[];
}

export interface ApplyPlanOptions {
  readonly plan: SyncPlan;
  readonly target: CalendarTarget;
  readonly calendars: ReadonlyMap<string, CalendarRef>;
  readonly repository: CaldavStateRepository;
  readonly quarantine?: CaldavQuarantineRepository;
  readonly concurrency: number;
  readonly logger: Logger;
  /** Checked before each item: once it returns true no new item starts (graceful shutdown). */
  readonly shouldStop?: () => boolean;
  /** After each item, written or failed (per-object progress). */
  readonly onSettled?: (action: SyncAction) => void;
}

/**
 * Carries a plan out against one target, `concurrency` requests at a time. Every item is journalled
 * before its request and recorded with its outcome in one transaction, so a kill at any moment leaves
 * at most the in-flight items uncertain — and each of them resolves itself on the next run: a repeated
 * create meets 412 and adopts the object, a repeated delete meets 404 and counts as done.
 *
 * The journal entries and outcomes of one turn of the event loop share a commit (create-group-commit.ts):
 * an item's request goes out once its entry is committed, and its outcome is committed with the entries
 * of the items that follow it, so an outcome not yet committed when the process is killed leaves its
 * item journalled: uncertain, and settled the same way on the next run.
 */
export async function applyPlan(options: ApplyPlanOptions): Promise<ApplyResult> {
  const { plan, target, calendars, repository, logger } = options;
  const result: ApplyResult = { created: 0, updated: 0, deleted: 0, recovered: 0, failed: [], quarantined: [] };
  const quarantine = options.quarantine;
  const queue = [...plan.actions];
  const journal = createGroupCommit((work) => repository.transaction(work));
  // A commit that failed fails the plan as the journal failing does: no write starts after it.
  let journalFailure: { readonly error: unknown } | undefined;
  const record = (write: () => void): void => {
    journal.commit(write).catch((error: unknown) => (journalFailure ??= { error }));
  };

  const runOne = async (action: SyncAction): Promise<void> => {
    const calendar = calendars.get(action.calendarKey);
    if (!calendar) throw new UnresolvedCalendarError(action.calendarKey);
    const href = action.kind === 'create' ? resolveObjectUrl(calendar.url, action.filename) : action.href;
    const item = { calendarKey: action.calendarKey, uid: action.uid, appointmentId: action.appointmentId, action: action.kind };
    if (action.kind !== 'delete' && quarantine?.holds(action.calendarKey, action.uid, action.hash)) {
      result.quarantined.push({ ...item, error: 'refused by the server before; not sent again until it changes' });
      return;
    }
    const outboxId = await journal.commit(() => repository.beginOutbox({ calendarKey: action.calendarKey, uid: action.uid, appointmentId: action.appointmentId, action: action.kind, href }));
    try {
      if (action.kind === 'delete') {
        reachFailpoint('push.before-delete');
        await deleteWithRecovery(target, calendar, action.href, action.etag, () => (result.recovered += 1));
        reachFailpoint('push.after-delete');
        record(() => {
          repository.recordDeleted(action.calendarKey, action.uid);
          quarantine?.release(action.calendarKey, action.uid);
        });
        result.deleted += 1;
        return;
      }
      reachFailpoint('push.before-put');
      const written =
        action.kind === 'create'
          ? await createWithRecovery(target, calendar, action.filename, action.uid, action.ics, logger, () => (result.recovered += 1))
          : await updateWithRecovery(target, calendar, action.href, action.etag, action.ics, logger, () => (result.recovered += 1));
      reachFailpoint('push.after-put');
      record(() => {
        repository.recordWritten({ calendarKey: action.calendarKey, uid: action.uid, appointmentId: action.appointmentId, href: written.href, etag: written.etag, hash: action.hash });
        quarantine?.release(action.calendarKey, action.uid);
      });
      if (action.kind === 'create') result.created += 1;
      else result.updated += 1;
    } catch (error) {
      const message = describeError(error);
      if (quarantine && action.kind !== 'delete' && isPermanentRefusal(error)) {
        record(() => quarantine.record({ ...item, hash: action.hash, status: error.status, serverText: error.serverText || error.detail, error: message }, outboxId));
        result.quarantined.push({ ...item, error: message });
        logger.warn({ uid: action.uid, action: action.kind, status: error.status, err: message }, 'the server refused the object for good; quarantined until it changes');
        return;
      }
      record(() => repository.recordFailure({ calendarKey: action.calendarKey, uid: action.uid, appointmentId: action.appointmentId, action: action.kind, error: message }, outboxId));
      result.failed.push({ calendarKey: action.calendarKey, uid: action.uid, appointmentId: action.appointmentId, action: action.kind, error: message });
      logger.warn({ uid: action.uid, action: action.kind, err: message }, 'could not write object; it is retried on the next run');
      if (failsEveryItem(error)) throw error;
    } finally {
      options.onSettled?.(action);
    }
  };

  // A failure that fails every item (credentials) or the journal itself stops new writes at once; the
  // writes already in flight are awaited and recorded before it is thrown, so the caller never releases
  // the lock or closes the store under them.
  let fatal: { readonly error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    for (;;) {
      fatal ??= journalFailure;
      if (fatal || options.shouldStop?.()) return;
      const action = queue.shift();
      if (!action) return;
      try {
        await runOne(action);
      } catch (error) {
        fatal ??= { error };
        return;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, queue.length)) }, worker));
  // Every outcome queued is committed (commits run in order) before the plan returns.
  await journal.commit(() => undefined).catch(() => undefined);
  fatal ??= journalFailure;
  if (fatal) throw fatal.error;
  return result;
}

async function createWithRecovery(
  target: CalendarTarget,
  calendar: CalendarRef,
  filename: string,
  uid: string,
  ics: string,
  logger: Logger,
  onRecovered: () => void,
): Promise<{ href: string; etag: string | null }> {
  try {
    return await target.createObject(calendar, filename, ics);
  } catch (error) {
    // The object exists already: written by a run that was killed before recording it, or by someone
    // else under our UID. onOffice is the source of truth, so take the object over.
    if (error instanceof CaldavPreconditionError) {
      onRecovered();
      const href = resolveObjectUrl(calendar.url, filename);
      return overwrite(target, calendar, href, ics, logger, 'existed already');
    }
    if (error instanceof CaldavConflictError && error.uidConflict) {
      // Our UID under another name: a write of a killed run that landed after the next run had looked
      // (or someone else's copy). A server that does not name the object (Radicale) is asked by UID.
      // The object found by UID comes with its data, so it is not fetched again.
      const found = error.existingHref === null ? await target.findObjectByUid(calendar, uid) : null;
      const existingHref = error.existingHref ?? found?.href;
      if (existingHref === undefined) throw error;
      onRecovered();
      return overwrite(target, calendar, existingHref, ics, logger, 'UID already used at another href', found);
    }
    throw error;
  }
}

async function updateWithRecovery(
  target: CalendarTarget,
  calendar: CalendarRef,
  href: string,
  etag: string | null,
  ics: string,
  logger: Logger,
  onRecovered: () => void,
): Promise<{ href: string; etag: string | null }> {
  try {
    return await target.updateObject(calendar, href, ics, etag);
  } catch (error) {
    if (error instanceof CaldavPreconditionError) {
      onRecovered();
      return overwrite(target, calendar, href, ics, logger, 'changed on the server (412)');
    }
    if (error instanceof CaldavNotFoundError) {
      onRecovered();
      logger.info({ href }, 'object was deleted on the server; re-creating it');
      return target.createObject(calendar, filenameOf(href), ics);
    }
    throw error;
  }
}

/** Read (unless the caller just did), compare, and overwrite unless the server already holds exactly our text. */
async function overwrite(
  target: CalendarTarget,
  calendar: CalendarRef,
  href: string,
  ics: string,
  logger: Logger,
  why: string,
  /** The object at `href` as just read, when the caller has it. */
  read: RemoteObject | null = null,
): Promise<{ href: string; etag: string | null }> {
  const current = read ?? (await target.fetchObjects(calendar, [href]))[0];
  if (!current) return target.createObject(calendar, filenameOf(href), ics);
  if (current.data !== undefined && hashIcs(current.data) === hashIcs(ics)) {
    logger.info({ href, why }, 'server already holds our version; adopted');
    return { href: current.href, etag: current.etag };
  }
  logger.info({ href, why }, 'overwriting the server copy with onOffice’s version');
  return target.updateObject(calendar, current.href, ics, current.etag);
}

async function deleteWithRecovery(
  target: CalendarTarget,
  calendar: CalendarRef,
  href: string,
  etag: string | null,
  onRecovered: () => void,
): Promise<void> {
  try {
    await target.deleteObject(calendar, href, etag);
  } catch (error) {
    if (error instanceof CaldavNotFoundError) return;
    if (error instanceof CaldavPreconditionError) {
      onRecovered();
      const [current] = await target.fetchObjects(calendar, [href]);
      if (!current) return;
      await target.deleteObject(calendar, current.href, current.etag);
      return;
    }
    throw error;
  }
}

function filenameOf(href: string): string {
  return decodeURIComponent(href.slice(href.lastIndexOf('/') + 1));
}
