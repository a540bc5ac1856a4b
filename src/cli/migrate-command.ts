import type { Command as CommandType } from 'commander';
import { openStateStore } from '../store/open-state-store.js';
import { addConfigOption, createCommandContext } from './command-context.js';
import { runAction } from './run-action.js';
import { loadCommander } from './load-commander.js';

const { Command } = loadCommander();

export function createMigrateCommand(): CommandType {
  return addConfigOption(new Command('migrate'))
    .description('Create or upgrade the state database (STATE_DB) and print its schema version')
    .addHelpText('after', '\nExample:\n  STATE_DB=/var/lib/onoffice-sync/state.db onoffice-sync migrate')
    .action(
      runAction(async (options: { config?: string }) => {
        const { config, logger } = createCommandContext(options);
        const store = openStateStore(config.stateDb, { logger });
        const { from, to, applied } = store.migrations;
        store.close();
        const names = applied.map((m) => `${String(m.version).padStart(3, '0')}_${m.name}`).join(', ');
        process.stdout.write(
          applied.length === 0
            ? `state database ${config.stateDb} is at version ${to}, nothing to apply\n`
            : `state database ${config.stateDb} migrated from version ${from} to ${to} (${names})\n`,
        );
        return 0;
      }),
    );
}
