import type { Scheduler } from '../../src/daemon/create-cron-scheduler.js';

/** A scheduler whose ticks the test fires: `tick('incremental')` is one cron match, at once. */
export interface ManualScheduler extends Scheduler {
  /** The expression each job was registered with, by name. */
  readonly expressions: Map<string, string>;
  /** Names of the jobs stopped so far. */
  readonly stopped: string[];
  tick(name: string): void;
}

export function createManualScheduler(): ManualScheduler {
  const jobs = new Map<string, () => void>();
  const expressions = new Map<string, string>();
  const stopped: string[] = [];
  return {
    expressions,
    stopped,
    schedule(name, expression, onTick) {
      jobs.set(name, onTick);
      expressions.set(name, expression);
      return {
        async stop() {
          jobs.delete(name);
          stopped.push(name);
        },
      };
    },
    tick(name) {
      jobs.get(name)?.();
    },
  };
}

/** Lets every promise callback that is already due run (the fakes resolve at once: no wall time involved). */
export async function settle(rounds = 10): Promise<void> {
  for (let round = 0; round < rounds; round += 1) await new Promise<void>((resolve) => setImmediate(resolve));
}
