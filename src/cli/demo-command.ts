import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { parseConfig } from '../config/load-config.js';
import { startEmulator } from '../emulator/start-emulator.js';
import { createFeedTokenRepository } from '../feed/feed-token-repository.js';
import { planFeedUrls } from '../feed/plan-feed-urls.js';
import { startFeedServer } from '../feed/start-feed-server.js';
import { parseIcsObjects } from '../ical/parse-ics-objects.js';
import { createLogger } from '../log/create-logger.js';
import { createSyncRuntime } from '../app/create-sync-runtime.js';
import { runSync, summaryCounts } from '../app/run-sync.js';
import { writeExport } from './export-command.js';
import { EXIT_FAILED, EXIT_OK } from './exit-code-for.js';
import { runAction } from './run-action.js';

interface DemoOptions {
  appointments: string;
  seed: string;
  dir: string;
  port: string;
  serve?: boolean;
}

/**
 * The ten-minute tour: the onOffice emulator with generated appointments, one real sync run into a
 * state database, the local .ics export and the ICS feed — then a real HTTP GET of the feed to prove it.
 * Nothing leaves this machine.
 */
export function createDemoCommand(): Command {
  return new Command('demo')
    .description('try it without onOffice: sync the built-in emulator’s sample appointments into a local ICS feed and .ics file')
    .option('--appointments <n>', 'sample appointments to generate', '500')
    .option('--seed <n>', 'generator seed', '1')
    .option('--dir <path>', 'where the state database and the export go (recreated)', 'demo-output')
    .option('--port <port>', 'port of the feed server (0: any free port)', '0')
    .option('--serve', 'keep serving the feed until Ctrl-C (to subscribe from a calendar app)')
    .action(runAction((options: DemoOptions) => runDemo(options, process.stdout)));
}

export async function runDemo(options: DemoOptions, out: NodeJS.WritableStream): Promise<number> {
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
    daemon: { host: '127.0.0.1', port: Number(options.port) },
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
      const urls = planFeedUrls(server.url, 'demo', token);
      const response = await fetch(urls.http);
      const body = await response.text();
      const events = response.ok ? parseIcsObjects(body).length : 0;
      if (!response.ok || events === 0) {
        out.write(`feed check failed: HTTP ${response.status}, ${events} events\n`);
        return EXIT_FAILED;
      }
      out.write(`feed: HTTP ${response.status}, ${events} events, ETag ${response.headers.get('etag')}\n`);
      out.write(`  ${urls.http}\n  ${urls.webcal}\n`);
      out.write(
        [
          '',
          'Next steps:',
          `  • open ${exportPath} in any calendar app, or run \`npm run demo -- --serve --port 8787\` and subscribe to the feed URL`,
          '  • point it at a CalDAV server: CALDAV_URL=… CALDAV_USERNAME=… CALDAV_PASSWORD=… (see README "Configure")',
          '  • for your real onOffice: ONOFFICE_TOKEN=… ONOFFICE_SECRET=… onoffice-sync doctor, then onoffice-sync sync',
          '',
        ].join('\n'),
      );
      if (options.serve) {
        out.write('serving the feed; Ctrl-C stops\n');
        await new Promise<void>((resolveStop) => {
          process.once('SIGINT', resolveStop);
          process.once('SIGTERM', resolveStop);
        });
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
