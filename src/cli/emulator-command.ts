import { resolve } from 'node:path';
import type { Command as CommandType } from 'commander';
import { createLogger, type Logger } from '../log/create-logger.js';
import { startEmulator } from '../emulator/start-emulator.js';
import { EXIT_OK } from './exit-code-for.js';
import { runAction } from './run-action.js';
import { loadCommander } from './load-commander.js';

const { Command, InvalidArgumentError, Option } = loadCommander();

export interface EmulatorCommandOptions {
  host: string;
  port: number;
  appointments: number;
  seed: number;
  timezone: string;
  capMode: 'arbitrary' | 'sorted';
  /** Keeps the appointments across restarts. */
  data?: string;
}

export interface EmulatorCommandOutput {
  write(text: string): unknown;
}

function parseWholeNumber(name: string, max: number): (value: string) => number {
  return (value) => {
    const number = Number(value);
    if (!/^\d+$/.test(value) || number > max) throw new InvalidArgumentError(`${name} must be a whole number from 0 to ${max}`);
    return number;
  };
}

export function createEmulatorCommand(): CommandType {
  return new Command('emulator')
    .description('Run the local onOffice API emulator with seeded appointments (for demos and trying the sync without onOffice)')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0: any free port)', parseWholeNumber('--port', 65535), 8090)
    .option('--appointments <count>', 'appointments to generate at start', parseWholeNumber('--appointments', 1_000_000), 1000)
    .option('--seed <seed>', 'generator seed: the same seed gives the same appointments', parseWholeNumber('--seed', 2 ** 32 - 1), 1)
    .option('--timezone <zone>', 'zone of the appointments\' wall times', 'Europe/Berlin')
    .addOption(new Option('--cap-mode <mode>', 'which 500 records a read over the cap returns').choices(['arbitrary', 'sorted']).default('arbitrary'))
    .option('--data <file>', 'keep the appointments in this JSON file (mode 0600) across restarts; an existing file replaces --appointments')
    .addHelpText(
      'after',
      [
        '',
        'Example:',
        '  onoffice-sync emulator --port 8090 --appointments 200 --data ~/emulator.json',
        '  curl -s http://127.0.0.1:8090/admin/appointments          # what onOffice holds (also what the sync wrote back)',
        '  curl -s -X POST http://127.0.0.1:8090/admin/appointments -H "Content-Type: application/json" \\',
        '    -d \'{"data": {"description": "Besichtigung", "start_dt": "2026-12-03 10:00:00", "end_dt": "2026-12-03 11:00:00"}, "subscribers": {"users": [53]}}\'',
        '',
        'Admin API (loopback clients only): GET/POST /admin/appointments, GET/PATCH/DELETE /admin/appointments/ID,',
        'GET /admin/users, PATCH /admin/users/ID {"active": false}. The bodies are create/modify calendar parameters.',
      ].join('\n'),
    )
    .action(
      runAction(async (options: EmulatorCommandOptions) =>
        runEmulatorCommand(options, process.stdout, createLogger({ level: 'warn' }), waitForSignal),
      ),
    );
}

function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/**
 * Starts the emulator, prints where it listens and its credentials, and closes it cleanly once
 * `untilStopped` resolves (SIGINT/SIGTERM from the command line). The credentials are printed on purpose:
 * they are the emulator's fixed demo pair and open nothing else.
 */
export async function runEmulatorCommand(
  options: EmulatorCommandOptions,
  out: EmulatorCommandOutput,
  logger: Logger,
  untilStopped: () => Promise<void>,
): Promise<number> {
  const emulator = await startEmulator({
    host: options.host,
    port: options.port,
    appointments: options.appointments,
    seed: options.seed,
    timezone: options.timezone,
    capMode: options.capMode,
    logger,
    dataFile: options.data === undefined ? undefined : resolve(options.data),
  });
  out.write(
    [
      `onOffice emulator listening on ${emulator.url}`,
      options.data === undefined
        ? `  appointments: ${emulator.data.size} (seed ${options.seed}, ${options.timezone}); kept in memory only (--data FILE keeps them)`
        : `  appointments: ${emulator.data.size}, kept in ${resolve(options.data)}`,
      `  admin:  ${emulator.adminUrl}/appointments (JSON; list, create, change, delete from this machine: see --help)`,
      `  token:  ${emulator.token}`,
      `  secret: ${emulator.secret}`,
      'These are emulator-only demo credentials: they open nothing but this local emulator.',
      'Stop with Ctrl+C.',
      '',
    ].join('\n'),
  );
  await untilStopped();
  await emulator.close();
  out.write('onOffice emulator stopped.\n');
  return EXIT_OK;
}
