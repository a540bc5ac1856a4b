import type { Command as CommandType } from 'commander';
import { createStatusPageHandler } from './create-status-page-handler.js';
import { startFeedServer } from '../feed/start-feed-server.js';
import { openStateStore } from '../store/open-state-store.js';
import { addConfigOption, createCommandContext } from './command-context.js';
import { runAction } from './run-action.js';
import { loadCommander } from './load-commander.js';

const { Command } = loadCommander();

/** Serves the configured ICS feeds from the state db, without syncing; stops on SIGINT/SIGTERM. */
export function createServeCommand(): CommandType {
  return addConfigOption(
    new Command('serve').description('serve the ICS feeds and the status page (/) from the state database on daemon.host:daemon.port (no syncing)'),
  ).addHelpText('after', '\nExample:\n  onoffice-sync serve --config /etc/onoffice-sync/config.yaml   # feeds at http://127.0.0.1:8787/feeds/NAME.ics?token=…').action(
    runAction(async (options: { config?: string }) => {
      const { config, logger } = createCommandContext(options);
      const store = openStateStore(config.stateDb, { logger });
      const handlers = [createStatusPageHandler({ store, config, logger })];
      const server = await startFeedServer({ store, config, logger, host: config.daemon.host, port: config.daemon.port, handlers });
      logger.info({ url: server.url, feeds: config.feeds.map((feed) => feed.name) }, 'serving ICS feeds and the status page');
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await server.close();
      store.close();
      return 0;
    }),
  );
}
