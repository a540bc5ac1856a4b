import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import type { Appointment, Recurrence } from '../../src/domain/appointment.js';
import { expandOccurrences } from '../../src/domain/expand-occurrences.js';

const zone = 'Europe/Berlin';
const at = (iso: string) => DateTime.fromISO(iso, { zone });

function appointment(start: string, end: string, recurrence: Recurrence | null, allDay = false): Appointment {
  return {
    id: 1, allDay, start: at(start), end: at(end), summary: '', note: '', location: '', categories: [], status: 'active',
    cancelled: false, private: false, reminderMinutes: null, resources: [], userIds: [], users: [], creator: '',
    transitBeforeMinutes: 0, transitAfterMinutes: 0, recurrence, modified: DateTime.utc(2025, 1, 1),
  };
}

const starts = (list: ReturnType<typeof expandOccurrences>) => list.map((o) => o.start.toISO());

describe('expandOccurrences', () => {
  it('keeps 10:00 Berlin at 10:00 across both DST changes', () => {
    const weekly = appointment('2025-03-23T10:00', '2025-03-23T11:00', { frequency: 'weekly', interval: 1, until: '2025-11-02', exceptions: [] });
    const list = expandOccurrences(weekly, at('2025-03-20'), at('2025-11-10'));
    expect(list.every((o) => o.start.hour === 10 && o.end.hour === 11)).toBe(true);
    expect(list.map((o) => o.start.offset)).toContain(60);
    expect(list.map((o) => o.start.offset)).toContain(120);
    expect(list.at(-1)!.start.toISODate()).toBe('2025-11-02');
    expect(list[0]!.recurrenceId).toBe('20250323T100000');
  });

  it('treats until as inclusive and removes exceptions', () => {
    const daily = appointment('2025-01-01T09:00', '2025-01-01T09:30', { frequency: 'daily', interval: 2, until: '2025-01-09', exceptions: ['2025-01-05', '2025-01-06'] });
    expect(expandOccurrences(daily, at('2024-12-01'), at('2025-02-01')).map((o) => o.start.toISODate())).toEqual(['2025-01-01', '2025-01-03', '2025-01-07', '2025-01-09']);
  });

  it('skips months without the 31st and years without Feb 29 (RFC 5545)', () => {
    const monthly = appointment('2025-01-31T08:00', '2025-01-31T09:00', { frequency: 'monthly', interval: 1, until: null, exceptions: [] });
    expect(expandOccurrences(monthly, at('2025-01-01'), at('2025-09-01')).map((o) => o.start.toISODate())).toEqual(['2025-01-31', '2025-03-31', '2025-05-31', '2025-07-31', '2025-08-31']);
    const leap = appointment('2024-02-29T00:00', '2024-03-01T00:00', { frequency: 'yearly', interval: 1, until: null, exceptions: [] }, true);
    expect(expandOccurrences(leap, at('2024-01-01'), at('2033-01-01')).map((o) => o.recurrenceId)).toEqual(['20240229', '20280229', '20320229']);
  });

  it('shifts an occurrence in the spring gap forward for that day only, and uses the first instant in the fold', () => {
    const daily = appointment('2025-03-28T02:30', '2025-03-28T03:00', { frequency: 'daily', interval: 1, until: '2025-03-31', exceptions: [] });
    expect(starts(expandOccurrences(daily, at('2025-03-01'), at('2025-04-30')))).toEqual([
      '2025-03-28T02:30:00.000+01:00', '2025-03-29T02:30:00.000+01:00', '2025-03-30T03:30:00.000+02:00', '2025-03-31T02:30:00.000+02:00',
    ]);
    const fold = appointment('2025-10-25T02:30', '2025-10-25T03:00', { frequency: 'daily', interval: 1, until: '2025-10-26', exceptions: [] });
    expect(starts(expandOccurrences(fold, at('2025-10-01'), at('2025-10-31'))).at(-1)).toBe('2025-10-26T02:30:00.000+02:00');
  });

  it('keeps all-day occurrences a whole number of days, whatever the DST change', () => {
    const allDay = appointment('2025-03-29T00:00', '2025-03-31T00:00', { frequency: 'yearly', interval: 1, until: '2026-12-31', exceptions: ['2026-03-29'] }, true);
    expect(expandOccurrences(allDay, at('2025-01-01'), at('2027-01-01')).map((o) => [o.start.toISO(), o.end.toISO(), o.recurrenceId])).toEqual([
      ['2025-03-29T00:00:00.000+01:00', '2025-03-31T00:00:00.000+02:00', '20250329'],
    ]);
  });

  it('includes occurrences overlapping the window start and excludes those starting at its end', () => {
    const long = appointment('2025-01-01T22:00', '2025-01-02T02:00', { frequency: 'daily', interval: 1, until: null, exceptions: [] });
    expect(expandOccurrences(long, at('2025-01-10T01:00'), at('2025-01-11T22:00')).map((o) => o.start.toISODate())).toEqual(['2025-01-09', '2025-01-10']);
    const single = appointment('2025-01-01T10:00', '2025-01-01T10:00', null);
    expect(expandOccurrences(single, at('2025-01-01T10:00'), at('2025-01-02'))).toHaveLength(1);
    expect(expandOccurrences(single, at('2024-01-01'), at('2025-01-01T10:00'))).toHaveLength(0);
  });

  it('jumps ahead in a long open-ended series instead of walking from the anchor', () => {
    const old = appointment('1990-01-01T07:00', '1990-01-01T07:15', { frequency: 'daily', interval: 1, until: null, exceptions: [] });
    const list = expandOccurrences(old, at('2030-06-01'), at('2030-06-08'));
    expect(list.map((o) => o.start.toISODate())).toEqual(['2030-06-01', '2030-06-02', '2030-06-03', '2030-06-04', '2030-06-05', '2030-06-06', '2030-06-07']);
  });
});
