import { describe, expect, it } from 'vitest';
import type { AppointmentElements, AppointmentRecord } from '../../src/domain/appointment-record.js';
import { parseAppointment } from '../../src/onoffice/parse-appointment.js';
import { hashAppointmentRecord } from '../../src/domain/hash-appointment-record.js';

const zone = 'Europe/Berlin';

/** Record 407 from the read-calendar docs. */
function record(overrides: Partial<AppointmentElements> = {}, id: number | string = 407): AppointmentRecord {
  return {
    id,
    type: 'calendar',
    elements: {
      start_dt: '2023-10-22 13:30:00',
      end_dt: '2023-10-22 14:00:00',
      description: 'Kundenbesuch',
      note: 'Notiz',
      ort: 'Beisenweg, 54646 , Deutschland',
      art: { 'Besuch des Kunden im Beratungsbüro': 'Besuch des Kunden im Beratungsbüro' },
      user_ids: [53, 55],
      ressources: ['Konferenzraum'],
      erinnerung: '15 minutes',
      ganztags: false,
      rp_flag: false,
      abgesagt: false,
      status: 'active',
      rp_type: '',
      rp_tage: 0,
      rp_beginn_datum: '0000-00-00',
      rp_ende_datum: '0000-00-00',
      rp_ende_status: '0',
      allowTransitTime: false,
      transitTime: null,
      transitTimePre: '00:00:00',
      transitTimePost: '00:00:00',
      rp_exception: [],
      von: 'robert',
      private: '0',
      modified: '2023-10-19 09:54:57',
      users: [{ id: '53', username: 'A', firstName: 'onOffice', lastName: 'Tester', email: 'tester1@onoffice.de' }],
      ...overrides,
    },
  };
}

const series = { rp_flag: true, rp_type: 'w', rp_tage: 1, rp_beginn_datum: '2023-10-22', rp_ende_status: '2' } as const;

function parsed(overrides: Partial<AppointmentElements> = {}) {
  const result = parseAppointment(record(overrides), zone);
  if (!result.ok) throw new Error(result.reason);
  return result.appointment;
}

function reason(overrides: Partial<AppointmentElements>, id?: number | string): string {
  const result = parseAppointment(record(overrides, id), zone);
  if (result.ok) throw new Error('expected a quarantine');
  return result.reason;
}

