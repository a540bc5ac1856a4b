import type { ImportConfig } from '../config/config-schema.js';
import { describeError, failsEveryItem } from '../domain/classify-error.js';
import type { FailedItem } from '../domain/failed-item.js';
import type { Logger } from '../log/create-logger.js';
import type { OnOfficeClient } from '../onoffice/onoffice-client.js';
import { NOT_FOUND_ERROR_CODE, OnOfficeActionError } from '../onoffice/onoffice-errors.js';
import type { AppointmentRepository } from '../store/appointment-repository.js';
import type { TwoWayRepository } from '../store/two-way-repository.js';
import { reachFailpoint } from '../failpoint/reach-failpoint.js';
import { createTwoWayAppointment, sendTwoWayConfirmation, type CreateContext } from './create-two-way-appointment.js';
import { importSource, parseImportKey, type ImportPlan } from './plan-import.js';
import type { PullAction } from './plan-pull.js';
import { planCreateWrite } from './plan-two-way-write.js';

/** What one ICS import did (or, in a dry run, found). */
export interface ImportResult {
  readonly name: string;
  notModified: boolean;
  events: number;
  created: number;
  updated: number;
  deleted: number;
  unsupported: number;
  confirmations: number;
  recovered: number;
  failed: FailedItem[];
}

export interface ApplyImportContext {
  readonly feed: ImportConfig;
  readonly client: OnOfficeClient;
  readonly twoWay: TwoWayRepository;
  readonly appointments: AppointmentRepository;
  /** Who the appointments are created for besides the import's user (the poll's scope). */
  readonly participants: CreateContext['participants'];
  readonly logger: Logger;
  readonly result: ImportResult;
}

/**
 * Carries out an import's plan, one feed event at a time, with the way back's journal discipline:
 * creates go through create-two-way-appointment (intent first, exactly once, confirmations never
 * re-sent), and an event is recorded only after onOffice took it. A step that fails is counted and
 * retried with the next fetch (the caller then keeps the old validators); a setup failure stops the import.
 */
export async function applyImport(context: ApplyImportContext, plan: ImportPlan): Promise<void> {
  for (const step of plan.steps) {
    const { uid, recurrenceId } = parseImportKey(step.href);
    const item = { uid, recurrenceId, appointmentId: step.known?.appointmentId ?? 0, action: (step.known ? (step.object ? 'update' : 'delete') : 'create') as FailedItem['action'] };
    try {
      for (const action of step.actions) await applyImportAction(context, item, action);
    } catch (error) {
      failImportItem(context, item, error);
    }
  }
}

interface ImportItem {
  readonly uid: string;
  readonly recurrenceId: string;
  readonly appointmentId: number;
  readonly action: FailedItem['action'];
}

function failImportItem(context: ApplyImportContext, item: ImportItem, error: unknown): void {
  if (failsEveryItem(error)) throw error;
  const { uid, recurrenceId, appointmentId, action } = item;
  context.result.failed.push({ calendarKey: importSource(context.feed.name), uid: recurrenceId ? `${uid} ${recurrenceId}` : uid, appointmentId, action, error: describeError(error) });
  context.logger.warn({ uid, recurrenceId, action, err: describeError(error) }, 'could not carry a feed event to onOffice; it is retried on the next fetch');
}

/** Records (or clears) the report of what onOffice cannot represent of the event. */
function reportUnsupported(context: ApplyImportContext, item: ImportItem, appointmentId: number, unsupported: readonly string[]): void {
  const source = importSource(context.feed.name);
  const { uid, recurrenceId } = item;
  if (unsupported.length === 0) {
    context.twoWay.clearReport(source, uid, recurrenceId, 'unsupported');
    return;
  }
  context.result.unsupported += 1;
  if (context.twoWay.report({ source, uid, recurrenceId, kind: 'unsupported', appointmentId, message: unsupported.join('; ') })) {
    context.logger.warn({ uid, appointmentId, unsupported }, 'feed event has parts onOffice cannot represent; the representable part was written');
  }
}

