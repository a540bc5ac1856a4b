import type { CaldavTargetConfig, Config, OnOfficeConfig } from '../config/config-schema.js';
import type { Logger } from '../log/create-logger.js';
import type { HttpTransport } from '../http/send-http-request.js';
import { createCaldavTarget } from '../caldav/caldav-target.js';
import type { CalendarTarget } from '../caldav/calendar-target.js';
import { createOnOfficeClient, type OnOfficeClient } from '../onoffice/onoffice-client.js';
import { trustedCtag } from '../domain/trust-ctag.js';
import { createIdleCheckRule, readTargetWriteFacts } from '../push/create-idle-check-rule.js';
import { planCalendarRoutes } from '../push/plan-desired-objects.js';
import { createCaldavStateRepository } from '../store/caldav-state-repository.js';
import { openStateStore, type StateStore } from '../store/open-state-store.js';
import { StateDatabaseError } from '../store/state-database-error.js';
import type { SyncRuntime } from './run-sync.js';

export interface RuntimeOptions {
  /** A fetch used towards onOffice and towards CalDAV instead of the HTTP transport (tests script answers). */
  readonly onofficeFetch?: typeof fetch;
  readonly caldavFetch?: typeof fetch;
  /** The HTTP transport towards onOffice and towards CalDAV (the daemon passes counting ones). */
  readonly onofficeTransport?: HttpTransport;
  readonly caldavTransport?: HttpTransport;
  readonly now?: () => Date;
  /** Use this store instead of opening config.stateDb (dry runs pass a copy). */
  readonly store?: StateStore;
}

/** Builds the real adapters from the configuration: the state store, the onOffice client, the targets. */
export function createSyncRuntime(config: Config, logger: Logger, options: RuntimeOptions = {}): SyncRuntime {
  const now = options.now ?? (() => new Date());
  let store: StateStore;
  try {
    store = options.store ?? openStateStore(config.stateDb, { logger, now });
  } catch (error) {
    throw StateDatabaseError.wrap(error, config.stateDb);
  }
  const client = createClientFromConfig(config.onoffice, { fetch: options.onofficeFetch, transport: options.onofficeTransport, logger });
  const targets = config.caldav.map((targetConfig) => ({
    config: targetConfig,
    target: createTargetFromConfig(targetConfig, { fetch: options.caldavFetch, transport: options.caldavTransport, logger: logger.child({ target: targetConfig.name }) }),
  }));
  // The feeds' next render (in the daemon or a `serve` process) reads rows instead of parsing and rendering.
  // The feed modules (the cache, the feed renderer) load only for a configuration with feeds.
  const afterPush = config.feeds.length === 0 ? [] : [{ name: 'feed cache', run: async () => (await import('../feed/warm-feed-cache.js')).warmFeedCache(store, config, now) }];
  return { config, logger, store, client, targets, now, afterPush };
}

/**
 * Starts reading the changes of every calendar a previous run resolved for the configured routes, on the
 * same server, before the run polls onOffice: a one-shot `sync` then waits for onOffice and the CalDAV
 * server at the same time instead of one after the other. The run takes the answers up as if it had asked
 * (caldav-target.ts); a calendar it resolves elsewhere, or whose token moved meanwhile, it reads again. A
 * change in the calendar after these reads is seen by the next run, from the token they returned.
 * A route with no calendar resolved before on that server (the first run) has its calendar looked up
 * instead (discovery and one PROPFIND; nothing is created before the poll): into Cyrus that was ~50 ms
 * of a backfill's start, the first connection's included.
 */
export function prefetchCalendars(runtime: Pick<SyncRuntime, 'config' | 'store' | 'targets' | 'now'>): void {
  const repository = createCaldavStateRepository(runtime.store.db);
  for (const { config, target } of runtime.targets) {
    // What the push will leave unasked, unless the poll brings a change (the push then asks itself).
    const maySkipCheck = createIdleCheckRule({ targetConfig: config, full: false, twoWay: config.twoWay, writes: () => readTargetWriteFacts(repository, runtime.config, config, runtime.store.appointments.maxChangeSeq()) });
    for (const route of planCalendarRoutes(config)) {
      const known = repository.readCalendar(route.calendarKey);
      const nowMs = runtime.now().getTime();
      if (!known || new URL(known.url).origin !== new URL(config.url).origin) {
        target.prefetchCalendar?.({ path: route.path, displayName: route.displayName, color: route.color });
        continue;
      }
      if (!target.prefetchChanges || maySkipCheck(known, nowMs)) continue;
      target.prefetchChanges(known.url, known.syncToken, trustedCtag(known.ctag, nowMs));
    }
  }
}

/** The onOffice client for the configured account; `retries` may lower the configured number. */
export function createClientFromConfig(
  onoffice: OnOfficeConfig,
  options: { fetch?: typeof fetch; transport?: HttpTransport; now?: () => number; logger: Logger; retries?: number },
): OnOfficeClient {
  return createOnOfficeClient({
    url: onoffice.url,
    token: onoffice.token,
    secret: onoffice.secret,
    timeoutMs: onoffice.timeoutMs,
    retries: options.retries ?? onoffice.retries,
    fetch: options.fetch,
    transport: options.transport,
    now: options.now,
    logger: options.logger,
  });
}

/** The CalDAV adapter for a configured target; empty credentials in the config mean none. */
export function createTargetFromConfig(
  targetConfig: CaldavTargetConfig,
  options: { fetch?: typeof fetch; transport?: HttpTransport; logger: Logger; retries?: number },
): CalendarTarget {
  return createCaldavTarget({
    url: targetConfig.url,
    username: targetConfig.username || undefined,
    password: targetConfig.password || undefined,
    bearerToken: targetConfig.bearerToken || undefined,
    timeoutMs: targetConfig.timeoutMs,
    retries: options.retries ?? targetConfig.retries,
    fetch: options.fetch,
    transport: options.transport,
    logger: options.logger,
    writeConcurrency: targetConfig.concurrency,
  });
}
