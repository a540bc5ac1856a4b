import type { Command } from 'commander';
import type { DestinationStream } from 'pino';
import { loadConfig } from '../config/load-config.js';
import type { Config } from '../config/config-schema.js';
import { createLogger, type Logger } from '../log/create-logger.js';
import { readFailpointSpec } from '../config/read-failpoint-spec.js';
import { armFailpoint } from '../failpoint/reach-failpoint.js';

/** What every command that needs configuration gets: the validated config and the root logger. */
export interface CommandContext {
  readonly config: Config;
  readonly logger: Logger;
}

export function addConfigOption(command: Command): Command {
  return command.option('-c, --config <file>', 'configuration file (YAML or JSON); the environment overrides it');
}

/** The log goes to stderr (createLogger), so stdout carries only the command's own output. */
/** `logDestination`: where the log goes instead (through the progress line on a terminal). */
/** `needsOnOffice: false`: a command that only reads the state database works without onOffice credentials. */
export function createCommandContext(options: { config?: string; json?: boolean; logToStderr?: boolean }, needs: { needsOnOffice?: boolean } = {}, logDestination?: DestinationStream): CommandContext {
  const warnings: string[] = [];
  const config = loadConfig({ file: options.config, warn: (message) => warnings.push(message), needsOnOffice: needs.needsOnOffice });
  armFailpoint(readFailpointSpec());
  const logger = createLogger({ level: config.logLevel, destination: options.json === true ? undefined : logDestination });
  for (const message of warnings) logger.warn({ module: 'config' }, message);
  return { config, logger };
}
