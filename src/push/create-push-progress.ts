import type { SyncAction, SyncPlan } from './plan-sync.js';

/**
 * Per-appointment progress of one target's push, which plans and writes a chunk at a time: the
 * appointments of a chunk that need no write are done once it is planned, the others when their last
 * object is written (or has failed), so a long first push moves one appointment at a time.
 */
export function createPushProgress(phase: string, total: number, onProgress: ((progress: { phase: string; done: number; total: number }) => void) | undefined) {
  const remaining = new Map<number, number>();
  let done = 0;
  const report = (): void => onProgress?.({ phase, done, total });
  return {
    planned(offset: number, chunkLength: number, plan: SyncPlan): void {
      remaining.clear();
      for (const action of plan.actions) remaining.set(action.appointmentId, (remaining.get(action.appointmentId) ?? 0) + 1);
      done = offset + chunkLength - remaining.size;
      report();
    },
    settled(action: Pick<SyncAction, 'appointmentId'>): void {
      const left = (remaining.get(action.appointmentId) ?? 1) - 1;
      remaining.set(action.appointmentId, left);
      if (left !== 0) return;
      done += 1;
      report();
    },
  };
}
