import { randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import { describeError, failsEveryItem } from '../domain/classify-error.js';
import type { Logger } from '../log/create-logger.js';
import type { AppointmentWrite } from '../domain/appointment-write.js';
import type { OnOfficeClient, ReadCalendarParams } from '../onoffice/onoffice-client.js';
import { OnOfficeActionError, OnOfficeProtocolError } from '../onoffice/onoffice-errors.js';
import type { TwoWayRepository } from '../store/two-way-repository.js';
import { reachFailpoint } from '../failpoint/reach-failpoint.js';

/*
 * Exactly-once creates. onOffice has no idempotency key and the client does not repeat a create after a
 * timeout or a 5xx (it may have taken effect), so every create is journalled:
 *
 * 1. Before `create calendar` an intent is stored: source, UID, RECURRENCE-ID, a fresh marker (for the
 *    logs) and the exact parameters sent. 2. The answer's id completes it in one statement.
 * 3. An action error means onOffice refused the create: the intent is dropped, the event is retried on
 *    the next run. Any other failure (timeout, 5xx, a lost or garbled answer, a crash) leaves the intent
 *    pending: the outcome is unknown.
 * 4. Before creating anything for an event with a pending intent, onOffice is read over the days around
 *    the intended start, and an appointment with exactly the intended description, start, end, all-day
 *    flag and note, modified no earlier than shortly before the intent, and not yet mapped to any other
 *    event, is taken as the lost create (the lowest id if there are several). Only when there is none is
 *    the appointment created again.
 *
 * Why no marker inside the appointment: the only free text fields (description, note) are shown to
 * people and synced into their calendars; a token there would leak into every client and back. The
 * match on content plus the time window can only mistake an identical appointment someone created in
 * the same minutes for ours — which leaves onOffice with the same content, not a duplicate.
 *
 * Confirmations (`do appointmentAffirmation`) mail a customer and cannot be looked up, so they are sent at
 * most once: state 'pending' is stored before the request and 'sent'/'failed' after it. A 'pending' found
 * later (a crash in between) and a lost answer both become 'unknown', which is reported and never resent
 * automatically: mailing a customer twice is worse than once not at all.
 */

/** Intents older than this before the appointment's `modified` cannot be its create (clock skew allowance). */
const CLOCK_ALLOWANCE_MINUTES = 10;

export interface CreateContext {
  readonly client: Pick<OnOfficeClient, 'createAppointment' | 'readCalendarBatch' | 'sendAppointmentConfirmation'>;
  readonly repository: TwoWayRepository;
  readonly logger: Logger;
  /** Participants of the recovery read (the poll's). */
  readonly participants: Pick<ReadCalendarParams, 'allusers' | 'users' | 'groups'>;
}

export type CreateOutcome =
  | { readonly kind: 'created'; readonly appointmentId: number; readonly recovered: boolean }
  | { readonly kind: 'unknown'; readonly error: string }
  | { readonly kind: 'failed'; readonly error: string; readonly cause: OnOfficeActionError };

export interface CreateRequest {
  readonly source: string;
  readonly uid: string;
  readonly recurrenceId: string;
  readonly href: string | null;
  readonly write: AppointmentWrite;
}


/** Creates the appointment for an event at most once; see the notes above. */
export async function createTwoWayAppointment(context: CreateContext, request: CreateRequest): Promise<CreateOutcome> {
  const { repository, logger } = context;
  const { source, uid, recurrenceId } = request;
  const previous = repository.readCreation(source, uid, recurrenceId);
  if (previous?.state === 'created' && previous.appointmentId !== null) return { kind: 'created', appointmentId: previous.appointmentId, recovered: true };
  if (previous?.state === 'pending') {
    const found = await findLostCreate(context, previous.write as unknown as AppointmentWrite, previous.startedAt);
    if (found !== null) {
      repository.completeCreation(source, uid, recurrenceId, found);
      logger.info({ source, uid, marker: previous.marker, appointmentId: found }, 'a create whose answer was lost had taken effect; adopted the appointment');
      return { kind: 'created', appointmentId: found, recovered: true };
    }
    logger.info({ source, uid, marker: previous.marker }, 'a create whose answer was lost had not taken effect; creating it now');
  }
  const marker = randomUUID();
  repository.beginCreation({ source, uid, recurrenceId, marker, href: request.href, write: request.write });
  try {
    const appointmentId = await context.client.createAppointment(request.write);
    reachFailpoint('back.create-before-settle');
    repository.completeCreation(source, uid, recurrenceId, appointmentId);
    return { kind: 'created', appointmentId, recovered: false };
  } catch (error) {
    if (error instanceof OnOfficeActionError) {
      repository.dropCreation(source, uid, recurrenceId);
      return { kind: 'failed', error: describeError(error), cause: error };
    }
    if (failsEveryItem(error)) {
      // Refused before any action ran: nothing was created, and nothing else will work either.
      repository.dropCreation(source, uid, recurrenceId);
      throw error;
    }
    logger.warn({ source, uid, marker, err: describeError(error) }, 'create answered with no usable result; the next run looks for it before creating again');
    return { kind: 'unknown', error: describeError(error) };
  }
}

/** The appointment a pending (lost) create made, or null when it made none. */
export async function findLostCreate(context: CreateContext, write: AppointmentWrite, startedAt: string): Promise<number | null> {
  const data = write.data;
  const start = String(data.start_dt ?? '');
  const day = DateTime.fromFormat(start.slice(0, 10), 'yyyy-MM-dd');
  if (!day.isValid) return null;
  const [page] = await context.client.readCalendarBatch([
    { ...context.participants, showcancelled: true, datestart: day.minus({ days: 1 }).toISODate()!, dateend: day.plus({ days: 1 }).toISODate()! },
  ]);
  if (!page || page instanceof OnOfficeActionError) throw page ?? new OnOfficeProtocolError('read calendar', 'the onOffice API', 'no answer to the recovery read of a lost create');
  const earliest = DateTime.fromISO(startedAt, { zone: 'utc' }).minus({ minutes: CLOCK_ALLOWANCE_MINUTES }).toFormat('yyyy-MM-dd HH:mm:ss');
  const mapped = context.repository.listMappedAppointmentIds();
  const wall = (value: unknown): string => String(value ?? '').padEnd(19, ':00').slice(0, 19);
  const candidates = page.records
    .filter((record) => {
      const e = record.elements;
      return (
        String(e.description ?? '') === String(data.description ?? '') &&
        wall(e.start_dt) === wall(data.start_dt) &&
        wall(e.end_dt) === wall(data.end_dt) &&
        String(e.note ?? '') === String(data.note ?? '') &&
        Boolean(e.ganztags === true || e.ganztags === 1 || e.ganztags === '1') === Boolean(data.ganztags) &&
        String(e.modified ?? '') >= earliest
      );
    })
    .map((record) => Number(record.id))
    .filter((id) => Number.isInteger(id) && !mapped.has(id))
    .sort((a, b) => a - b);
  return candidates[0] ?? null;
}

export type ConfirmationOutcome = 'sent' | 'unknown' | 'failed' | 'skipped';

/** Sends the appointment confirmation for a completed creation unless one was ever attempted. */
export async function sendTwoWayConfirmation(
  context: CreateContext,
  creation: { source: string; uid: string; recurrenceId: string; appointmentId: number },
  useDefaultMailAccount: boolean,
): Promise<ConfirmationOutcome> {
  const { repository, logger } = context;
  const { source, uid, recurrenceId, appointmentId } = creation;
  const current = repository.readCreation(source, uid, recurrenceId);
  if (!current || current.state !== 'created' || current.confirmation !== 'none') return 'skipped';
  repository.setConfirmation(source, uid, recurrenceId, 'pending');
  try {
    reachFailpoint('back.confirmation-before-send');
    await context.client.sendAppointmentConfirmation(appointmentId, useDefaultMailAccount);
    reachFailpoint('back.confirmation-after-send');
    repository.setConfirmation(source, uid, recurrenceId, 'sent');
    logger.info({ source, uid, appointmentId }, 'appointment confirmation sent');
    return 'sent';
  } catch (error) {
    const state = error instanceof OnOfficeActionError ? 'failed' : 'unknown';
    repository.setConfirmation(source, uid, recurrenceId, state);
    const message =
      state === 'failed'
        ? `onOffice refused the appointment confirmation for appointment ${appointmentId}: ${describeError(error)}; send it by hand if it is needed`
        : `the appointment confirmation for appointment ${appointmentId} may or may not have been sent (${describeError(error)}); it is not resent automatically: check the mailbox and send it by hand if needed`;
    repository.report({ source, uid, recurrenceId, kind: 'confirmation', appointmentId, message });
    logger.warn({ source, uid, appointmentId, err: describeError(error) }, message);
    if (failsEveryItem(error)) throw error;
    return state;
  }
}

/** Confirmations a killed run left 'pending' become 'unknown' and are reported (never resent). */
export function settleInterruptedConfirmations(repository: TwoWayRepository, logger: Logger): number {
  const interrupted = repository.listCreationsWithConfirmation('pending');
  for (const creation of interrupted) {
    repository.setConfirmation(creation.source, creation.uid, creation.recurrenceId, 'unknown');
    const message = `the appointment confirmation for appointment ${String(creation.appointmentId)} was being sent when the run stopped; it may or may not have gone out and is not resent automatically`;
    repository.report({ source: creation.source, uid: creation.uid, recurrenceId: creation.recurrenceId, kind: 'confirmation', appointmentId: creation.appointmentId, message });
    logger.warn({ source: creation.source, uid: creation.uid, appointmentId: creation.appointmentId }, message);
  }
  return interrupted.length;
}
