import type { SyncAction, SyncPlan } from './plan-sync.js';

/**
 * Per-appointment progress of one target's push, which plans and writes a chunk at a time: the
 * appointments of a chunk that need no write are done once it is planned, the others when their last
 * object is written (or has failed), so a long first push moves one appointment at a time. The next
 * chunk is planned while the one before is still being written (push-to-target.ts), so the objects
 * still to settle are counted across chunks: a chunk's planning must not forget the one before's.
 */
export function createPushProgress(phase: string, total: number | (() => number), onProgress: ((progress: { phase: string; done: number; total: number }) => void) | undefined) {
  /** Objects still to settle, by appointment, of every chunk planned so far. */
  const remaining = new Map<number, number>();
  let done = 0;
  // A push that follows its run's poll learns its total as the poll stores (plan-push-chunks.ts).
  const report = (): void => onProgress?.({ phase, done, total: typeof total === 'number' ? total : total() });
  return {
    planned(chunkLength: number, plan: SyncPlan): void {
      const writing = new Map<number, number>();
      for (const action of plan.actions) writing.set(action.appointmentId, (writing.get(action.appointmentId) ?? 0) + 1);
      for (const [appointmentId, objects] of writing) remaining.set(appointmentId, (remaining.get(appointmentId) ?? 0) + objects);
      done += chunkLength - writing.size;
      report();
    },
    settled(action: Pick<SyncAction, 'appointmentId'>): void {
      const left = remaining.get(action.appointmentId);
      if (left === undefined) return;
      if (left > 1) {
        remaining.set(action.appointmentId, left - 1);
        return;
      }
      remaining.delete(action.appointmentId);
      done += 1;
      report();
    },
  };
}
