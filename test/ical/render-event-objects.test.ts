import { DateTime } from 'luxon';
import { afterAll, describe, expect, it } from 'vitest';
import type { Appointment } from '../../src/domain/appointment.js';
import { IcalRenderError } from '../../src/ical/ical-render-error.js';
import { renderCalendar } from '../../src/ical/render-calendar.js';
import { appointmentUid, renderEventObjects, type RenderOptions } from '../../src/ical/render-event-objects.js';

const zone = 'Europe/Berlin';
const options: RenderOptions = { zone, uidDomain: 'sync.example', recurrence: 'rrule', attendees: false };
const originalTz = process.env.TZ;
afterAll(() => {
  if (originalTz === undefined) delete process.env.TZ;
  else process.env.TZ = originalTz;
});

function appointment(overrides: Partial<Appointment> = {}): Appointment {
  return {
    id: 407, allDay: false,
    start: DateTime.fromISO('2025-03-28T10:00', { zone }), end: DateTime.fromISO('2025-03-28T11:00', { zone }),
    summary: 'Kundenbesuch, Müller; 😀', note: 'Zeile 1\nZeile 2 \\ Ende', location: 'Beisenweg 1, Aachen',
    categories: ['Besichtigung'], status: 'active', cancelled: false, private: false, reminderMinutes: 15,
    resources: ['Konferenzraum', 'Auto, groß'], userIds: [53],
    users: [{ id: 53, username: 'A', firstName: 'onOffice', lastName: 'Tester', email: 'tester1@onoffice.de' }, { id: 55, username: 'B', firstName: '', lastName: '', email: '' }],
    creator: 'robert', transitBeforeMinutes: 30, transitAfterMinutes: 15,
    recurrence: { frequency: 'weekly', interval: 2, until: '2025-06-30', exceptions: ['2025-04-11'] },
    modified: DateTime.fromISO('2025-03-01T08:09:10Z', { zone: 'utc' }),
    ...overrides,
  };
}

const lines = (ics: string) => ics.replace(/\r\n[ \t]/g, '').split('\r\n');
const vevent = (ics: string) => ics.slice(ics.indexOf('BEGIN:VEVENT'));

