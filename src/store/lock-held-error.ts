import type { ErrorKind } from '../domain/classify-error.js';

/** Another live run holds the run lock. */
export class LockHeldError extends Error {
  override readonly name = 'LockHeldError';
  readonly kind: ErrorKind = 'locked';

  constructor(
    readonly lockName: string,
    readonly owner: string,
    readonly pid: number,
    readonly hostname: string,
    readonly heartbeatAt: string,
  ) {
    super(
      `another run holds the ${lockName} lock: ${owner} (pid ${pid} on ${hostname}, last heartbeat ${heartbeatAt}); ` +
        'wait for it to finish, or stop that process if it hangs',
    );
  }
}
