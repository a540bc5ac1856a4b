import type { Command } from 'commander';

/**
 * What the top-level help lists of each command, so `onoffice-sync --help` loads no command module:
 * a command's module (and what it imports: the store, the CalDAV client, the metrics) is imported only
 * when that command runs or shows its own help. test/cli/help.test.ts checks each entry against the
 * command it loads, so the two cannot drift apart.
 */
export interface CommandEntry {
  readonly name: string;
  /** The command's line in the list, as commander writes it: name, " [options]" if it has any, arguments. */
  readonly term: string;
  readonly description: string;
  readonly load: () => Promise<() => Command>;
}

export const COMMAND_CATALOG: readonly CommandEntry[] = [
  {
    name: 'daemon',
    term: 'daemon [options]',
    description:
      'run as a service: sync on the schedule (daemon.schedule, seconds allowed), reconcile nightly (daemon.reconcileSchedule), serve /healthz /readyz /metrics and the ICS feeds; POST /sync (with daemon.adminToken) or SIGUSR1 syncs now, SIGHUP reloads the configuration, SIGTERM stops',
    load: async () => (await import('./daemon-command.js')).createDaemonCommand,
  },
  {
    name: 'demo',
    term: 'demo [options]',
    description: 'try it without onOffice: sync the built-in emulator’s sample appointments into a local ICS feed and .ics file',
    load: async () => (await import('./demo-command.js')).createDemoCommand,
  },
  {
    name: 'doctor',
    term: 'doctor [options]',
    description:
      'Check the configuration, onOffice (signing, credentials, clock), the state database and each CalDAV calendar (discovery, write permission); prints what to fix',
    load: async () => (await import('./doctor-command.js')).createDoctorCommand,
  },
  {
    name: 'emulator',
    term: 'emulator [options]',
    description: 'Run the local onOffice API emulator with seeded appointments (for demos and trying the sync without onOffice)',
    load: async () => (await import('./emulator-command.js')).createEmulatorCommand,
  },
  {
    name: 'export',
    term: 'export [options]',
    description: 'write the appointments in the state database as one .ics file',
    load: async () => (await import('./export-command.js')).createExportCommand,
  },
  {
    name: 'feed',
    term: 'feed',
    description: 'Manage the secret URLs of the ICS feeds configured under "feeds:"',
    load: async () => (await import('./feed-command.js')).createFeedCommand,
  },
  {
    name: 'migrate',
    term: 'migrate [options]',
    description: 'Create or upgrade the state database (STATE_DB) and print its schema version',
    load: async () => (await import('./migrate-command.js')).createMigrateCommand,
  },
  {
    name: 'serve',
    term: 'serve [options]',
    description: 'serve the ICS feeds and the status page (/) from the state database on daemon.host:daemon.port (no syncing)',
    load: async () => (await import('./serve-command.js')).createServeCommand,
  },
  {
    name: 'status',
    term: 'status [options]',
    description:
      'Show the sync state: whether a run is in progress, how far onOffice has been read, appointment counts, quarantined records, each calendar, recent runs in both directions',
    load: async () => (await import('./status-command.js')).createStatusCommand,
  },
  {
    name: 'sync',
    term: 'sync [options]',
    description: 'poll onOffice into the state store and push the changes to every CalDAV target, once',
    load: async () => (await import('./sync-command.js')).createSyncCommand,
  },
];
