import { createHash } from 'node:crypto';
import type { AppointmentRecord } from './appointment-record.js';
import { checkRecordLimits } from './check-record-limits.js';

/**
 * sha256 (hex) of the record's `elements` as canonical JSON (object keys sorted at every depth, array
 * order kept). Every element counts, so any change onOffice reports is a change here; the sync's
 * "changed" test combines this with `modified`.
 */
export function hashAppointmentRecord(record: AppointmentRecord): string {
  // A record past the limits is quarantined by parseAppointment; its hash only has to be stable and
  // must not recurse, and its id and `modified` are what changes when onOffice fixes it.
  if (checkRecordLimits(record) !== null) {
    return createHash('sha256').update(`over-limits:${String(record.id)}:${String((record.elements as { modified?: unknown } | undefined)?.modified)}`).digest('hex');
  }
  return createHash('sha256').update(canonicalJson(record.elements)).digest('hex');
}

/**
 * JSON.stringify given a sorted list holding every key of the value, at any depth: it writes each
 * object's keys in the list's order and skips those an object lacks, so the text is the canonical one.
 * Built in JS key by key (entries, sorted copies, one string per value) it made 20 kB of garbage per
 * record, most of a backfill's churn. The list is kept between calls (records share their keys), so a
 * record whose keys are all known costs a walk and the text; it is rebuilt past MAX_KNOWN_KEYS. A key
 * named __proto__ would be read from the prototype where an object lacks it: such values go by hand.
 */
function canonicalJson(value: unknown): string {
  if (!learnKeys(value)) return canonicalJsonByHand(value);
  return JSON.stringify(value, known.sorted) ?? 'null';
}

const MAX_KNOWN_KEYS = 1_000;
const known: { keys: Set<string>; sorted: string[] } = { keys: new Set(), sorted: [] };

/** Adds the value's keys to `known`; false for a value with a __proto__ key. Depth is bounded: checkRecordLimits ran first. */
function learnKeys(value: unknown): boolean {
  let added = false;
  const walk = (inner: unknown): boolean => {
    if (typeof inner !== 'object' || inner === null) return true;
    if (Array.isArray(inner)) return inner.every(walk);
    for (const key in inner) {
      if (!Object.prototype.hasOwnProperty.call(inner, key)) continue;
      if (key === '__proto__') return false;
      if (!known.keys.has(key)) {
        known.keys.add(key);
        added = true;
      }
      if (!walk((inner as Record<string, unknown>)[key])) return false;
    }
    return true;
  };
  if (known.keys.size > MAX_KNOWN_KEYS) known.keys.clear();
  const ok = walk(value);
  if (added || known.keys.size !== known.sorted.length) known.sorted = [...known.keys].sort();
  return ok;
}

function canonicalJsonByHand(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJsonByHand(item ?? null)).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJsonByHand(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
