import { createHash } from 'node:crypto';
import type { AppointmentRecord } from '../domain/appointment-record.js';

/**
 * sha256 (hex) of the record's `elements` as canonical JSON (object keys sorted at every depth, array
 * order kept). Every element counts, so any change onOffice reports is a change here; the sync's
 * "changed" test combines this with `modified`.
 */
export function hashAppointmentRecord(record: AppointmentRecord): string {
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
