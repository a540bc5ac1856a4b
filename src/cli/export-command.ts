import { writeFileSync } from 'node:fs';
import { createPrivateFile } from '../store/create-private-file.js';
import { OutputFileError } from './output-file-error.js';
import type { Command as CommandType } from 'commander';
import { DateTime } from 'luxon';
import type { Config } from '../config/config-schema.js';
import type { Appointment } from '../domain/appointment.js';
import { ConfigError } from '../config/config-error.js';
import { hasOccurrenceIn } from '../feed/select-feed-appointments.js';
import { renderCalendar } from '../ical/render-calendar.js';
import { openStateStore, type StateStore } from '../store/open-state-store.js';
import { createAppointmentSource } from '../app/create-appointment-source.js';
import { createRenderOptions } from '../push/push-to-target.js';
import { addConfigOption, createCommandContext } from './command-context.js';
import { EXIT_OK } from './exit-code-for.js';
import { runAction } from './run-action.js';
import { loadCommander } from './load-commander.js';

const { Command } = loadCommander();

export interface ExportOptions {
  /** A file, or '-' for stdout. */
  readonly out: string;
  /** Local dates 'YYYY-MM-DD' (inclusive); an appointment is exported when it or an occurrence overlaps. */
  readonly from?: string;
  readonly to?: string;
  readonly name?: string;
}

/** Writes the state's appointments (cancelled ones included, as STATUS:CANCELLED) as one iCalendar file. */
export function writeExport(store: StateStore, config: Config, options: ExportOptions, now: Date = new Date(), stdout: NodeJS.WritableStream = process.stdout): { events: number; bytes: number } {
  const zone = config.timezone;
  const window = {
    from: options.from ? readDate(options.from, zone, '--from') : DateTime.fromMillis(0, { zone }),
    to: options.to ? readDate(options.to, zone, '--to').plus({ days: 1 }) : DateTime.fromISO('9999-01-01', { zone }),
  };
  if (options.from && options.to && window.from >= window.to) throw new ConfigError('--from', `(${options.from}) is after --to (${options.to}): swap them`);
  const source = createAppointmentSource(store, zone);
  const appointments = source
    .listIds()
    .map((id) => source.getAppointment(id))
    .filter((appointment): appointment is Appointment => appointment !== null && hasOccurrenceIn(appointment, window));
  const ics = renderCalendar(appointments, { ...createRenderOptions(config, now), recurrence: 'rrule', name: options.name ?? 'onOffice' });
  if (options.out === '-') stdout.write(ics);
  else writeExportFile(options.out, ics);
  return { events: appointments.length, bytes: Buffer.byteLength(ics) };
}

/** The export holds every appointment's details: readable by its owner only, whatever the umask. */
function writeExportFile(path: string, ics: string): void {
  try {
    createPrivateFile(path);
    writeFileSync(path, ics);
  } catch (error) {
    throw new OutputFileError(path, error as NodeJS.ErrnoException);
  }
}

function readDate(text: string, zone: string, option: string): DateTime {
  const date = DateTime.fromISO(text, { zone });
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text) || !date.isValid) throw new ConfigError(option, `must be a date like 2026-01-31, not "${text}"`);
  return date.startOf('day');
}

export function createExportCommand(): CommandType {
  return addConfigOption(new Command('export'))
    .description('write the appointments in the state database as one .ics file')
    .requiredOption('-o, --out <file>', 'the .ics file to write, or - for stdout')
    .option('--from <date>', 'only appointments on or after this local date (YYYY-MM-DD)')
    .option('--to <date>', 'only appointments on or before this local date (YYYY-MM-DD)')
    .addHelpText('after', '\nExample:\n  onoffice-sync export --out termine.ics --from 2026-12-01 --to 2026-12-31')
    .action(
      runAction(async (options: { config?: string; out: string; from?: string; to?: string }) => {
        const toStdout = options.out === '-';
        const { config, logger } = createCommandContext({ ...options, logToStderr: toStdout }, { needsOnOffice: false });
        const store = openStateStore(config.stateDb, { logger });
        try {
          const { events, bytes } = writeExport(store, config, options);
          // With --out - the calendar is the output; the summary goes where the log goes.
          (toStdout ? process.stderr : process.stdout).write(`wrote ${events} appointment(s), ${bytes} bytes, to ${toStdout ? 'stdout' : options.out}\n`);
          return EXIT_OK;
        } finally {
          store.close();
        }
      }),
    );
}
