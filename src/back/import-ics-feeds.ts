import { DateTime } from 'luxon';
import { parseIcsObjects } from '../ical/parse-ics-objects.js';
import type { Config, ImportConfig } from '../config/config-schema.js';
import { describeError, failsEveryItem } from '../domain/classify-error.js';
import type { Logger } from '../log/create-logger.js';
import type { OnOfficeClient } from '../onoffice/onoffice-client.js';
import { NOT_FOUND_ERROR_CODE, OnOfficeActionError } from '../onoffice/onoffice-errors.js';
import type { AppointmentRepository } from '../store/appointment-repository.js';
import type { TwoWayRepository } from '../store/two-way-repository.js';
import type { FailedItem } from '../domain/failed-item.js';
import { createTwoWayAppointment, sendTwoWayConfirmation, type CreateContext } from './create-two-way-appointment.js';
import { IcsImportEmptyFeedError, IcsImportFetchError } from './import-ics-errors.js';
import { mergeTwoWayData, planCreateWrite, planEventData, planModifyWrite, type PlannedEvent } from './plan-two-way-write.js';
import { reachFailpoint } from '../failpoint/reach-failpoint.js';

/*
 * ICS imports: a booking tool's feed as a source of onOffice appointments. Readings:
 *
 * - An event is keyed by UID and RECURRENCE-ID. Overrides of a series that is in the feed stay with it
 *   and are reported (the one rule, see plan-two-way-write.ts); an override whose series is not in the
 *   feed is an appointment of its own.
 * - Appointments are created with `origin: true` ("imported via ICS"), for the import's user, with the
 *   import's art (the feed's CATEGORIES are the booking tool's, not onOffice types). A changed event
 *   sends only the fields that changed, so edits made in onOffice to other fields stay.
 * - Conditional GET: If-None-Match/If-Modified-Since from the last fully applied fetch; 304 → nothing to
 *   do. The validators are saved only when every event of the fetch went through, so a failed write is
 *   retried with the next fetch. While a create's outcome is unknown the feed is fetched unconditionally.
 * - An event gone from the feed is deleted (or cancelled, deleteAction) only if it had not ended yet:
 *   booking tools drop past events from their feeds, and those appointments are history, not
 *   cancellations. A feed that suddenly holds no events at all while upcoming appointments came from it
 *   is taken for an outage (IcsImportEmptyFeedError) unless --force-delete.
 * - Events that ended before the poll horizon are not imported.
 * - An imported appointment deleted in onOffice (169 on modify) is not imported again.
 * - A failing feed does not stop the run: it is counted as failed and the CalDAV sync goes on.
 */

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

export interface ImportIcsFeedsOptions {
  readonly config: Config;
  readonly client: OnOfficeClient;
  readonly twoWay: TwoWayRepository;
  readonly appointments: AppointmentRepository;
  readonly logger: Logger;
  readonly now: () => Date;
  readonly fetch?: typeof fetch;
  readonly forceDelete?: boolean;
}

const keyOf = (uid: string, recurrenceId: string): string => `${uid}\u0000${recurrenceId}`;

export async function importIcsFeeds(options: ImportIcsFeedsOptions): Promise<ImportResult[]> {
  const results: ImportResult[] = [];
  for (const feed of options.config.imports) {
    const result: ImportResult = { name: feed.name, notModified: false, events: 0, created: 0, updated: 0, deleted: 0, unsupported: 0, confirmations: 0, recovered: 0, failed: [] };
    const log = options.logger.child({ module: 'import', import: feed.name });
    try {
      await importFeed(options, feed, result, log);
    } catch (error) {
      if (failsEveryItem(error)) throw error;
      result.failed.push({ calendarKey: `import:${feed.name}`, uid: '', appointmentId: 0, action: 'update', error: describeError(error) });
      log.error({ err: describeError(error) }, 'ICS import failed; it is tried again on the next run');
    }
    results.push(result);
  }
  return results;
}

