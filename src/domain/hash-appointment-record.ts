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

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