describe('parseAppointment readings', () => {
  it('reads the documented example record', () => {
    const appointment = parsed();
    expect(appointment.id).toBe(407);
    expect(appointment.start.toISO()).toBe('2023-10-22T13:30:00.000+02:00');
    expect(appointment.end.toISO()).toBe('2023-10-22T14:00:00.000+02:00');
    expect(appointment.summary).toBe('Kundenbesuch');
    expect(appointment.categories).toEqual(['Besuch des Kunden im Beratungsbüro']);
    expect(appointment.reminderMinutes).toBe(15);
    expect(appointment.resources).toEqual(['Konferenzraum']);
    expect(appointment.users[0]).toEqual({ id: 53, username: 'A', firstName: 'onOffice', lastName: 'Tester', email: 'tester1@onoffice.de' });
    expect(appointment.modified.toISO()).toBe('2023-10-19T09:54:57.000Z');
    expect(appointment.recurrence).toBeNull();
    expect(appointment.private).toBe(false);
    expect(appointment.cancelled).toBe(false);
  });

  it.each([
    ['0 minutes', 0], ['5 minutes', 5], ['30 minutes', 30], ['1 hours', 60], ['2 hours', 120], ['3 hours', 180],
    ['12 hours', 720], ['15 hours', 900], ['1 days', 1440], ['2 days', 2880], ['3 days', 4320], ['1 weeks', 10_080],
    ['3 weeks', 30_240], ['', null],
  ])('reads erinnerung %j as %j minutes', (erinnerung, minutes) => {
    expect(parsed({ erinnerung }).reminderMinutes).toBe(minutes);
  });

  it('reads an all-day record ending 23:59:59 as ending at the start of the next day', () => {
    const appointment = parsed({ ganztags: true, start_dt: '2025-03-29 00:00:00', end_dt: '2025-03-30 23:59:59' });
    expect(appointment.allDay).toBe(true);
    expect(appointment.start.toISO()).toBe('2025-03-29T00:00:00.000+01:00');
    expect(appointment.end.toISO()).toBe('2025-03-31T00:00:00.000+02:00');
  });

  it('reads an all-day end at exactly 00:00:00 of a later date as the exclusive end', () => {
    const appointment = parsed({ ganztags: '1', start_dt: '2025-05-01 00:00:00', end_dt: '2025-05-03 00:00:00' });
    expect([appointment.start.toISODate(), appointment.end.toISODate()]).toEqual(['2025-05-01', '2025-05-03']);
  });

  it('reads an all-day record with start = end at midnight as one day, and keeps times out of it', () => {
    const appointment = parsed({ ganztags: 1, start_dt: '2025-05-01 09:00:00', end_dt: '2025-05-01 09:00:00' });
    expect([appointment.start.toISO(), appointment.end.toISO()]).toEqual(['2025-05-01T00:00:00.000+02:00', '2025-05-02T00:00:00.000+02:00']);
  });

  it('shifts a start in the spring DST gap forward and reads a time in the autumn fold as the earlier instant', () => {
    expect(parsed({ start_dt: '2025-03-30 02:30:00', end_dt: '2025-03-30 04:00:00' }).start.toISO()).toBe('2025-03-30T03:30:00.000+02:00');
    expect(parsed({ start_dt: '2025-10-26 02:30:00', end_dt: '2025-10-26 04:00:00' }).start.toISO()).toBe('2025-10-26T02:30:00.000+02:00');
  });

  it('reads status and abgesagt into status and cancelled', () => {
    expect(parsed({ status: 'canceled' }).cancelled).toBe(true);
    expect(parsed({ status: 'active', abgesagt: true }).cancelled).toBe(true);
    expect(parsed({ status: undefined, abgesagt: '1' }).status).toBe('canceled');
    expect(parsed({ status: undefined }).status).toBe('active');
    expect(parsed({ status: 'completed' }).status).toBe('completed');
    expect(parsed({ status: 'participantsAvailable' }).cancelled).toBe(false);
  });

  it('reads private "1" and true as private', () => {
    expect(parsed({ private: '1' }).private).toBe(true);
    expect(parsed({ private: true }).private).toBe(true);
    expect(parsed({ private: '0' }).private).toBe(false);
  });

  it('reads transit times only when allowTransitTime is set', () => {
    expect(parsed({ allowTransitTime: true, transitTimePre: '00:30:00', transitTimePost: '01:15:00' })).toMatchObject({ transitBeforeMinutes: 30, transitAfterMinutes: 75 });
    expect(parsed({ allowTransitTime: false, transitTimePre: '00:30:00' })).toMatchObject({ transitBeforeMinutes: 0, transitAfterMinutes: 0 });
    expect(parsed({ allowTransitTime: '1', transitTimePre: null, transitTime: '00:20:00' })).toMatchObject({ transitBeforeMinutes: 20 });
  });

  it('reads a series with rp_flag, anchored at start_dt, with an inclusive end date and both exception forms', () => {
    const appointment = parsed({ ...series, rp_type: 'm', rp_tage: '2', rp_beginn_datum: '2023-10-01', rp_ende_status: 1, rp_ende_datum: '2024-10-22', rp_exception: '#2024-02-22#2023-12-22#2024-02-22' });
    expect(appointment.recurrence).toEqual({ frequency: 'monthly', interval: 2, until: '2024-10-22', exceptions: ['2023-12-22', '2024-02-22'] });
    expect(appointment.start.toISODate()).toBe('2023-10-22');
    expect(parsed({ ...series, rp_type: 't', rp_exception: ['2023-10-25'] }).recurrence).toEqual({ frequency: 'daily', interval: 1, until: null, exceptions: ['2023-10-25'] });
    expect(parsed({ ...series, rp_type: 'j', rp_exception: '' }).recurrence?.frequency).toBe('yearly');
    expect(parsed({ rp_flag: false, rp_type: 'x' }).recurrence).toBeNull();
  });
});

