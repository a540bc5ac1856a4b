import type { AppointmentSource } from '../domain/appointment-source.js';

/** Reads of the target's known objects the chunk planner needs (the state store behind them). */
export interface KnownAppointmentIds {
  /** Up to `limit` ids above `after`, ascending, of appointments with an object in the target. */
  listKnownAppointmentIdsAfter(target: string, after: number, limit: number): number[];
  countPushScope(target: string): number;
}

export interface PushChunks {
  /** How many appointments the chunks hold together (the progress total); grows while they follow a poll. */
  readonly total: number | (() => number);
  readonly chunks: Iterable<number[]> | AsyncIterable<number[]>;
  /**
   * The change sequence the chunks covered, once all were read: the target's cursor after the push.
   * Absent: the store's sequence when the push began (seqAtStart).
   */
  readonly upTo?: () => number;
}

/** What planPushChunks plans: a known total, chunks read from the store as they are asked for. */
export interface PlannedChunks extends PushChunks {
  readonly total: number;
  readonly chunks: Iterable<number[]>;
}

/** Appointments being stored while a push reads them (the poll of the same run). */
export interface ChangeFeed {
  /** No more will be stored: what the store holds now is all there is. */
  readonly ended: boolean;
  /** Resolves once more may have been stored, or the feed ended. */
  changed(): Promise<void>;
}

export interface PlanPushChunksInput {
  readonly source: AppointmentSource;
  readonly known: KnownAppointmentIds;
  readonly target: string;
  readonly full: boolean;
  /** The target's cursor: changes up to it are pushed (incremental only). */
  readonly pushedSeq: number;
  /** The store's change sequence when the push began: later changes are the next run's. */
  readonly seqAtStart: number;
  /** Appointments pushed whatever changed: failures to retry, journal rows to settle, drift to repair. */
  readonly extra: ReadonlySet<number>;
  readonly chunkSize: number;
}

/**
 * The appointments one push covers, a chunk at a time, read page by page from the store so no list of
 * the whole state is held: a full push takes every live appointment and every one with an object in the
 * target (so objects of deleted ones are removed), in id order; an incremental push takes the extra ones
 * and then what changed after the target's cursor, in change order — nothing more, so a run with
 * nothing changed reads nothing.
 */
export function planPushChunks(input: PlanPushChunksInput): PlannedChunks {
  return input.full ? planFullChunks(input) : planChangedChunks(input);
}

function planFullChunks({ source, known, target, extra, chunkSize }: PlanPushChunksInput): PlannedChunks {
  const outside = [...extra].filter((id) => source.getAppointment(id) === null && known.listKnownAppointmentIdsAfter(target, id - 1, 1)[0] !== id);
  function* chunks(): Generator<number[]> {
    let after = 0;
    for (;;) {
      const live = source.listIdsAfter(after, chunkSize);
      const recorded = known.listKnownAppointmentIdsAfter(target, after, chunkSize);
      // A page ends where the shorter full page ends: every id up to there is in one of the two pages.
      const upTo = Math.min(live.length === chunkSize ? live.at(-1)! : Infinity, recorded.length === chunkSize ? recorded.at(-1)! : Infinity);
      const ids = new Set<number>();
      for (const id of [...live, ...recorded, ...extra]) if (id > after && id <= upTo) ids.add(id);
      if (ids.size > 0) yield [...ids].sort((a, b) => a - b);
      if (upTo === Infinity) return;
      after = upTo;
    }
  }
  return { total: known.countPushScope(target) + outside.length, chunks: chunks() };
}

