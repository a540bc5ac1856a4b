import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { generateAppointments } from '../../src/emulator/generate-appointments.js';
import type { EmulatorElements } from '../../src/emulator/emulator-database.js';
import { EMULATOR_USERS } from '../../src/emulator/emulator-users.js';

const ZONE = 'Europe/Berlin';
const REMINDERS = ['0 minutes', '5 minutes', '15 minutes', '30 minutes', '1 hours', '2 hours', '3 hours', '12 hours', '15 hours', '1 days', '2 days', '3 days', '1 weeks', '3 weeks'];
const DST_SPRING = ['2027-03-28', '2028-03-26'];
const DST_AUTUMN = ['2026-10-25', '2027-10-31', '2028-10-29'];

function occurrencesOf(elements: EmulatorElements, limit: number): string[] {
  const unit = { t: 'days', w: 'weeks', m: 'months', j: 'years' }[elements.rp_type as 't' | 'w' | 'm' | 'j'];
  const start = DateTime.fromISO(elements.rp_beginn_datum, { zone: 'UTC' });
  return Array.from({ length: limit }, (_, index) => start.plus({ [unit]: index * elements.rp_tage }).toISODate() ?? '');
}

/** How many appointments show each feature the emulator promises to cover. */
function countKinds(list: EmulatorElements[]): Record<string, number> {
  const count = (predicate: (elements: EmulatorElements) => boolean): number => list.filter(predicate).length;
  const series = (type: string, status: string) => count((e) => e.rp_flag && e.rp_type === type && e.rp_ende_status === status);
  return {
    daily: series('t', '1') + series('t', '2'),
    weekly: series('w', '1') + series('w', '2'),
    monthly: series('m', '1') + series('m', '2'),
    yearly: series('j', '1') + series('j', '2'),
    endDate: count((e) => e.rp_flag && e.rp_ende_status === '1'),
    openEnd: count((e) => e.rp_flag && e.rp_ende_status === '2'),
    exceptions: count((e) => e.rp_exception.length > 0),
    allDay: count((e) => e.ganztags),
    allDayMultiDay: count((e) => e.ganztags && e.start_dt.slice(0, 10) !== e.end_dt.slice(0, 10)),
    timedMultiDay: count((e) => !e.ganztags && e.start_dt.slice(0, 10) !== e.end_dt.slice(0, 10)),
    cancelled: count((e) => e.abgesagt && e.status === 'canceled'),
    private: count((e) => e.private === '1'),
    completed: count((e) => e.status === 'completed'),
    umlauts: count((e) => /[äöüÄÖÜß]/.test(e.description)),
    emoji: count((e) => /\p{Extended_Pictographic}/u.test(e.description)),
    trickyNotes: count((e) => [',', ';', '\\', '\n'].every((char) => e.note.includes(char))),
    withoutUsers: count((e) => e.user_ids.length === 0),
    viaGroup: count((e) => e.groups.length > 0),
    reminders: count((e) => e.erinnerung !== ''),
    transit: count((e) => e.allowTransitTime && e.transitTimePre !== '00:00:00'),
    crossingSpringDst: count((e) => DST_SPRING.includes(e.start_dt.slice(0, 10)) && e.start_dt.endsWith('01:30:00') && e.end_dt.endsWith('03:30:00')),
    crossingAutumnDst: count((e) => DST_AUTUMN.includes(e.start_dt.slice(0, 10)) && e.start_dt.endsWith('01:30:00') && e.end_dt.endsWith('03:30:00')),
    onDstDay: count((e) => [...DST_SPRING, ...DST_AUTUMN].includes(e.start_dt.slice(0, 10)) && e.start_dt.endsWith('10:00:00')),
    seriesAcrossDst: count((e) => e.rp_flag && e.rp_ende_status === '1' && [...DST_SPRING, ...DST_AUTUMN].some((day) => e.rp_beginn_datum < day && e.rp_ende_datum > day)),
  };
}

