#!/usr/bin/env node
import { Command } from 'commander';
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

/** Each command lives in its own file and exports create<Name>Command(). */
const commands: Array<() => Command> = [createDaemonCommand, createDemoCommand, createDoctorCommand, createEmulatorCommand, createExportCommand, createFeedCommand, createMigrateCommand, createServeCommand, createStatusCommand, createSyncCommand];

export function createProgram(): Command {
  const program = new Command('onoffice-sync')
    .description('Sync onOffice enterprise appointments to CalDAV calendars and ICS feeds, and back.')
    .version('0.1.0')
    .showHelpAfterError()
    .addHelpText('after', renderTopLevelHelp());
  for (const create of commands) program.addCommand(create());
  return program;
}

await createProgram().parseAsync(process.argv);
