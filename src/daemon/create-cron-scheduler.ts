import cron from 'node-cron';

/** A schedule the daemon registers: `onTick` on every match of a cron expression until stopped. */
export interface ScheduledJob {
  stop(): Promise<void>;
}

/**
 * What the daemon needs from a scheduler. Production uses node-cron (createCronScheduler); tests pass
 * one whose ticks they fire themselves, so no test waits for the wall clock.
 */
export interface Scheduler {
  schedule(name: string, expression: string, onTick: () => void): ScheduledJob;
}

export function createCronScheduler(): Scheduler {
  return {
    schedule(name, expression, onTick) {
      // A tick missed while the event loop was busy needs no warning of its own (node-cron writes one
      // to the console, outside the JSON log): the run queue coalesces ticks, and the next one comes.
      const task = cron.schedule(expression, onTick, { name, suppressMissedWarning: true });
      return {
        async stop() {
          await task.destroy();
        },
      };
    },
  };
}
