/** What a credential's value becomes in a log line. */
export const REDACTED = '[redacted]';

/** How deep a credential key is looked for: `token`, `x.token` and `x.y.token`, as the log lines nest. */
const MAX_DEPTH = 2;

/**
 * A log line's fields with the value of every key in `keys` replaced by REDACTED, at the top level and
 * two levels down (arrays included). The same object when none is there, which is nearly every line:
 * the daemon logs a few lines a second, and pino's own wildcard redaction copied each field of each line
 * through every path (some 100 KB of garbage per line, a quarter of what an idle run allocated). A field
 * with a credential is copied, with the objects above it; the caller's objects are never changed.
 */
export function redactSecrets<T extends object>(fields: T, keys: ReadonlySet<string>): T {
  return redactLevel(fields, keys, 0) as T;
}

function redactLevel(value: object, keys: ReadonlySet<string>, depth: number): object {
  let copy: Record<string, unknown> | null = null;
  const source = value as Record<string, unknown>;
  for (const key of Object.keys(source)) {
    const field = source[key];
    let replaced = field;
    if (keys.has(key)) replaced = REDACTED;
    else if (depth < MAX_DEPTH && field !== null && typeof field === 'object') replaced = redactLevel(field, keys, depth + 1);
    if (replaced === field) continue;
    copy ??= copyOf(value);
    Object.defineProperty(copy, key, { value: replaced, enumerable: true, writable: true, configurable: true });
  }
  return copy ?? value;
}

/** Same prototype and own properties (an Error keeps its message and stack for pino's serializer). */
function copyOf(value: object): Record<string, unknown> {
  if (Array.isArray(value)) return [...value] as unknown as Record<string, unknown>;
  return Object.create(Object.getPrototypeOf(value) as object | null, Object.getOwnPropertyDescriptors(value)) as Record<string, unknown>;
}
