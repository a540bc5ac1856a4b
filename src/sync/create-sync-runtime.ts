import type { Config } from '../config/config-schema.js';
import type { Logger } from '../log/create-logger.js';
import { createCaldavTarget } from '../caldav/calendar-target.js';
import { createOnOfficeClient } from '../onoffice/onoffice-client.js';
import { openStateStore, type StateStore } from '../store/open-state-store.js';
import { StateDatabaseError } from '../store/state-database-error.js';
import type { SyncRuntime } from './run-sync.js';

export interface RuntimeOptions {
  /** The fetch used towards onOffice and towards CalDAV (the daemon passes counting ones). */
  readonly onofficeFetch?: typeof fetch;
  readonly caldavFetch?: typeof fetch;
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
  const client = createOnOfficeClient({
    url: config.onoffice.url,
    token: config.onoffice.token,
    secret: config.onoffice.secret,
    timeoutMs: config.onoffice.timeoutMs,
    retries: config.onoffice.retries,
    fetch: options.onofficeFetch,
    logger,
  });
  const targets = config.caldav.map((targetConfig) => ({
    config: targetConfig,
    target: createCaldavTarget({
      url: targetConfig.url,
      username: targetConfig.username || undefined,
      password: targetConfig.password || undefined,
      bearerToken: targetConfig.bearerToken || undefined,
      timeoutMs: targetConfig.timeoutMs,
      retries: targetConfig.retries,
      fetch: options.caldavFetch,
      logger: logger.child({ module: 'caldav', target: targetConfig.name }),
    }),
  }));
  return { config, logger, store, client, targets, now };
}
