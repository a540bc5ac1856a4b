import type { Command as CommandType } from 'commander';
import { addConfigOption, createCommandContext, type CommandContext } from './command-context.js';
import type { DaemonCommandOptions, DaemonSignal } from './run-daemon.js';
import { runAction } from './run-action.js';
import { loadCommander } from './load-commander.js';

const { Command } = loadCommander();

export function createDaemonCommand(): CommandType {
  return addConfigOption(
    new Command('daemon').description(
      'run as a service: sync on the schedule (daemon.schedule, seconds allowed), reconcile nightly (daemon.reconcileSchedule), serve /healthz /readyz /metrics and the ICS feeds; POST /sync (with daemon.adminToken) or SIGUSR1 syncs now, SIGHUP reloads the configuration, SIGTERM stops',
    ),
  )
    .addHelpText(
      'after',
      [
        '',
        'Example:',
        '  onoffice-sync daemon --config /etc/onoffice-sync/config.yaml   # as systemd runs it: see systemd/onoffice-sync.service',
        '  systemctl kill -s USR1 onoffice-sync                           # sync now',
        '  curl -X POST -H "Authorization: Bearer $ONOFFICE_SYNC_ADMIN_TOKEN" http://127.0.0.1:8787/sync',
      ].join('\n'),
    )
    .action(
      runAction(async (options: DaemonCommandOptions) => {
        // First of all: until a SIGUSR1 listener is installed, Node.js answers that signal by opening its
        // inspector on 127.0.0.1:9229, a debugger any local user could attach to.
        const onTriggerSignal = listenForTriggerSignal('SIGUSR1');
        // The daemon itself (metrics, node-cron, the sync runtime, the HTTP server) loads here, not for `daemon --help`.
        const [{ runDaemon }, { createCronScheduler }, { createProgressLogDestination, createProgressReporter }] = await Promise.all([
          import('./run-daemon.js'),
          import('../daemon/create-cron-scheduler.js'),
          import('./create-progress-reporter.js'),
        ]);
        const progress = process.stderr.isTTY ? createProgressReporter() : undefined;
        const loadContext = (loaded: DaemonCommandOptions): CommandContext => createCommandContext(loaded, {}, progress && createProgressLogDestination(progress));
        return runDaemon(options, { scheduler: createCronScheduler(), nextSignal: listenForSignals(['SIGTERM', 'SIGINT', 'SIGHUP']), loadContext, progress, onTriggerSignal });
      }),
    );
}

/** Installs the handler at once; a trigger before the daemon runs is covered by the run it makes at start. */
function listenForTriggerSignal(signal: 'SIGUSR1'): (listener: () => void) => void {
  let current: (() => void) | null = null;
  process.on(signal, () => current?.());
  return (listener) => {
    current = listener;
  };
}

/** Installs the handlers at once (so a SIGHUP between two waits never falls back to Node's default: exit). */
function listenForSignals(signals: readonly DaemonSignal[]): () => Promise<DaemonSignal> {
  const received: DaemonSignal[] = [];
  let waiting: ((signal: DaemonSignal) => void) | null = null;
  for (const signal of signals) {
    process.on(signal, () => {
      if (waiting) {
        const resolve = waiting;
        waiting = null;
        resolve(signal);
      } else received.push(signal);
    });
  }
  return () => {
    const queued = received.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve) => (waiting = resolve));
  };
}
