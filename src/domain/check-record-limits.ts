/**
 * How deep and how large one onOffice record may be. Real appointment records are three levels deep
 * and a few kB; one nested 3,000 levels made every sync fail with "Maximum call stack size exceeded"
 * (the hash and the parser recurse), so such a record is quarantined before anything recurses into it.
 */
export const RECORD_LIMITS = { maxDepth: 32, maxBytes: 1024 * 1024 } as const;

/**
 * Why the record exceeds the limits, or null. Walks with its own stack (never recursion) and stops as
 * soon as a limit is passed, so it is safe on any input JSON.parse returns.
 */
export function checkRecordLimits(record: unknown, limits: { maxDepth: number; maxBytes: number } = RECORD_LIMITS): string | null {
  try {
    return walkRecord(record, limits);
  } finally {
    // Emptied after a walk that stopped early: the stacks must not keep a record alive. (A finished walk
    // has popped them empty; setting the length would give their storage back and make it anew.)
    if (values.length > 0) {
      values.length = 0;
      depths.length = 0;
    }
  }
}

/*
 * Two parallel stacks, not one object per value, kept between calls, and keys read by for…in rather than
 * Object.keys: it runs twice for every record a backfill reads, and an array per call plus one per
 * object was 3 kB of garbage per record (an entry object and Object.entries' pairs had been 7 kB). The
 * walk is synchronous and never re-entered, so one pair of stacks serves every call.
 */
const values: unknown[] = [];
const depths: number[] = [];

function walkRecord(record: unknown, limits: { maxDepth: number; maxBytes: number }): string | null {
  values.push(record);
  depths.push(0);
  let bytes = 0;
  while (values.length > 0) {
    const value = values.pop();
    const depth = depths.pop()!;
    if (typeof value === 'string') bytes += value.length;
    else if (value !== null && typeof value === 'object') {
      if (depth >= limits.maxDepth) return `the record is nested more than ${limits.maxDepth} levels deep; onOffice records are flat: check the data or the API endpoint`;
      if (Array.isArray(value)) {
        for (let index = 0; index < value.length; index++) {
          bytes += digitsOf(index) + 4;
          values.push(value[index]);
          depths.push(depth + 1);
        }
      } else {
        for (const key in value) {
          if (!Object.prototype.hasOwnProperty.call(value, key)) continue;
          bytes += key.length + 4;
          values.push((value as Record<string, unknown>)[key]);
          depths.push(depth + 1);
        }
      }
    } else bytes += 8;
    if (bytes > limits.maxBytes) return `the record is larger than ${limits.maxBytes} bytes; shorten its longest field in onOffice`;
  }
  return null;
}

/** The length of String(index), as Object.entries would have named it. */
function digitsOf(index: number): number {
  let digits = 1;
  for (let rest = index; rest >= 10; rest = Math.floor(rest / 10)) digits++;
  return digits;
}