/** The import's plans hold creates, modifies, deletes/cancels, adopts and ignores only (no onOffice side, no pending creates per href). */
async function applyImportAction(context: ApplyImportContext, item: ImportItem, action: PullAction): Promise<void> {
  switch (action.kind) {
    case 'create':
      return createFromFeed(context, item, action);
    case 'modify':
      return modifyFromFeed(context, item, action);
    case 'delete':
    case 'cancel':
      return removeGoneFromFeed(context, item, action);
    default:
      // adopt: the event says what we wrote (nothing to do); ignore: ended before the horizon.
      return;
  }
}

async function createFromFeed(context: ApplyImportContext, item: ImportItem, action: Extract<PullAction, { kind: 'create' }>): Promise<void> {
  const { feed, twoWay, result, logger: log } = context;
  const { planned } = action;
  const source = importSource(feed.name);
  const createContext: CreateContext = { client: context.client, repository: twoWay, logger: log, participants: context.participants };
  const write = planCreateWrite(planned.data, { origin: true, ...(feed.userId === undefined ? {} : { userId: feed.userId }) });
  const outcome = await createTwoWayAppointment(createContext, { source, uid: item.uid, recurrenceId: item.recurrenceId, href: null, write });
  if (outcome.kind !== 'created') {
    failImportItem(context, item, outcome.error);
    return;
  }
  reachFailpoint('import.before-save');
  twoWay.saveImportEvent(feed.name, { uid: item.uid, recurrenceId: item.recurrenceId, appointmentId: outcome.appointmentId, data: planned.data, endsAt: planned.endsAt });
  if (outcome.recovered) result.recovered += 1;
  else result.created += 1;
  reportUnsupported(context, item, outcome.appointmentId, planned.unsupported);
  log.info({ uid: item.uid, appointmentId: outcome.appointmentId }, 'feed event imported');
  // planPull asks for a confirmation only of an event that is not over (it would only confuse its recipient).
  if (action.confirm) {
    const sent = await sendTwoWayConfirmation(createContext, { source, uid: item.uid, recurrenceId: item.recurrenceId, appointmentId: outcome.appointmentId }, feed.useDefaultMailAccount);
    if (sent === 'sent') result.confirmations += 1;
  }
}

async function modifyFromFeed(context: ApplyImportContext, item: ImportItem, action: Extract<PullAction, { kind: 'modify' }>): Promise<void> {
  const { feed, twoWay, result, logger: log } = context;
  const { known, write } = action;
  if (write === null) return;
  try {
    await context.client.modifyAppointment(known.appointmentId, write);
  } catch (error) {
    if (error instanceof OnOfficeActionError && error.code === NOT_FOUND_ERROR_CODE) {
      twoWay.dismissImportEvent(feed.name, item.uid, item.recurrenceId);
      log.info({ uid: item.uid, appointmentId: known.appointmentId }, 'imported appointment was deleted in onOffice; the event is not imported again');
      return;
    }
    throw error;
  }
  twoWay.saveImportEvent(feed.name, { uid: item.uid, recurrenceId: item.recurrenceId, appointmentId: known.appointmentId, data: action.data, endsAt: action.endsAt });
  result.updated += 1;
  reportUnsupported(context, item, known.appointmentId, action.unsupported);
  log.info({ uid: item.uid, appointmentId: known.appointmentId, fields: Object.keys(write.data) }, 'feed change written to onOffice');
}

async function removeGoneFromFeed(context: ApplyImportContext, item: ImportItem, action: Extract<PullAction, { kind: 'delete' | 'cancel' }>): Promise<void> {
  const { feed, client } = context;
  const { appointmentId } = action.known;
  if (action.inOnOffice) {
    if (action.kind === 'cancel') {
      await cancelIgnoringMissing(client, appointmentId);
    } else {
      await client.deleteAppointment(appointmentId);
      context.appointments.markDeleted([appointmentId]);
    }
    context.result.deleted += 1;
    context.logger.info({ uid: item.uid, appointmentId, action: action.kind }, 'event gone from the feed; appointment removed');
  }
  context.twoWay.dropImportEvent(feed.name, item.uid, item.recurrenceId);
}

async function cancelIgnoringMissing(client: OnOfficeClient, appointmentId: number): Promise<void> {
  try {
    await client.modifyAppointment(appointmentId, { data: { status: 'canceled' } });
  } catch (error) {
    if (error instanceof OnOfficeActionError && error.code === NOT_FOUND_ERROR_CODE) return;
    throw error;
  }
}
