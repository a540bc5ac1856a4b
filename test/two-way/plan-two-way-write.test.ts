import { describe, expect, it } from 'vitest';
import { parseIcsObjects } from '../../src/ical/parse-ics-objects.js';
import { isSameTwoWayData, planCreateWrite, planEventData, planModifyWrite, type EventRules } from '../../src/back/plan-two-way-write.js';
import { isOwnUid, replaceUid } from '../../src/back/render-two-way-object.js';
import { renderPhoneEvent } from './two-way-fixture.js';

const rules: EventRules = { zone: 'Europe/Berlin', defaultArt: 'Termin', categoryArts: { Viewing: 'Besichtigung' } };
const planOne = (lines: string[], ruleSet: EventRules = rules) => planEventData(parseIcsObjects(renderPhoneEvent('x@phone', lines))[0]!, ruleSet);
const timed = ['DTSTART;TZID=Europe/Berlin:20270301T100000', 'DTEND;TZID=Europe/Berlin:20270301T110000', 'SUMMARY:Termin'];

describe('planEventData', () => {
  it('maps CATEGORIES through categoryArts, else passes the first one, else takes the default art', () => {
    expect(planOne([...timed, 'CATEGORIES:Private,Viewing']).data.art).toBe('Besichtigung');
    expect(planOne([...timed, 'CATEGORIES:Besichtigung']).data.art).toBe('Besichtigung');
    expect(planOne(timed).data.art).toBe('Termin');
    expect('art' in planOne(timed, { ...rules, defaultArt: '' }).data).toBe(false);
  });

  it('writes COUNT as the end date of the last occurrence and reports it', () => {
    const planned = planOne(['DTSTART;VALUE=DATE:20270301', 'DTEND;VALUE=DATE:20270302', 'RRULE:FREQ=DAILY;INTERVAL=2;COUNT=3', 'SUMMARY:Messe']);
    expect(planned.data).toMatchObject({ rp_flag: true, rp_type: 't', rp_tage: 2, rp_ende_status: 1, rp_ende_datum: '2027-03-05', ganztags: true });
    expect(planned.unsupported).toEqual([expect.stringContaining('COUNT=3')]);
    expect(planned.unsupported[0]).toContain('2027-03-05');
  });

  it('reports RDATE and overrides and keeps the master', () => {
    const text = renderPhoneEvent('s@phone', [...timed, 'RRULE:FREQ=WEEKLY', 'RDATE;TZID=Europe/Berlin:20270304T100000']).replace(
      'END:VCALENDAR',
      ['BEGIN:VEVENT', 'UID:s@phone', 'DTSTAMP:20261120T090000Z', 'RECURRENCE-ID;TZID=Europe/Berlin:20270308T100000', 'DTSTART;TZID=Europe/Berlin:20270308T120000', 'DTEND;TZID=Europe/Berlin:20270308T130000', 'SUMMARY:Verschoben', 'END:VEVENT', 'END:VCALENDAR'].join('\r\n'),
    );
    const events = parseIcsObjects(text);
    const master = events.find((event) => !event.recurrenceid)!;
    const planned = planEventData(master, rules);
    expect(planned.data).toMatchObject({ rp_flag: true, rp_type: 'w', rp_ende_status: 2, start_dt: '2027-03-01 10:00:00' });
    expect(planned.unsupported.some((message) => message.startsWith('RDATE'))).toBe(true);
    expect(planned.unsupported.some((message) => message.includes('2027-03-08'))).toBe(true);
  });

  it('normalises STATUS and LOCATION into cancelled and location', () => {
    expect(planOne([...timed, 'STATUS:CANCELLED', 'LOCATION:Büro']).data).toMatchObject({ cancelled: true, location: 'Büro' });
    expect(planOne(timed).data).toMatchObject({ cancelled: false, location: '' });
  });
});

describe('planModifyWrite and isSameTwoWayData', () => {
  const base = planOne([...timed, 'LOCATION:Büro', 'RESOURCES:Beamer']).data;

  it('sends nothing for equal data, and only changed fields otherwise, start/end/all-day together', () => {
    expect(planModifyWrite(base, base)).toBeNull();
    const moved = planOne(['DTSTART;TZID=Europe/Berlin:20270301T100000', 'DTEND;TZID=Europe/Berlin:20270301T120000', 'SUMMARY:Termin', 'LOCATION:Büro']).data;
    expect(planModifyWrite(base, moved)).toEqual({ data: { start_dt: '2027-03-01 10:00:00', end_dt: '2027-03-01 12:00:00', ganztags: false } });
  });

  it('clears a removed place with "keine Angaben" and un-cancels with status active', () => {
    const cancelled = { ...base, cancelled: true };
    const cleared = { ...base, location: '' };
    expect(planModifyWrite(base, cleared)).toEqual({ data: {}, location: { 'keine Angaben': '' } });
    expect(planModifyWrite(base, cancelled)).toEqual({ data: { status: 'canceled' } });
    expect(planModifyWrite(cancelled, base)).toEqual({ data: { status: 'active' } });
  });

  it('sends every rp_* field when the recurrence changes', () => {
    const series = planOne([...timed, 'LOCATION:Büro', 'RRULE:FREQ=WEEKLY;UNTIL=20270401T090000Z']).data;
    expect(Object.keys(planModifyWrite(base, series)!.data).sort()).toEqual(['rp_beginn_datum', 'rp_ende_datum', 'rp_ende_status', 'rp_exception', 'rp_flag', 'rp_tage', 'rp_type']);
  });

  it('does not count a property one side does not carry (a client dropping RESOURCES)', () => {
    const withoutResources = planOne([...timed, 'LOCATION:Büro']).data;
    expect(isSameTwoWayData(base, withoutResources)).toBe(true);
    expect(planModifyWrite(base, withoutResources)).toBeNull();
    expect(isSameTwoWayData(base, { ...withoutResources, description: 'anders' })).toBe(false);
  });

  it('creates with origin, the place and the subscriber', () => {
    expect(planCreateWrite(base, { userId: 53, origin: true })).toMatchObject({
      data: { origin: true, description: 'Termin', start_dt: '2027-03-01 10:00:00' },
      location: { sonstiges: 'Büro' },
      subscribers: { users: [53] },
    });
    expect('status' in planCreateWrite(base, {}).data).toBe(false);
  });
});

describe('replaceUid and isOwnUid', () => {
  it('replaces only the VEVENT’s UID and folds long lines', () => {
    const long = `${'A'.repeat(90)}@phone.example`;
    const text = renderPhoneEvent('onoffice-1@onoffice-sync', [...timed, 'BEGIN:VALARM', 'ACTION:DISPLAY', 'TRIGGER:-PT5M', 'UID:alarm-1', 'END:VALARM']);
    const replaced = replaceUid(text, long);
    expect(replaced.split('\r\n').every((line) => Buffer.byteLength(line) <= 75)).toBe(true);
    const [event] = parseIcsObjects(replaced);
    expect(event!.uid).toBe(long);
    expect(replaced).toContain('UID:alarm-1');
  });

  it('tells our UIDs from others', () => {
    expect(isOwnUid('onoffice-12@onoffice-sync', 'onoffice-sync')).toBe(true);
    expect(isOwnUid('onoffice-12-20270301@onoffice-sync', 'onoffice-sync')).toBe(true);
    expect(isOwnUid('onoffice-12@other', 'onoffice-sync')).toBe(false);
    expect(isOwnUid('7F1C@phone', 'onoffice-sync')).toBe(false);
  });
});
