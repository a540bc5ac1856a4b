/**
 * The one classifier of failures. Every error class of ours declares its `kind`; exit codes
 * (cli/exit-code-for.ts), the daemon and every per-item decision (record and retry next run, or stop
 * the run) read it here, so renaming a class changes nothing:
 *
 * - setup: the configuration, the credentials or the clock is wrong; retrying will not help (exit 2).
 * - guard: a safety check stopped the run (mass deletion, an emptied feed); --force-delete overrides (exit 4).
 * - locked: another run holds the lock; the next one tries again (exit 3).
 * - transient: a server, the network or the disk failed; the next run tries again (exit 1).
 * - item: one appointment or event could not be carried over; it is recorded and retried, the run goes on.
 *
 * An error without a kind (a bug, a library's TypeError) counts as transient: the run fails with exit 1
 * and nothing is given up for good.
 */
export type ErrorKind = 'setup' | 'guard' | 'locked' | 'transient' | 'item';

const KINDS: ReadonlySet<string> = new Set<ErrorKind>(['setup', 'guard', 'locked', 'transient', 'item']);

export function classifyError(error: unknown): ErrorKind {
  const kind = (error as { kind?: unknown } | null | undefined)?.kind;
  return typeof kind === 'string' && KINDS.has(kind) ? (kind as ErrorKind) : 'transient';
}

/** Whether a failure of one item stops the run: a setup problem fails every other item the same way. */
export function failsEveryItem(error: unknown): boolean {
  return classifyError(error) === 'setup';
}

/** The message of anything thrown, for logs and failure records. */
export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
