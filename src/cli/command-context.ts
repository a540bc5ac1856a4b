import type { Command } from 'commander';
import type { DestinationStream } from 'pino';
import { loadConfig } from '../config/load-config.js';
import type { Config } from '../config/config-schema.js';
import { createLogger, type Logger } from '../log/create-logger.js';

/** What every command that needs configuration gets: the validated config and the root logger. */
export interface CommandContext {
  readonly config: Config;
  readonly logger: Logger;
}

export function addConfigOption(command: Command): Command {
  return command.option('-c, --config <file>', 'configuration file (YAML or JSON); the environment overrides it');
}

/**
 * `json`: the command prints data on stdout, so the log goes to stderr. `logDestination`: where the log
 * goes instead (through the progress line on a terminal).
 */
export function createCommandContext(options: { config?: string; json?: boolean }, logDestination?: DestinationStream): CommandContext {
  const config = loadConfig({ file: options.config });
  const logger = createLogger({ level: config.logLevel, toStderr: options.json === true, destination: options.json === true ? undefined : logDestination });
  return { config, logger };
}
