import { describe, expect, it } from 'vitest';
import type { AppointmentSource } from '../../src/domain/appointment-source.js';
import { followChangedChunks, planPushChunks, rampUpChunks, type KnownAppointmentIds } from '../../src/push/plan-push-chunks.js';
import { createPollFeed } from '../../src/app/create-poll-feed.js';

/** A store of `live` appointments (id → change_seq) and objects recorded for `known` appointment ids. */
function fakeStore(live: Map<number, number>, deleted: Map<number, number>, known: number[]) {
  const all = new Map([...live, ...deleted]);
  const reads = { pages: 0 };
  const source: AppointmentSource = {
    maxChangeSeq: () => Math.max(0, ...all.values()),
    listChangedAfter: (seq, limit) => {
      reads.pages += 1;
      return [...all].filter(([, changeSeq]) => changeSeq > seq).sort((a, b) => a[1] - b[1]).slice(0, limit).map(([id, changeSeq]) => ({ id, changeSeq }));
    },
    countChangedBetween: (after, upTo) => [...all.values()].filter((seq) => seq > after && seq <= upTo).length,
    getChangeSeq: (id) => all.get(id) ?? null,
    listIds: () => [...live.keys()].sort((a, b) => a - b),
    listIdsAfter: (after, limit) => {
      reads.pages += 1;
      return [...live.keys()].filter((id) => id > after).sort((a, b) => a - b).slice(0, limit);
    },
    getAppointment: (id) => (live.has(id) ? ({ id } as never) : null),
    getRevision: () => 0,
    getMany: (ids) => ids.map((id) => ({ id, appointment: live.has(id) ? ({ id } as never) : null, revision: 0 })),
  };
  const sortedKnown = [...new Set(known)].sort((a, b) => a - b);
  const index: KnownAppointmentIds = {
    listKnownAppointmentIdsAfter: (_target, after, limit) => sortedKnown.filter((id) => id > after).slice(0, limit),
    countPushScope: () => new Set([...live.keys(), ...sortedKnown]).size,
  };
  return { source, index, reads };
}

const collect = (chunks: Iterable<number[]>): number[][] => [...chunks];

describe('planPushChunks', () => {
  it('a full push covers every live appointment and every one with an object, each once, in bounded chunks', () => {
    const live = new Map(Array.from({ length: 23 }, (_, i) => [i * 2 + 1, i + 1] as [number, number]));
    // Objects of live appointments and of deleted ones (8, 30, 100), which must be planned to be removed.
    const deleted = new Map<number, number>([[8, 40], [30, 41], [100, 42]]);
    const { source, index } = fakeStore(live, deleted, [1, 3, 8, 30, 45, 100]);
    const planned = planPushChunks({ source, known: index, target: 't', full: true, pushedSeq: 0, seqAtStart: 42, extra: new Set([200]), chunkSize: 5 });
    const chunks = collect(planned.chunks);
    const ids = chunks.flat();
    expect(ids).toEqual([...new Set([...live.keys(), 8, 30, 100, 200])].sort((a, b) => a - b));
    expect(chunks.every((chunk) => chunk.length <= 10)).toBe(true);
    expect(chunks.length).toBeGreaterThan(3);
    expect(planned.total).toBe(ids.length);
  });

  it('an incremental push takes the extra ones, then the changes up to the start, each once', () => {
    const live = new Map<number, number>([[1, 1], [2, 2], [3, 3], [4, 4], [5, 5], [6, 6], [7, 7]]);
    const { source, index } = fakeStore(live, new Map(), []);
    // Pushed up to 2; 7 changed after the push began (the next run's); 1 failed before, 5 drifted.
    const planned = planPushChunks({ source, known: index, target: 't', full: false, pushedSeq: 2, seqAtStart: 6, extra: new Set([1, 5]), chunkSize: 2 });
    const ids = collect(planned.chunks).flat();
    expect(ids.sort((a, b) => a - b)).toEqual([1, 3, 4, 5, 6]);
    expect(planned.total).toBe(5);
  });

  it('with nothing changed and nothing to retry, an incremental push reads no page at all', () => {
    const live = new Map(Array.from({ length: 1000 }, (_, i) => [i + 1, i + 1] as [number, number]));
    const { source, index, reads } = fakeStore(live, new Map(), [...live.keys()]);
    const planned = planPushChunks({ source, known: index, target: 't', full: false, pushedSeq: 1000, seqAtStart: 1000, extra: new Set(), chunkSize: 500 });
    expect(collect(planned.chunks)).toEqual([]);
    expect(planned.total).toBe(0);
    expect(reads.pages).toBe(0);
  });
});