describe('generateAppointments', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    const first = generateAppointments({ count: 300, seed: 42 });
    expect(generateAppointments({ count: 300, seed: 42 })).toEqual(first);
    expect(generateAppointments({ count: 300, seed: 43 })).not.toEqual(first);
    expect(first).toHaveLength(300);
  });

  it('covers every promised kind of appointment in 1000', () => {
    const kinds = countKinds(generateAppointments({ count: 1000, seed: 1 }));
    for (const [kind, count] of Object.entries(kinds)) expect(count, kind).toBeGreaterThan(0);
    expect(kinds.reminders).toBeGreaterThan(300);
  });

  it('covers every kind even in a small set', () => {
    const kinds = countKinds(generateAppointments({ count: 30, seed: 9 }));
    for (const [kind, count] of Object.entries(kinds)) expect(count, kind).toBeGreaterThan(0);
  });

  it('keeps fields in the documented shapes', () => {
    const list = generateAppointments({ count: 1000, seed: 5 });
    const wall = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;
    const userIds = new Set(EMULATOR_USERS.map((user) => user.id));
    for (const e of list) {
      expect(e.start_dt).toMatch(wall);
      expect(e.end_dt >= e.start_dt).toBe(true);
      expect(e.modified).toMatch(wall);
      expect(['0', '1', '2']).toContain(e.rp_ende_status);
      expect(['0', '1']).toContain(e.private);
      expect(e.erinnerung === '' || REMINDERS.includes(e.erinnerung)).toBe(true);
      expect(e.user_ids.every((id) => userIds.has(id))).toBe(true);
      expect(e.users.every((user) => e.user_ids.includes(Number(user.id)))).toBe(true);
      if (Array.isArray(e.art)) expect(e.art).toEqual([]);
      else expect(Object.entries(e.art).every(([key, value]) => key === value)).toBe(true);
      if (e.ganztags) {
        expect(e.start_dt.endsWith(' 00:00:00')).toBe(true);
        expect(e.end_dt.endsWith(' 23:59:59')).toBe(true);
      }
      // No wall time falls into the hour a DST change skips: luxon would move it.
      for (const time of [e.start_dt, e.end_dt]) {
        expect(DateTime.fromFormat(time, 'yyyy-MM-dd HH:mm:ss', { zone: ZONE }).toFormat('yyyy-MM-dd HH:mm:ss')).toBe(time);
      }
    }
  });

  it('puts rp_exception only on real occurrences, up to the end date', () => {
    const series = generateAppointments({ count: 1000, seed: 2 }).filter((e) => e.rp_flag);
    expect(series.length).toBeGreaterThan(50);
    for (const e of series) {
      expect(e.rp_tage).toBeGreaterThanOrEqual(1);
      expect(e.rp_tage).toBeLessThanOrEqual(3);
      expect(e.rp_beginn_datum).toBe(e.start_dt.slice(0, 10));
      const occurrences = occurrencesOf(e, 60);
      for (const exception of e.rp_exception) {
        expect(occurrences, `${e.rp_type}/${e.rp_tage} from ${e.rp_beginn_datum}`).toContain(exception);
        expect(exception > e.rp_beginn_datum).toBe(true);
        if (e.rp_ende_status === '1') expect(exception <= e.rp_ende_datum).toBe(true);
      }
      if (e.rp_ende_status === '1') expect(occurrences).toContain(e.rp_ende_datum);
      else expect(e.rp_ende_datum).toBe('0000-00-00');
      if (e.rp_type === 'm' || e.rp_type === 'j') expect(Number(e.start_dt.slice(8, 10))).toBeLessThanOrEqual(28);
    }
  });

  it('honours the date range, the modified range and a burst', () => {
    const list = generateAppointments({
      count: 400,
      seed: 3,
      from: '2030-01-01',
      to: '2030-01-31',
      modifiedFrom: '2029-06-01 00:00:00',
      modifiedTo: '2029-06-30 23:59:59',
      burst: { size: 120, modified: '2029-06-15 12:00:00' },
    });
    const plain = list.filter((e) => !e.rp_flag && !e.start_dt.endsWith('01:30:00') && !e.start_dt.endsWith('10:00:00'));
    expect(plain.every((e) => e.start_dt >= '2030-01-01' && e.start_dt < '2030-02-01')).toBe(true);
    expect(list.every((e) => e.modified >= '2029-06-01 00:00:00' && e.modified <= '2029-06-30 23:59:59')).toBe(true);
    expect(list.filter((e) => e.modified === '2029-06-15 12:00:00').length).toBeGreaterThanOrEqual(120);
  });

  it('spreads modified over the past year by default and starts across the default range', () => {
    const list = generateAppointments({ count: 1000, seed: 4 });
    const modified = list.map((e) => e.modified).sort();
    expect(modified[0]! >= '2025-11-01 12:00:00').toBe(true);
    expect(modified.at(-1)! <= '2026-11-01 12:00:00').toBe(true);
    const months = new Set(modified.map((stamp) => stamp.slice(0, 7)));
    expect(months.size).toBeGreaterThanOrEqual(12);
    const starts = list.map((e) => e.start_dt).sort();
    expect(starts[0]! >= '2026-08-03').toBe(true);
    expect(starts.at(-1)! <= '2028-11-02').toBe(true);
  });
});
