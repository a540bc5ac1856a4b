/**
 * One transaction for the state writes queued within one turn of the event loop (group commit).
 *
 * A push journals each write before its request and records its outcome after the answer. Committed one
 * by one, that was two commits per object, and every commit appends the pages it touched to the WAL: a
 * backfill of 1,901 objects into SOGo wrote 100 MB to the state's disk (write_bytes of /proc/<pid>/io),
 * beside a CalDAV server that fsyncs each PUT on the same disk. The answers that arrive in one turn,
 * their outcomes and the journal entries of the writes that follow them, are committed together here,
 * once the turn's I/O callbacks have run (setImmediate): one commit per object at most, 80 MB.
 *
 * A write that throws rolls its whole group back, and every promise of the group rejects with that
 * error: nothing of a group is half stored. Callers treat that as the journal failing (the push stops).
 */

export interface GroupCommit {
  /** Queues `write` for the next commit; resolves with its result once that commit is done. */
  commit<T>(write: () => T): Promise<T>;
}

interface Queued {
  readonly write: () => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

export function createGroupCommit(
  runInTransaction: (work: () => void) => void,
  schedule: (flush: () => void) => void = (flush) => setImmediate(flush),
): GroupCommit {
  let queued: Queued[] = [];
  const flush = (): void => {
    const group = queued;
    queued = [];
    const results: unknown[] = [];
    try {
      runInTransaction(() => {
        for (const item of group) results.push(item.write());
      });
    } catch (error) {
      for (const item of group) item.reject(error);
      return;
    }
    group.forEach((item, index) => item.resolve(results[index]));
  };
  return {
    commit<T>(write: () => T): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        if (queued.length === 0) schedule(flush);
        queued.push({ write, resolve: resolve as (value: unknown) => void, reject });
      });
    },
  };
}
