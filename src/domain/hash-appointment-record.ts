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
 * JSON.stringify given every key of the value, at any depth, sorted: it writes each object's keys in
 * that list's order and skips those an object lacks, so the text is the canonical one. Built in JS key
 * by key (entries, sorted copies, one string per value) it made 20 kB of garbage per record, most of
 * a backfill's churn. A key named __proto__ would be read from the prototype where an object lacks it.
 */
function canonicalJson(value: unknown): string {
  const keys = new Set<string>();
  collectKeys(value, keys);
  if (keys.has('__proto__')) return canonicalJsonByHand(value);
  return JSON.stringify(value, [...keys].sort()) ?? 'null';
}

/** Depth is bounded: checkRecordLimits ran first. */
function collectKeys(value: unknown, keys: Set<string>): void {
  if (typeof value !== 'object' || value === null) return;
  if (Array.isArray(value)) {
    for (const item of value) collectKeys(item, keys);
    return;
  }
  for (const key of Object.keys(value)) {
    keys.add(key);
    collectKeys((value as Record<string, unknown>)[key], keys);
  }
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