describe('parseAppointment quarantine reasons', () => {
  it.each<[string, Partial<AppointmentElements>, RegExp]>([
    ['a zero start date', { start_dt: '0000-00-00 00:00:00' }, /^start_dt '0000-00-00 00:00:00' is not a date-time/],
    ['an unparsable end', { end_dt: 'tomorrow' }, /^end_dt 'tomorrow' is not a date-time/],
    ['an impossible date', { start_dt: '2023-02-30 10:00:00' }, /^start_dt '2023-02-30 10:00:00'/],
    ['a missing start', { start_dt: undefined }, /^start_dt 'undefined'/],
    ['end before start', { end_dt: '2023-10-22 13:00:00' }, /^end_dt '2023-10-22 13:00:00' is before start_dt '2023-10-22 13:30:00'/],
    ['an unknown rp_type', { ...series, rp_type: 'q' }, /^rp_type 'q' is not one of t, w, m, j/],
    ['rp_tage 0', { ...series, rp_tage: 0 }, /^rp_tage '0' is not an integer in 1\.\.999/],
    ['rp_tage 1000', { ...series, rp_tage: '1000' }, /^rp_tage '1000'/],
    ['rp_ende_status 1 without a date', { ...series, rp_ende_status: '1', rp_ende_datum: '0000-00-00' }, /^rp_ende_datum '0000-00-00' is not a date, but rp_ende_status is 1/],
    ['rp_ende_datum before the start', { ...series, rp_ende_status: '1', rp_ende_datum: '2023-10-21' }, /^rp_ende_datum '2023-10-21' is before start_dt's date/],
    ['rp_ende_status 0 on a series', { ...series, rp_ende_status: '0' }, /^rp_ende_status '0' is neither 1 \(end date\) nor 2/],
    ['a malformed rp_exception string', { ...series, rp_exception: '2024-01-01' }, /^rp_exception '2024-01-01' is neither a list of dates nor/],
    ['a malformed rp_exception entry', { ...series, rp_exception: ['2024-13-01'] }, /^rp_exception entry '2024-13-01' is not a date/],
    ['an unknown status', { status: 'postponed' }, /^status 'postponed' is not one of/],
    ['a bad modified', { modified: '0000-00-00 00:00:00' }, /^modified '0000-00-00 00:00:00' is not a UTC date-time/],
    ['a missing modified', { modified: undefined }, /^modified 'undefined'/],
    ['an unknown reminder', { erinnerung: 'soon' }, /^erinnerung 'soon' is not a reminder time/],
    ['a non-boolean ganztags', { ganztags: 'yes' }, /^ganztags 'yes' is not a boolean/],
    ['a malformed transit time', { allowTransitTime: true, transitTimePost: '30 min' }, /^transitTimePost '30 min' is not 'HH:mm:ss'/],
  ])('quarantines %s', (_, overrides, expected) => {
    expect(reason(overrides)).toMatch(expected);
  });

  it('quarantines a bad id and never throws on garbage', () => {
    expect(reason({}, 'abc')).toMatch(/^id 'abc' is not a positive integer/);
    expect(parseAppointment({ id: 1, type: 'calendar', elements: null as unknown as AppointmentElements }, zone).ok).toBe(false);
  });
});

describe('hashAppointmentRecord', () => {
  it('ignores key order and changes with any element', () => {
    const a = record();
    const reordered: AppointmentRecord = { ...a, elements: Object.fromEntries(Object.entries(a.elements).reverse()) };
    expect(hashAppointmentRecord(reordered)).toBe(hashAppointmentRecord(a));
    expect(hashAppointmentRecord(record({ note: 'Notiz!' }))).not.toBe(hashAppointmentRecord(a));
    expect(hashAppointmentRecord(a)).toMatch(/^[0-9a-f]{64}$/);
  });
});
