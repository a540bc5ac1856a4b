import { afterAll, describe, expect, it } from 'vitest';
import { parseIcsObjects } from '../../src/ical/parse-ics-objects.js';
import { parseVEvent } from '../../src/ical/parse-vevent.js';

const zone = 'Europe/Berlin';
const originalTz = process.env.TZ;
afterAll(() => {
  if (originalTz === undefined) delete process.env.TZ;
  else process.env.TZ = originalTz;
});

function calendar(...eventLines: string[][]): string {
  const events = eventLines.map((lines) => ['BEGIN:VEVENT', 'DTSTAMP:20250101T000000Z', ...lines, 'END:VEVENT']);
  return ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN', ...events.flat(), 'END:VCALENDAR', ''].join('\r\n');
}

function parseOne(lines: string[]) {
  const [event] = parseIcsObjects(calendar(lines));
  return parseVEvent(event!, zone);
}

describe('parseVEvent', () => {
  it('maps an Apple-style weekly event with alarm, class and location to onOffice data', () => {
    const parsed = parseOne([
      'UID:a1', 'DTSTART;TZID=Europe/Berlin:20250328T100000', 'DTEND;TZID=Europe/Berlin:20250328T113000',
      'RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=FR;UNTIL=20250627T080000Z', 'EXDATE;TZID=Europe/Berlin:20250404T100000,20250411T100000',
      'SUMMARY:Besichtigung\\, Haus \\\\n Nord', 'DESCRIPTION:Erste Zeile\\nZweite', 'LOCATION:Markt 1\\, Aachen', 'CLASS:CONFIDENTIAL',
      'BEGIN:VALARM', 'ACTION:DISPLAY', 'TRIGGER:-PT15M', 'DESCRIPTION:x', 'END:VALARM',
    ]);
    expect(parsed.unsupported).toEqual([]);
    expect(parsed.location).toBe('Markt 1, Aachen');
    expect(parsed.data).toEqual({
      start_dt: '2025-03-28 10:00:00', end_dt: '2025-03-28 11:30:00', ganztags: false,
      description: 'Besichtigung, Haus \\n Nord', note: 'Erste Zeile\nZweite', private: true, erinnerung: '15 minutes',
      rp_flag: true, rp_type: 'w', rp_tage: 1, rp_beginn_datum: '2025-03-28', rp_ende_status: 1, rp_ende_datum: '2025-06-27',
      rp_exception: '#2025-04-04#2025-04-11',
    });
  });

  it('reads UNTIL before the occurrence time as ending the day before', () => {
    const parsed = parseOne(['UID:a2', 'DTSTART;TZID=Europe/Berlin:20250101T100000', 'DTEND;TZID=Europe/Berlin:20250101T110000', 'RRULE:FREQ=DAILY;UNTIL=20250110T050000Z', 'SUMMARY:x']);
    expect(parsed.data.rp_ende_datum).toBe('2025-01-09');
  });

  it('reads all-day events as 00:00:00 to 23:59:59 of the last day, whatever the host zone', () => {
    for (const tz of ['UTC', 'America/New_York', 'Asia/Tokyo']) {
      process.env.TZ = tz;
      const parsed = parseOne(['UID:a3', 'DTSTART;VALUE=DATE:20250329', 'DTEND;VALUE=DATE:20250331', 'RRULE:FREQ=YEARLY;UNTIL=20270329', 'EXDATE;VALUE=DATE:20260329', 'SUMMARY:Messe']);
      expect(parsed.data).toMatchObject({ start_dt: '2025-03-29 00:00:00', end_dt: '2025-03-30 23:59:59', ganztags: true, rp_type: 'j', rp_ende_datum: '2027-03-29', rp_exception: '#2026-03-29' });
    }
  });

  it('reads floating times as wall-clock times in the configured zone', () => {
    process.env.TZ = 'America/New_York';
    const parsed = parseOne(['UID:a4', 'DTSTART:20250710T090000', 'DTEND:20250710T093000', 'SUMMARY:x']);
    expect([parsed.data.start_dt, parsed.data.end_dt]).toEqual(['2025-07-10 09:00:00', '2025-07-10 09:30:00']);
  });

  it('converts UTC times to the configured zone', () => {
    const parsed = parseOne(['UID:a5', 'DTSTART:20250710T070000Z', 'DTEND:20250710T080000Z', 'SUMMARY:x']);
    expect(parsed.data.start_dt).toBe('2025-07-10 09:00:00');
    expect(parsed.data.rp_flag).toBe(false);
  });

  it.each<[string, string[], RegExp]>([
    ['COUNT', ['RRULE:FREQ=DAILY;COUNT=5'], /COUNT=5 cannot be represented/],
    ['a BYDAY list', ['RRULE:FREQ=WEEKLY;BYDAY=MO,WE'], /BYDAY=MO,WE cannot be represented/],
    ['BYSETPOS', ['RRULE:FREQ=MONTHLY;BYDAY=MO;BYSETPOS=1'], /BYSETPOS=1 cannot be represented/],
    ['HOURLY', ['RRULE:FREQ=HOURLY'], /FREQ=HOURLY cannot be represented/],
    ['INTERVAL 1000', ['RRULE:FREQ=DAILY;INTERVAL=1000'], /INTERVAL=1000 is outside/],
    ['RDATE', ['RRULE:FREQ=DAILY', 'RDATE;TZID=Europe/Berlin:20250320T100000'], /RDATE .* cannot be represented/],
    ['a reminder between the allowed values', ['BEGIN:VALARM', 'ACTION:DISPLAY', 'TRIGGER:-PT10M', 'END:VALARM'], /reminder 10 minutes before was rounded to '15 minutes'/],
    ['two alarms', ['BEGIN:VALARM', 'ACTION:DISPLAY', 'TRIGGER:-PT5M', 'END:VALARM', 'BEGIN:VALARM', 'ACTION:DISPLAY', 'TRIGGER:-P1D', 'END:VALARM'], /2 VALARMs; .* 5 minutes before was used/],
    ['an end-related alarm', ['BEGIN:VALARM', 'ACTION:DISPLAY', 'TRIGGER;RELATED=END:-PT5M', 'END:VALARM'], /relative to the end/],
    ['several categories', ['CATEGORIES:Besichtigung,Notartermin'], /CATEGORIES has 2 values/],
  ])('reports %s as unsupported', (_, extra, message) => {
    const parsed = parseOne(['UID:u', 'DTSTART;TZID=Europe/Berlin:20250317T100000', 'DTEND;TZID=Europe/Berlin:20250317T110000', 'SUMMARY:x', ...extra]);
    expect(parsed.unsupported.join('\n')).toMatch(message);
  });

  it('reports RECURRENCE-ID overrides of a series', () => {
    const events = parseIcsObjects(calendar(
      ['UID:s1', 'DTSTART;TZID=Europe/Berlin:20250317T100000', 'DTEND;TZID=Europe/Berlin:20250317T110000', 'RRULE:FREQ=DAILY', 'SUMMARY:x'],
      ['UID:s1', 'RECURRENCE-ID;TZID=Europe/Berlin:20250319T100000', 'DTSTART;TZID=Europe/Berlin:20250319T120000', 'DTEND;TZID=Europe/Berlin:20250319T130000', 'SUMMARY:moved'],
    ));
    expect(events).toHaveLength(1);
    expect(parseVEvent(events[0]!, zone).unsupported.join('\n')).toMatch(/RECURRENCE-ID overrides for 2025-03-19/);
  });

  it('picks the nearest documented reminder and reads transit, resources and cancellation', () => {
    const parsed = parseOne([
      'UID:a6', 'DTSTART;TZID=Europe/Berlin:20250317T100000', 'DTEND;TZID=Europe/Berlin:20250317T110000', 'SUMMARY:x', 'STATUS:CANCELLED',
      'X-APPLE-TRAVEL-DURATION;VALUE=DURATION:PT1H30M', 'RESOURCES:Raum\\, groß,Auto', 'CATEGORIES:Besichtigung',
      'BEGIN:VALARM', 'ACTION:DISPLAY', 'TRIGGER;VALUE=DATE-TIME:20250316T090000Z', 'END:VALARM',
    ]);
    expect(parsed.data).toMatchObject({
      status: 'canceled', allowTransitTime: true, transitTimePre: '01:30:00', transitTimePost: '00:00:00',
      ressources: ['Raum, groß', 'Auto'], art: 'Besichtigung', erinnerung: '1 days',
    });
  });

  describe('zero-length appointments as rendered and as servers keep them', () => {
    const at = (end: string, marked = true) =>
      parseOne(['UID:z1', 'DTSTART;TZID=Europe/Berlin:20250328T100030', `DTEND;TZID=Europe/Berlin:${end}`, 'SUMMARY:x', ...(marked ? ['X-ONOFFICE-ZERO-LENGTH:TRUE'] : [])]).data;

    it('reads our rendering (DTEND 1 s after the start) back as end = start', () => {
      expect(at('20250328T100031')).toMatchObject({ start_dt: '2025-03-28 10:00:30', end_dt: '2025-03-28 10:00:30' });
    });

    it('reads SOGo’s copy (DTEND moved to start + 1 h) back as end = start, so it is no change', () => {
      expect(at('20250328T110030')).toMatchObject({ end_dt: '2025-03-28 10:00:30' });
    });

    it('takes a marked event that a user gave another length at its word', () => {
      expect(at('20250328T103000')).toMatchObject({ end_dt: '2025-03-28 10:30:00' });
    });

    it('takes an unmarked 1 s event at its word', () => {
      expect(at('20250328T100031', false)).toMatchObject({ end_dt: '2025-03-28 10:00:31' });
    });
  });
});
