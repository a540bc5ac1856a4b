import { mkdirSync, rmSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command as CommandType } from 'commander';
import { DateTime } from 'luxon';
import type { Config, FeedConfig } from '../config/config-schema.js';
import type { Appointment } from '../domain/appointment.js';
import { parseConfig } from '../config/load-config.js';
import { startEmulator } from '../emulator/start-emulator.js';
import { createFeedTokenRepository } from '../feed/feed-token-repository.js';
import { planFeedUrls } from '../feed/plan-feed-urls.js';
import { planFeedCandidate, planFeedWindow, selectFeedAppointments, type FeedCandidate, type FeedWindow } from '../feed/select-feed-appointments.js';
import { startFeedServer } from '../feed/start-feed-server.js';
import { parseIcsObjects } from '../ical/parse-ics-objects.js';
import { createLogger } from '../log/create-logger.js';
import { createAppointmentSource } from '../app/create-appointment-source.js';
import { createSyncRuntime } from '../app/create-sync-runtime.js';
import { runSync, summaryCounts } from '../app/run-sync.js';
import { writeExport } from './export-command.js';
import { EXIT_FAILED, EXIT_OK } from './exit-code-for.js';
import { runAction } from './run-action.js';
import { loadCommander } from './load-commander.js';

const { Command } = loadCommander();

interface DemoOptions {
  appointments: string;
  seed: string;
  dir: string;
  port: string;
  host?: string;
  serve?: boolean;
}

/**
 * The ten-minute tour: the onOffice emulator with generated appointments, one real sync run into a
 * state database, the local .ics export and the ICS feed — then a real HTTP GET of the feed to prove it.
 * Nothing leaves this machine.
 */
export function createDemoCommand(): CommandType {
  return new Command('demo')
    .description('try it without onOffice: sync the built-in emulator’s sample appointments into a local ICS feed and .ics file')
    .option('--appointments <n>', 'sample appointments to generate', '500')
    .option('--seed <n>', 'generator seed', '1')
    .option('--dir <path>', 'where the state database and the export go (recreated)', 'demo-output')
    .option('--port <port>', 'port of the feed server (0: any free port)', '0')
    .option('--host <address>', 'address the feed server listens on; 0.0.0.0 for phones on the same network', '127.0.0.1')
    .option('--serve', 'keep serving the feed until Ctrl-C (to subscribe from a calendar app)')
    .addHelpText('after', '\nExample:\n  onoffice-sync demo\n  onoffice-sync demo --serve --host 0.0.0.0 --port 8787   # subscribe from a phone on the same network')
    .action(runAction((options: DemoOptions) => runDemo(options, process.stdout)));
}

