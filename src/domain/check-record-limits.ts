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
  const stack: Array<{ value: unknown; depth: number }> = [{ value: record, depth: 0 }];
  let bytes = 0;
  while (stack.length > 0) {
    const { value, depth } = stack.pop()!;
    if (typeof value === 'string') bytes += value.length;
    else if (value !== null && typeof value === 'object') {
      if (depth >= limits.maxDepth) return `the record is nested more than ${limits.maxDepth} levels deep; onOffice records are flat: check the data or the API endpoint`;
      for (const [key, inner] of Object.entries(value)) {
        bytes += key.length + 4;
        stack.push({ value: inner, depth: depth + 1 });
      }
    } else bytes += 8;
    if (bytes > limits.maxBytes) return `the record is larger than ${limits.maxBytes} bytes; shorten its longest field in onOffice`;
  }
  return null;
}
