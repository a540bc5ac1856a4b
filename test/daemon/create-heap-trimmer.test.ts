import { describe, expect, it } from 'vitest';
import { createHeapTrimmer } from '../../src/daemon/create-heap-trimmer.js';

const MB = 1024 * 1024;

/** A heap the test sets, and a gc that brings it down to `live`. */
function fakeHeap(start: number) {
  let used = start;
  let live = start;
  const collections: number[] = [];
  return {
    heapUsed: () => used,
    gc: () => {
      collections.push(used);
      used = live;
    },
    grow: (bytes: number) => (used += bytes),
    setLive: (bytes: number) => (live = bytes),
    collectByItself: (to: number) => (used = to),
    collections,
  };
}

describe('the heap trimmer between daemon runs', () => {
  it('collects once the used heap has grown the threshold past the last collection, not before', () => {
    const heap = fakeHeap(12 * MB);
    const trimmer = createHeapTrimmer({ gc: heap.gc, heapUsed: heap.heapUsed, growthBytes: 4 * MB });
    for (let run = 0; run < 150; run++) {
      heap.grow(25_000);
      trimmer.afterRun();
    }
    expect(heap.collections).toEqual([]);
    heap.setLive(12.5 * MB);
    for (let run = 0; run < 20; run++) {
      heap.grow(25_000);
      trimmer.afterRun();
    }
    expect(heap.collections).toHaveLength(1);
    expect(heap.collections[0]).toBeGreaterThanOrEqual(16 * MB);
    // Measured again from what the collection left: the next one is another 4 MB away.
    heap.grow(3.9 * MB);
    trimmer.afterRun();
    expect(heap.collections).toHaveLength(1);
    heap.grow(0.2 * MB);
    trimmer.afterRun();
    expect(heap.collections).toHaveLength(2);
  });

  it('takes a collection V8 did by itself as the new floor', () => {
    const heap = fakeHeap(12 * MB);
    const trimmer = createHeapTrimmer({ gc: heap.gc, heapUsed: heap.heapUsed, growthBytes: 4 * MB });
    heap.grow(3.5 * MB);
    trimmer.afterRun();
    heap.collectByItself(10 * MB);
    trimmer.afterRun();
    heap.grow(3.5 * MB);
    trimmer.afterRun();
    expect(heap.collections).toEqual([]);
    heap.grow(0.6 * MB);
    trimmer.afterRun();
    expect(heap.collections).toHaveLength(1);
  });

  it('does nothing without node’s gc (a daemon started without --expose-gc)', () => {
    const heap = fakeHeap(12 * MB);
    const trimmer = createHeapTrimmer({ gc: undefined, heapUsed: heap.heapUsed, growthBytes: 1 });
    heap.grow(100 * MB);
    expect(() => trimmer.afterRun()).not.toThrow();
    expect(heap.collections).toEqual([]);
  });
});