async function importFeed(options: ImportIcsFeedsOptions, feed: ImportConfig, result: ImportResult, log: Logger): Promise<void> {
  const { twoWay, client, config } = options;
  const source = `import:${feed.name}`;
  const stored = twoWay.readImport(feed.name);
  const conditional = stored !== null && stored.url === feed.url && twoWay.listPendingCreations(source).length === 0;
  const headers: Record<string, string> = { accept: 'text/calendar, */*;q=0.5' };
  if (conditional && stored.etag) headers['if-none-match'] = stored.etag;
  if (conditional && stored.lastModified) headers['if-modified-since'] = stored.lastModified;
  const origin = new URL(feed.url).origin;
  let response: Response;
  let text = '';
  try {
    response = await (options.fetch ?? fetch)(feed.url, { headers, signal: AbortSignal.timeout(feed.timeoutMs) });
    if (response.status !== 304) text = await response.text();
  } catch (error) {
    throw new IcsImportFetchError(feed.name, origin, null, describeError(error));
  }
  if (response.status === 304) {
    result.notModified = true;
    log.debug('feed not modified');
    return;
  }
  if (response.status !== 200) throw new IcsImportFetchError(feed.name, origin, response.status, '');

  const events = parseIcsObjects(text);
  result.events = events.length;
  const nowIso = options.now().toISOString();
  const horizon = DateTime.fromJSDate(options.now(), { zone: config.timezone }).startOf('day').minus({ days: config.poll.horizonPastDays }).toUTC().toISO()!;
  const mapped = new Map(twoWay.listImportEvents(feed.name).map((event) => [keyOf(event.uid, event.recurrenceId), event]));
  const vanished = [...mapped.values()].filter((event) => !event.dismissed && !events.some((candidate) => keyOf(candidate.uid, recurrenceIdOf(candidate)) === keyOf(event.uid, event.recurrenceId)));
  const upcoming = vanished.filter((event) => event.endsAt === null || event.endsAt > nowIso);
  if (events.length === 0 && upcoming.length > 0 && !options.forceDelete) throw new IcsImportEmptyFeedError(feed.name, upcoming.length);

  const createContext: CreateContext = {
    client,
    repository: twoWay,
    logger: log,
    participants: config.poll.allusers ? { allusers: true } : { users: [...config.poll.users, ...(feed.userId === undefined ? [] : [feed.userId])], groups: [...config.poll.groups] },
  };
  const rules = { zone: config.timezone, defaultArt: feed.art, categoryArts: {} };
  const fail = (uid: string, recurrenceId: string, appointmentId: number, action: FailedItem['action'], error: unknown): void => {
    if (failsEveryItem(error)) throw error;
    result.failed.push({ calendarKey: source, uid: recurrenceId ? `${uid} ${recurrenceId}` : uid, appointmentId, action, error: describeError(error) });
    log.warn({ uid, recurrenceId, action, err: describeError(error) }, 'could not carry a feed event to onOffice; it is retried on the next fetch');
  };
  const report = (planned: PlannedEvent, appointmentId: number): void => {
    if (planned.unsupported.length === 0) {
      twoWay.clearReport(source, planned.uid, planned.recurrenceId, 'unsupported');
      return;
    }
    result.unsupported += 1;
    if (twoWay.report({ source, uid: planned.uid, recurrenceId: planned.recurrenceId, kind: 'unsupported', appointmentId, message: planned.unsupported.join('; ') })) {
      log.warn({ uid: planned.uid, appointmentId, unsupported: planned.unsupported }, 'feed event has parts onOffice cannot represent; the representable part was written');
    }
  };

  for (const event of events) {
    const planned = planEventData(event, rules);
    const data = feed.art === '' ? withoutArt(planned.data) : { ...planned.data, art: feed.art };
    const entry = mapped.get(keyOf(planned.uid, planned.recurrenceId));
    if (entry?.dismissed) continue;
    try {
      if (!entry) {
        if (planned.endsAt !== null && planned.endsAt < horizon) continue;
        const write = planCreateWrite(data, { origin: true, ...(feed.userId === undefined ? {} : { userId: feed.userId }) });
        const outcome = await createTwoWayAppointment(createContext, { source, uid: planned.uid, recurrenceId: planned.recurrenceId, href: null, write });
        if (outcome.kind !== 'created') {
          fail(planned.uid, planned.recurrenceId, 0, 'create', outcome.error);
          continue;
        }
        reachFailpoint('import.before-save');
        twoWay.saveImportEvent(feed.name, { uid: planned.uid, recurrenceId: planned.recurrenceId, appointmentId: outcome.appointmentId, data, endsAt: planned.endsAt });
        if (outcome.recovered) result.recovered += 1;
        else result.created += 1;
        report(planned, outcome.appointmentId);
        log.info({ uid: planned.uid, appointmentId: outcome.appointmentId }, 'feed event imported');
        // A confirmation of an appointment that is already over would only confuse its recipient.
        if (feed.confirm && (planned.endsAt === null || planned.endsAt > nowIso)) {
          const sent = await sendTwoWayConfirmation(createContext, { source, uid: planned.uid, recurrenceId: planned.recurrenceId, appointmentId: outcome.appointmentId }, feed.useDefaultMailAccount);
          if (sent === 'sent') result.confirmations += 1;
        }
        continue;
      }
      const write = planModifyWrite(entry.data, data);
      if (write === null) continue;
      try {
        await client.modifyAppointment(entry.appointmentId, write);
      } catch (error) {
        if (error instanceof OnOfficeActionError && error.code === NOT_FOUND_ERROR_CODE) {
          twoWay.dismissImportEvent(feed.name, entry.uid, entry.recurrenceId);
          log.info({ uid: entry.uid, appointmentId: entry.appointmentId }, 'imported appointment was deleted in onOffice; the event is not imported again');
          continue;
        }
        throw error;
      }
      twoWay.saveImportEvent(feed.name, { uid: entry.uid, recurrenceId: entry.recurrenceId, appointmentId: entry.appointmentId, data: mergeTwoWayData(entry.data, data), endsAt: planned.endsAt });
      result.updated += 1;
      report(planned, entry.appointmentId);
      log.info({ uid: entry.uid, appointmentId: entry.appointmentId, fields: Object.keys(write.data) }, 'feed change written to onOffice');
    } catch (error) {
      fail(planned.uid, planned.recurrenceId, entry?.appointmentId ?? 0, entry ? 'update' : 'create', error);
    }
  }

  for (const event of vanished) {
    try {
      if (event.endsAt === null || event.endsAt > nowIso) {
        if (feed.deleteAction === 'cancel') {
          await cancelIgnoringMissing(client, event.appointmentId);
        } else {
          await client.deleteAppointment(event.appointmentId);
          options.appointments.markDeleted([event.appointmentId]);
        }
        result.deleted += 1;
        log.info({ uid: event.uid, appointmentId: event.appointmentId, action: feed.deleteAction }, 'event gone from the feed; appointment removed');
      }
      twoWay.dropImportEvent(feed.name, event.uid, event.recurrenceId);
    } catch (error) {
      fail(event.uid, event.recurrenceId, event.appointmentId, 'delete', error);
    }
  }

  if (result.failed.length === 0) {
    twoWay.saveImport(feed.name, { url: feed.url, etag: response.headers.get('etag'), lastModified: response.headers.get('last-modified'), events: events.length });
  }
}

function recurrenceIdOf(event: { recurrenceid?: Date }): string {
  return event.recurrenceid ? event.recurrenceid.toISOString() : '';
}

function withoutArt(data: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const copy = { ...data };
  delete copy.art;
  return copy;
}

async function cancelIgnoringMissing(client: OnOfficeClient, appointmentId: number): Promise<void> {
  try {
    await client.modifyAppointment(appointmentId, { data: { status: 'canceled' } });
  } catch (error) {
    if (error instanceof OnOfficeActionError && error.code === NOT_FOUND_ERROR_CODE) return;
    throw error;
  }
}
