import type { ErrorKind } from '../domain/classify-error.js';

/** Who holds a run lock, as it described itself; null fields when it has not done so yet. */
export interface LockHolder {
  readonly owner: string;
  readonly pid: number | null;
  readonly hostname: string | null;
  readonly since: string | null;
  readonly heartbeatAt: string | null;
}

/** Another live run holds the run lock (the kernel says so; the description only names it). */
export class LockHeldError extends Error {
  override readonly name = 'LockHeldError';
  readonly kind: ErrorKind = 'locked';

  constructor(
    readonly lockName: string,
    readonly holder: LockHolder | null,
  ) {
    super(`another run holds the ${lockName} lock: ${describeLockHolder(holder)}; wait for it to finish, or stop that process if it hangs`);
  }
}

export function describeLockHolder(holder: LockHolder | null): string {
  if (!holder || holder.pid === null) return holder?.owner ?? 'a run that has not described itself yet';
  return `${holder.owner} (pid ${holder.pid} on ${holder.hostname ?? '?'}, since ${holder.since ?? '?'}, last heartbeat ${holder.heartbeatAt ?? '?'})`;
}