describe('renderEventObjects', () => {
  it('writes one self-contained VCALENDAR with VTIMEZONE, UTC stamps, RRULE/EXDATE and the mapped properties', () => {
    const [object, ...rest] = renderEventObjects(appointment(), { ...options, sequence: 4, appointmentUrl: 'https://crm.example/termin/{id}' });
    expect(rest).toEqual([]);
    expect(object!.uid).toBe(appointmentUid(407, 'sync.example'));
    expect(object!.uid).toBe('onoffice-407@sync.example');
    expect(object!.filename).toBe('onoffice-407.ics');
    const all = lines(object!.ics);
    expect(all[0]).toBe('BEGIN:VCALENDAR');
    expect(object!.ics.endsWith('END:VCALENDAR\r\n')).toBe(true);
    expect(all).toEqual(expect.arrayContaining([
      'TZID:Europe/Berlin',
      'DTSTAMP:20250301T080910Z',
      'LAST-MODIFIED:20250301T080910Z',
      'DTSTART;TZID=Europe/Berlin:20250328T100000',
      'DTEND;TZID=Europe/Berlin:20250328T110000',
      'RRULE:FREQ=WEEKLY;INTERVAL=2;UNTIL=20250630T215959Z',
      'EXDATE;TZID=Europe/Berlin:20250411T100000',
      'SUMMARY:Kundenbesuch\\, Müller\\; 😀',
      'DESCRIPTION:Zeile 1\\nZeile 2 \\\\ Ende',
      'LOCATION:Beisenweg 1\\, Aachen',
      'CATEGORIES:Besichtigung',
      'RESOURCES:Konferenzraum,Auto\\, groß',
      'STATUS:CONFIRMED',
      'SEQUENCE:4',
      'X-ONOFFICE-ID:407',
      'X-APPLE-TRAVEL-DURATION;VALUE=DURATION:PT30M',
      'X-ONOFFICE-TRANSIT-AFTER:PT15M',
      'TRIGGER:-PT15M',
      'ACTION:DISPLAY',
      'URL;VALUE=URI:https://crm.example/termin/407',
    ]));
    expect(all.filter((line) => /^(METHOD|ATTENDEE|CLASS)/.test(line))).toEqual([]);
    expect(object!.ics.split('\r\n').every((line) => Buffer.byteLength(line) <= 75)).toBe(true);
  });

  it('renders all-day series with DATE values, an exclusive DTEND, DATE UNTIL and EXDATE, and no VTIMEZONE', () => {
    const [object] = renderEventObjects(
      appointment({ allDay: true, start: DateTime.fromISO('2025-03-29', { zone }), end: DateTime.fromISO('2025-03-31', { zone }), recurrence: { frequency: 'yearly', interval: 1, until: '2027-03-29', exceptions: ['2026-03-29'] } }),
      options,
    );
    const all = lines(object!.ics);
    expect(all).toEqual(expect.arrayContaining(['DTSTART;VALUE=DATE:20250329', 'DTEND;VALUE=DATE:20250331', 'RRULE:FREQ=YEARLY;UNTIL=20270329', 'EXDATE;VALUE=DATE:20260329']));
    expect(all.some((line) => line.includes('TZID'))).toBe(false);
  });

  it('marks cancelled and private appointments', () => {
    const all = lines(renderEventObjects(appointment({ cancelled: true, private: true }), options)[0]!.ics);
    expect(all).toEqual(expect.arrayContaining(['STATUS:CANCELLED', 'CLASS:PRIVATE']));
  });

  it('writes attendees with an email only when configured, with SCHEDULE-AGENT=CLIENT', () => {
    const all = lines(renderEventObjects(appointment(), { ...options, attendees: true })[0]!.ics);
    const attendees = all.filter((line) => line.startsWith('ATTENDEE'));
    expect(attendees).toHaveLength(1);
    expect(attendees[0]).toMatch(/SCHEDULE-AGENT=CLIENT/);
    expect(attendees[0]).toMatch(/CN="onOffice Tester"/);
    expect(attendees[0]).toMatch(/:MAILTO:tester1@onoffice\.de$/);
  });

  it('hides the content with privacy busy-only', () => {
    const ics = renderEventObjects(appointment(), { ...options, privacy: 'busy-only', attendees: true, appointmentUrl: 'https://x/{id}' })[0]!.ics;
    expect(lines(ics)).toContain('SUMMARY:Busy');
    expect(vevent(ics)).not.toMatch(/DESCRIPTION|LOCATION|CATEGORIES|RESOURCES|VALARM|ATTENDEE|URL|Kundenbesuch/);
  });

  it('writes one object per occurrence with stable UIDs in expand mode, and needs a window', () => {
    const window = { from: DateTime.fromISO('2025-03-01', { zone }), to: DateTime.fromISO('2025-05-01', { zone }) };
    const objects = renderEventObjects(appointment(), { ...options, recurrence: 'expand', expandWindow: window });
    expect(objects.map((object) => object.uid)).toEqual(['onoffice-407-20250328@sync.example', 'onoffice-407-20250425@sync.example']);
    expect(objects[1]!.filename).toBe('onoffice-407-20250425.ics');
    expect(objects.every((object) => !vevent(object.ics).includes('RRULE'))).toBe(true);
    expect(lines(objects[1]!.ics)).toContain('DTSTART;TZID=Europe/Berlin:20250425T100000');
    expect(() => renderEventObjects(appointment(), { ...options, recurrence: 'expand' })).toThrow(IcalRenderError);
    expect(renderEventObjects(appointment({ recurrence: null }), { ...options, recurrence: 'expand', expandWindow: window })[0]!.uid).toBe('onoffice-407@sync.example');
  });

  it('renders byte-identical output for the same appointment, whatever the host time zone', () => {
    const render = () => [
      renderEventObjects(appointment(), options)[0]!.ics,
      renderEventObjects(appointment({ allDay: true, start: DateTime.fromISO('2025-10-25', { zone }), end: DateTime.fromISO('2025-10-27', { zone }) }), options)[0]!.ics,
      renderCalendar([appointment(), appointment({ id: 9, start: DateTime.fromISO('2025-10-26T02:30', { zone }) })], { ...options, name: 'Büro' }),
    ];
    process.env.TZ = 'UTC';
    expect(new Date(2025, 0, 1).getTimezoneOffset()).toBe(0);
    const utc = render();
    process.env.TZ = 'America/New_York';
    expect(new Date(2025, 0, 1).getTimezoneOffset()).toBe(300);
    expect(render()).toEqual(utc);
  });
});

