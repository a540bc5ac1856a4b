import { getHeapStatistics } from 'node:v8';

export interface HeapTrimmer {
  /** Called after each run: collects once the used heap has grown `growthBytes` past the last collection. */
  afterRun(): void;
}

export interface HeapTrimmerOptions {
  /** The full collection: node's `gc` with --expose-gc (the systemd units pass it), else nothing is done. */
  readonly gc?: (() => void) | undefined;
  readonly heapUsed?: () => number;
  readonly growthBytes?: number;
}

/**
 * How far the used heap may grow past what the last collection left before the daemon collects. A run
 * with nothing to do leaves 20–30 kB of garbage in old space (what lived through two scavenges), so at a
 * 1-second schedule this is a collection every couple of minutes, each about 10 ms.
 */
export const HEAP_TRIM_GROWTH_BYTES = 4 * 1024 * 1024;

/**
 * Keeps a daemon that runs every few seconds at its settled size. V8 lets old space fill with garbage
 * until it is several megabytes (measured: 7–8 MB) past the live heap before it collects, and its memory
 * reducer, which collects an idle process, never sees a daemon that runs every second as idle. RSS follows
 * that growth: in the soak bench (bench/soak-bench.mjs) the heap's reserved size rose from 17.8 MB to
 * 21 MB over 400 runs while the live heap stayed at 12–14 MB. Between runs, where a pause costs nobody
 * anything, the daemon collects once the used heap has grown HEAP_TRIM_GROWTH_BYTES past where the last
 * collection left it, so the reserve stays near the live heap and RSS near where it settled.
 */
export function createHeapTrimmer(options: HeapTrimmerOptions = {}): HeapTrimmer {
  const gc = 'gc' in options ? options.gc : (globalThis as { gc?: () => void }).gc;
  const heapUsed = options.heapUsed ?? (() => getHeapStatistics().used_heap_size);
  const growthBytes = options.growthBytes ?? HEAP_TRIM_GROWTH_BYTES;
  if (!gc) return { afterRun: () => undefined };
  let floor = heapUsed();
  return {
    afterRun() {
      const used = heapUsed();
      // A collection V8 did on its own lowered the heap: that is the new floor.
      if (used < floor) floor = used;
      if (used - floor < growthBytes) return;
      gc();
      floor = heapUsed();
    },
  };
}
