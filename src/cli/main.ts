#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { createDaemonCommand } from './daemon-command.js';
import { createDemoCommand } from './demo-command.js';
import { createDoctorCommand } from './doctor-command.js';
import { createEmulatorCommand } from './emulator-command.js';
import { createExportCommand } from './export-command.js';
import { createFeedCommand } from './feed-command.js';
import { createMigrateCommand } from './migrate-command.js';
import { renderTopLevelHelp } from './render-top-level-help.js';
import { createServeCommand } from './serve-command.js';
import { createStatusCommand } from './status-command.js';
import { createSyncCommand } from './sync-command.js';
import { EXIT_OK, EXIT_SETUP } from './exit-code-for.js';

/** Each command lives in its own file and exports create<Name>Command(). */
const commands: Array<() => Command> = [createDaemonCommand, createDemoCommand, createDoctorCommand, createEmulatorCommand, createExportCommand, createFeedCommand, createMigrateCommand, createServeCommand, createStatusCommand, createSyncCommand];

export function createProgram(): Command {
  const program = new Command('onoffice-sync')
    .description('Sync onOffice enterprise appointments to CalDAV calendars and ICS feeds, and back.')
    .version('0.1.0')
    .showHelpAfterError()
    .addHelpText('after', renderTopLevelHelp());
  for (const create of commands) program.addCommand(create());
  // An unknown command or option is a usage error (exit 2, with the usage), not "items failed" (1).
  overrideExit(program);
  return program;
}

function overrideExit(command: Command): void {
  command.exitOverride().showHelpAfterError();
  for (const sub of command.commands) overrideExit(sub);
}

try {
  await createProgram().parseAsync(process.argv);
} catch (error) {
  if (!(error instanceof CommanderError)) throw error;
  // Commander has already printed the problem and the usage; --help and --version end here with 0.
  process.exitCode = error.exitCode === 0 ? EXIT_OK : EXIT_SETUP;
}