describe('renderCalendar', () => {
  it('writes the feed header once, one VTIMEZONE per TZID and no METHOD', () => {
    const ics = renderCalendar([appointment(), appointment({ id: 408 })], { ...options, name: 'onOffice, Büro', description: 'Alle Termine', refreshMinutes: 60 });
    const all = lines(ics);
    expect(all.slice(0, 3)).toEqual(['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//onoffice-sync//onoffice-sync//EN']);
    expect(all).toEqual(expect.arrayContaining([
      'X-WR-CALNAME:onOffice\\, Büro', 'NAME:onOffice\\, Büro', 'X-WR-CALDESC:Alle Termine', 'X-WR-TIMEZONE:Europe/Berlin',
      'REFRESH-INTERVAL;VALUE=DURATION:PT60M', 'X-PUBLISHED-TTL:PT60M',
    ]));
    expect(all.filter((line) => line === 'BEGIN:VTIMEZONE')).toHaveLength(1);
    expect(all.filter((line) => line === 'BEGIN:VEVENT')).toHaveLength(2);
    expect(all.indexOf('BEGIN:VTIMEZONE')).toBeLessThan(all.indexOf('BEGIN:VEVENT'));
    expect(all.some((line) => line.startsWith('METHOD'))).toBe(false);
  });

  it('writes UTC times without TZID or VTIMEZONE when the zone is UTC', () => {
    const utc = DateTime.fromISO('2025-03-28T10:00Z', { zone: 'UTC' });
    const ics = renderCalendar([appointment({ start: utc, end: utc.plus({ hours: 1 }) })], { ...options, zone: 'UTC', name: 'UTC' });
    expect(lines(ics)).toEqual(expect.arrayContaining(['DTSTART:20250328T100000Z', 'EXDATE:20250411T100000Z']));
    expect(ics).not.toContain('VTIMEZONE');
  });

  it('renders a zero-length appointment with its exact start, DTEND 1 s later and the zero-length mark; all-day is untouched', () => {
    const start = DateTime.fromISO('2025-03-28T10:00:30', { zone });
    const [object] = renderEventObjects(appointment({ start, end: start, recurrence: null }), options);
    const all = lines(object!.ics);
    expect(all).toEqual(expect.arrayContaining(['DTSTART;TZID=Europe/Berlin:20250328T100030', 'DTEND;TZID=Europe/Berlin:20250328T100031', 'X-ONOFFICE-ZERO-LENGTH:TRUE']));
    expect(all.filter((line) => line.startsWith('DURATION'))).toEqual([]);

    const oneHour = renderEventObjects(appointment({ recurrence: null }), options)[0]!.ics;
    expect(oneHour).not.toContain('X-ONOFFICE-ZERO-LENGTH');
    const day = DateTime.fromISO('2025-03-28T00:00', { zone });
    expect(renderEventObjects(appointment({ allDay: true, start: day, end: day.plus({ days: 1 }), recurrence: null }), options)[0]!.ics).not.toContain('X-ONOFFICE-ZERO-LENGTH');
  });

  it('renders every occurrence of a zero-length series the same way in expand mode', () => {
    const start = DateTime.fromISO('2025-03-28T10:00', { zone });
    const objects = renderEventObjects(appointment({ start, end: start, recurrence: { frequency: 'daily', interval: 1, until: '2025-03-30', exceptions: [] } }), {
      ...options,
      recurrence: 'expand',
      expandWindow: { from: start.startOf('day'), to: start.plus({ days: 5 }) },
    });
    expect(objects).toHaveLength(3);
    for (const object of objects) expect(lines(object.ics)).toEqual(expect.arrayContaining([expect.stringMatching(/^DTEND;TZID=Europe\/Berlin:202503\d\dT100001$/), 'X-ONOFFICE-ZERO-LENGTH:TRUE']));
  });
});