function planChangedChunks({ source, pushedSeq, seqAtStart, extra, chunkSize }: PlanPushChunksInput): PlannedChunks {
  const changedToo = [...extra].filter((id) => {
    const seq = source.getChangeSeq(id);
    return seq !== null && seq > pushedSeq && seq <= seqAtStart;
  }).length;
  function* chunks(): Generator<number[]> {
    yield* extraChunks(extra, chunkSize);
    let seq = pushedSeq;
    while (seq < seqAtStart) {
      const page = source.listChangedAfter(seq, chunkSize).filter((change) => change.changeSeq <= seqAtStart);
      const ids = page.map((change) => change.id).filter((id) => !extra.has(id));
      if (ids.length > 0) yield ids;
      if (page.length < chunkSize) return;
      seq = page.at(-1)!.changeSeq;
    }
  }
  return { total: extra.size - changedToo + source.countChangedBetween(pushedSeq, seqAtStart), chunks: chunks() };
}

/** The appointments pushed whatever changed, `chunkSize` at a time: the first chunks of a push by changes. */
function* extraChunks(extra: ReadonlySet<number>, chunkSize: number): Generator<number[]> {
  const ids = [...extra];
  for (let offset = 0; offset < ids.length; offset += chunkSize) yield ids.slice(offset, offset + chunkSize);
}

/**
 * The first chunk cut into smaller chunks of `sizes` first, then its rest; the chunks after it as they
 * are. The push writes a chunk once the whole of it is planned and plans the next while it is written
 * (push-to-target.ts): a first chunk of 500 appointments kept the server idle for its ~110 ms of planning
 * before the first PUT (into Cyrus, of a 2,000-appointment backfill). A small first chunk is written
 * after a few milliseconds, and each larger one is planned while the one before is written.
 */
export function* rampUpChunks(chunks: Iterable<number[]>, sizes: readonly number[]): Generator<number[]> {
  let first = true;
  for (const chunk of chunks) {
    if (!first) {
      yield chunk;
      continue;
    }
    first = false;
    let offset = 0;
    for (const size of sizes) {
      if (offset >= chunk.length) break;
      yield chunk.slice(offset, offset + size);
      offset += size;
    }
    if (offset < chunk.length) yield chunk.slice(offset);
  }
}

/**
 * The chunks of a first push that starts while its run's poll still stores what it reads: every change
 * after `pushedSeq` in change order (on a target that holds nothing, every appointment the store holds,
 * as a full push would take them), `sizes` first and then `chunkSize` at a time, a page as soon as it
 * holds anything; once the store has nothing new it waits for the feed, and it ends when the feed has
 * ended and a page read after that holds nothing. Store commits are in change order (one connection,
 * synchronous transactions), so nothing stored is skipped; `upTo` is the last change read. `extra` go
 * first, as in an incremental push.
 */
export function followChangedChunks(input: {
  readonly source: AppointmentSource;
  readonly feed: ChangeFeed;
  readonly pushedSeq: number;
  readonly extra: ReadonlySet<number>;
  readonly sizes: readonly number[];
  readonly chunkSize: number;
}): PushChunks {
  const { source, feed, pushedSeq, extra, sizes, chunkSize } = input;
  let seq = pushedSeq;
  // What the store holds so far, counted a new part at a time (a change stored again counts again, as
  // its id comes again in a later page).
  let total = extra.size;
  let counted = pushedSeq;
  const count = (): void => {
    const latest = source.maxChangeSeq();
    total += source.countChangedBetween(counted, latest);
    counted = latest;
  };
  count();
  async function* chunks(): AsyncGenerator<number[]> {
    yield* extraChunks(extra, chunkSize);
    let index = 0;
    for (;;) {
      // Read before the page: a feed that had ended then is answered in full by this page.
      const ended = feed.ended;
      const page = source.listChangedAfter(seq, sizes[index] ?? chunkSize);
      if (page.length === 0) {
        if (ended) return;
        await feed.changed();
        continue;
      }
      index += 1;
      seq = page.at(-1)!.changeSeq;
      count();
      const ids = page.map((change) => change.id).filter((id) => !extra.has(id));
      if (ids.length > 0) yield ids;
    }
  }
  return { total: () => total, chunks: chunks(), upTo: () => seq };
}
