import { DateTime } from 'luxon';
import type { Config, ImportConfig } from '../config/config-schema.js';
import { describeError, failsEveryItem } from '../domain/classify-error.js';
import type { Logger } from '../log/create-logger.js';
import type { OnOfficeClient } from '../onoffice/onoffice-client.js';
import type { AppointmentRepository } from '../store/appointment-repository.js';
import type { TwoWayRepository } from '../store/two-way-repository.js';
import { applyImport, type ImportResult } from './apply-import.js';
import { fetchIcsFeed } from './fetch-ics-feed.js';
import { importSource, planImport } from './plan-import.js';
import type { PullStep } from './plan-pull.js';

export type { ImportResult } from './apply-import.js';

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
 *
 * The parts: fetch-ics-feed.ts reads (a read-only storage), plan-import.ts decides through planPull,
 * apply-import.ts writes. A dry run fetches and plans, hands the plan to onPlan and writes nothing.
 */

export interface ImportIcsFeedsOptions {
  readonly config: Config;
  readonly client: OnOfficeClient;
  readonly twoWay: TwoWayRepository;
  readonly appointments: AppointmentRepository;
  readonly logger: Logger;
  readonly now: () => Date;
  readonly fetch?: typeof fetch;
  readonly forceDelete?: boolean;
  /** Fetch and plan only: nothing is written to onOffice or the state database. */
  readonly dryRun?: boolean;
  /** Each feed's plan, before it is applied (or instead, in a dry run). */
  readonly onPlan?: (feedName: string, steps: readonly PullStep[]) => void;
}

export async function importIcsFeeds(options: ImportIcsFeedsOptions): Promise<ImportResult[]> {
  const results: ImportResult[] = [];
  for (const feed of options.config.imports) {
    const result: ImportResult = { name: feed.name, notModified: false, events: 0, created: 0, updated: 0, deleted: 0, unsupported: 0, confirmations: 0, recovered: 0, failed: [] };
    const log = options.logger.child({ module: 'import', import: feed.name });
    try {
      await importFeed(options, feed, result, log);
    } catch (error) {
      if (failsEveryItem(error)) throw error;
      result.failed.push({ calendarKey: importSource(feed.name), uid: '', appointmentId: 0, action: 'update', error: describeError(error) });
      log.error({ err: describeError(error) }, 'ICS import failed; it is tried again on the next run');
    }
    results.push(result);
  }
  return results;
}

/** One feed: fetch, plan, apply; the validators are kept only when every event went through. */
async function importFeed(options: ImportIcsFeedsOptions, feed: ImportConfig, result: ImportResult, log: Logger): Promise<void> {
  const { twoWay, config } = options;
  const stored = twoWay.readImport(feed.name);
  // While a create's outcome is unknown, the feed is read whole again so the create is settled.
  const conditional = stored !== null && stored.url === feed.url && twoWay.listPendingCreations(importSource(feed.name)).length === 0;
  const answer = await fetchIcsFeed(feed, conditional ? { etag: stored.etag, lastModified: stored.lastModified } : null, options.fetch);
  if (answer.kind === 'not-modified') {
    result.notModified = true;
    log.debug('feed not modified');
    return;
  }
  result.events = answer.events.length;
  const now = options.now();
  const plan = planImport({
    feed,
    events: answer.events,
    recorded: twoWay.listImportEvents(feed.name),
    zone: config.timezone,
    horizon: DateTime.fromJSDate(now, { zone: config.timezone }).startOf('day').minus({ days: config.poll.horizonPastDays }).toUTC().toISO()!,
    now: now.toISOString(),
    forceDelete: options.forceDelete === true,
  });
  options.onPlan?.(feed.name, plan.steps);
  if (options.dryRun) return;
  const participants = config.poll.allusers ? { allusers: true as const } : { users: [...config.poll.users, ...(feed.userId === undefined ? [] : [feed.userId])], groups: [...config.poll.groups] };
  await applyImport({ feed, client: options.client, twoWay, appointments: options.appointments, participants, logger: log, result }, plan);
  if (result.failed.length === 0) twoWay.saveImport(feed.name, { url: feed.url, ...answer.validators, events: answer.events.length });
}