describe('rampUpChunks', () => {
  const ids = (from: number, count: number): number[] => Array.from({ length: count }, (_, i) => from + i);

  it('cuts the first chunk into the sizes given, then its rest, and leaves the later chunks as they are', () => {
    const chunks = [ids(1, 500), ids(501, 500), ids(1001, 7)];
    const ramped = collect(rampUpChunks(chunks, [25, 100]));
    expect(ramped.map((chunk) => chunk.length)).toEqual([25, 100, 375, 500, 7]);
    expect(ramped.flat()).toEqual(chunks.flat());
  });

  it('a first chunk smaller than the ramp stays whole where it ends, and nothing empty is yielded', () => {
    expect(collect(rampUpChunks([ids(1, 30)], [25, 100])).map((chunk) => chunk.length)).toEqual([25, 5]);
    expect(collect(rampUpChunks([ids(1, 25)], [25, 100])).map((chunk) => chunk.length)).toEqual([25]);
    expect(collect(rampUpChunks([ids(1, 3)], [25, 100])).map((chunk) => chunk.length)).toEqual([3]);
    expect(collect(rampUpChunks([], [25, 100]))).toEqual([]);
  });

  it('reads the chunks lazily: the page after the first is not read before the ramp is through', () => {
    let pages = 0;
    function* pagesOf(): Generator<number[]> {
      for (let page = 0; page < 3; page += 1) {
        pages += 1;
        yield ids(page * 500 + 1, 500);
      }
    }
    const ramped = rampUpChunks(pagesOf(), [25, 100]);
    ramped.next();
    ramped.next();
    ramped.next();
    expect(pages).toBe(1);
    ramped.next();
    expect(pages).toBe(2);
  });
});

describe('followChangedChunks', () => {
  /** Stores appointments with the next change_seq each, as the poll's commits do. */
  const storing = (live: Map<number, number>) => {
    let seq = Math.max(0, ...live.values());
    return (...ids: number[]) => {
      for (const id of ids) live.set(id, ++seq);
    };
  };
  /** The change reads of a store that grows while it is read (fakeStore reads a copy made once). */
  const growingSource = (live: Map<number, number>): AppointmentSource => ({
    ...fakeStore(live, new Map(), []).source,
    maxChangeSeq: () => Math.max(0, ...live.values()),
    listChangedAfter: (seq, limit) => [...live].filter(([, changeSeq]) => changeSeq > seq).sort((a, b) => a[1] - b[1]).slice(0, limit).map(([id, changeSeq]) => ({ id, changeSeq })),
    countChangedBetween: (after, upTo) => [...live.values()].filter((changeSeq) => changeSeq > after && changeSeq <= upTo).length,
  });

  it('takes what is stored in change order, small pieces first, waits while the poll stores, and ends once the feed ended and nothing is left', async () => {
    const live = new Map<number, number>();
    const store = storing(live);
    const source = growingSource(live);
    const feed = createPollFeed();
    store(30, 10, 20, 40, 50);
    const planned = followChangedChunks({ source, feed, pushedSeq: 0, extra: new Set(), sizes: [2, 3], chunkSize: 4 });
    const chunks = (planned.chunks as AsyncIterable<number[]>)[Symbol.asyncIterator]();
    expect((await chunks.next()).value).toEqual([30, 10]);
    expect((await chunks.next()).value).toEqual([20, 40, 50]);
    // Nothing new: the next chunk waits for the feed.
    let next = chunks.next();
    let settled = false;
    void next.then(() => (settled = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    store(60, 5);
    feed.stored();
    expect((await next).value).toEqual([60, 5]);
    expect(typeof planned.total === 'function' ? planned.total() : planned.total).toBe(7);
    // What is stored as the feed ends is still read: the page after the end is read in full.
    store(70, 80, 90, 100, 110);
    feed.end();
    expect((await chunks.next()).value).toEqual([70, 80, 90, 100]);
    expect((await chunks.next()).value).toEqual([110]);
    next = chunks.next();
    expect(await next).toEqual({ done: true, value: undefined });
    expect(planned.upTo?.()).toBe(12);
  });

  it('starts after the target cursor and puts the extra appointments first, once', async () => {
    const live = new Map([[1, 1], [2, 2], [3, 3], [4, 4]]);
    const { source } = fakeStore(live, new Map(), []);
    const feed = createPollFeed();
    feed.end();
    const planned = followChangedChunks({ source, feed, pushedSeq: 1, extra: new Set([3, 9]), sizes: [], chunkSize: 10 });
    const chunks: number[][] = [];
    for await (const chunk of planned.chunks) chunks.push(chunk);
    expect(chunks).toEqual([[3, 9], [2, 4]]);
    expect(planned.upTo?.()).toBe(4);
  });
});
