import type { AppointmentSource } from '../domain/appointment-source.js';

/** Reads of the target's known objects the chunk planner needs (the state store behind them). */
export interface KnownAppointmentIds {
  /** Up to `limit` ids above `after`, ascending, of appointments with an object in the target. */
  listKnownAppointmentIdsAfter(target: string, after: number, limit: number): number[];
  countPushScope(target: string): number;
}

export interface PushChunks {
  /** How many appointments the chunks hold together (the progress total). */
  readonly total: number;
  readonly chunks: Iterable<number[]>;
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
export function planPushChunks(input: PlanPushChunksInput): PushChunks {
  return input.full ? planFullChunks(input) : planChangedChunks(input);
}

function planFullChunks({ source, known, target, extra, chunkSize }: PlanPushChunksInput): PushChunks {
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

function planChangedChunks({ source, pushedSeq, seqAtStart, extra, chunkSize }: PlanPushChunksInput): PushChunks {
  const changedToo = [...extra].filter((id) => {
    const seq = source.getChangeSeq(id);
    return seq !== null && seq > pushedSeq && seq <= seqAtStart;
  }).length;
  function* chunks(): Generator<number[]> {
    const first = [...extra];
    for (let offset = 0; offset < first.length; offset += chunkSize) yield first.slice(offset, offset + chunkSize);
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