function waitForSignal(): Promise<void> {
  return new Promise((resolveStop) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolveStop();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/**
 * The base URLs a subscriber can use: the listen address itself, or for a wildcard address (0.0.0.0, ::)
 * every address of this machine's interfaces, loopback first.
 */
export function planServedBaseUrls(listenUrl: string, host: string, interfaces: ReturnType<typeof networkInterfaces>): string[] {
  const port = new URL(listenUrl).port;
  if (host !== '0.0.0.0' && host !== '::') return [listenUrl];
  const addresses = Object.values(interfaces)
    .flatMap((entries) => entries ?? [])
    .filter((entry) => host === '::' || entry.family === 'IPv4')
    .sort((a, b) => Number(b.internal) - Number(a.internal));
  return addresses.map((entry) => `http://${entry.family === 'IPv6' ? `[${entry.address}]` : entry.address}:${port}`);
}

export interface FeedCountExplanation {
  readonly stored: number;
  readonly cancelled: number;
  readonly outsideWindow: number;
  readonly shown: number;
}

/**
 * Why the feed holds fewer appointments than the export: asks the feed's own selection with one rule
 * relaxed at a time, so the figures are the feed's, not a second reading of its rules.
 */
export function planFeedCountExplanation(candidates: readonly FeedCandidate[], feed: FeedConfig, window: FeedWindow): FeedCountExplanation {
  const everWindow = { from: DateTime.fromMillis(-8_640_000_000_000_000), to: DateTime.fromMillis(8_640_000_000_000_000) };
  const shown = selectFeedAppointments(candidates, feed, window).length;
  const withCancelled = selectFeedAppointments(candidates, { ...feed, includeCancelled: true }, window).length;
  const anyTime = selectFeedAppointments(candidates, { ...feed, includeCancelled: true }, everWindow).length;
  return { stored: candidates.length, cancelled: withCancelled - shown, outsideWindow: anyTime - withCancelled, shown };
}

function readFeedCandidates(runtime: ReturnType<typeof createSyncRuntime>, config: Config): FeedCandidate[] {
  const source = createAppointmentSource(runtime.store, config.timezone);
  return source
    .listIds()
    .map((id) => source.getAppointment(id))
    .filter((appointment): appointment is Appointment => appointment !== null)
    .map((appointment) => planFeedCandidate({ id: appointment.id, changeSeq: 0, groups: [] }, appointment, config.timezone));
}

export async function runDemo(options: DemoOptions, out: NodeJS.WritableStream, untilStopped: () => Promise<void> = waitForSignal): Promise<number> {
  const dir = resolve(options.dir);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const logger = createLogger({ level: 'warn', pretty: false });
  const emulator = await startEmulator({ port: 0, appointments: Number(options.appointments), seed: Number(options.seed) });
  const config = parseConfig({
    stateDb: join(dir, 'state.db'),
    logLevel: 'warn',
    onoffice: { url: emulator.url, token: emulator.token, secret: emulator.secret },
    // The generator spreads its appointments around a fixed day (2026-11-01); reach far enough back.
    poll: { horizonPastDays: 365, lagSeconds: 0 },
    feeds: [{ name: 'demo', pastDays: 365, futureDays: 730, privateAppointments: 'busy' }],
    daemon: { host: options.host ?? '127.0.0.1', port: Number(options.port) },
  });
  const runtime = createSyncRuntime(config, logger);
  try {
    out.write(`onOffice emulator with ${options.appointments} sample appointments at ${emulator.url}\n`);
    const summary = await runSync(runtime);
    const counts = summaryCounts(summary);
    out.write(`synced: ${counts.read} appointments read in ${summary.poll.requests} request(s), ${counts.quarantined} quarantined, into ${config.stateDb}\n`);

    const exportPath = join(dir, 'onoffice.ics');
    const exported = writeExport(runtime.store, config, { out: exportPath, name: 'onOffice (demo)' });
    out.write(`export: ${exported.events} events, ${Math.round(exported.bytes / 1024)} KiB → ${exportPath}\n`);

    const token = createFeedTokenRepository(runtime.store.db).rotate('demo');
    const server = await startFeedServer({ store: runtime.store, config, logger, host: config.daemon.host, port: config.daemon.port });
    try {
      const bases = planServedBaseUrls(server.url, config.daemon.host, networkInterfaces());
      // A wildcard address is checked through the first (loopback) address it serves.
      const urls = planFeedUrls(bases[0] ?? server.url, 'demo', token);
      const response = await fetch(urls.http);
      const body = await response.text();
      const events = response.ok ? parseIcsObjects(body).length : 0;
      if (!response.ok || events === 0) {
        out.write(`feed check failed: HTTP ${response.status}, ${events} events\n`);
        return EXIT_FAILED;
      }
      const feed = config.feeds[0]!;
      const window = planFeedWindow(DateTime.now(), config.timezone, feed);
      const counts = planFeedCountExplanation(readFeedCandidates(runtime, config), feed, window);
      out.write(`feed: HTTP ${response.status}, ${events} events, ETag ${response.headers.get('etag')}\n`);
      out.write(
        `  why ${events}, not ${exported.events} as in the export: the export holds every stored appointment (cancelled ones as STATUS:CANCELLED); ` +
          `the feed leaves out ${counts.cancelled} cancelled (includeCancelled: false) and ${counts.outsideWindow} wholly outside its window ` +
          `${window.from.toISODate()} – ${window.to.minus({ days: 1 }).toISODate()} (pastDays ${feed.pastDays}, futureDays ${feed.futureDays}): ` +
          `${counts.stored} − ${counts.cancelled} − ${counts.outsideWindow} = ${counts.shown}\n`,
      );
      out.write('Feed URLs (they contain the token; this demo makes a new one each run):\n');
      for (const base of bases) {
        const served = planFeedUrls(base, 'demo', token);
        out.write(`  ${served.http}\n  ${served.webcal}\n`);
      }
      out.write(
        [
          '',
          'Next steps:',
          `  • open ${exportPath} in any calendar app, or run \`npm run demo -- --serve --host 0.0.0.0 --port 8787\` and subscribe to a feed URL from a phone on the same network`,
          '  • point it at a CalDAV server: CALDAV_URL=… CALDAV_USERNAME=… CALDAV_PASSWORD=… (see README "Configure")',
          '  • for your real onOffice: ONOFFICE_TOKEN=… ONOFFICE_SECRET=… onoffice-sync doctor, then onoffice-sync sync',
          '',
        ].join('\n'),
      );
      if (options.serve) {
        out.write(`serving the feed on ${config.daemon.host}:${new URL(server.url).port}; Ctrl-C stops\n`);
        await untilStopped();
      }
      return summary.failed.length > 0 ? EXIT_FAILED : EXIT_OK;
    } finally {
      await server.close();
    }
  } finally {
    runtime.store.close();
    await emulator.close();
  }
}
