import { describe, expect, it } from 'vitest';
import { combineCalendarObjects } from '../../src/ical/combine-calendar-objects.js';

const zone = 'BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\nBEGIN:STANDARD\r\nDTSTART:19701025T030000\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n';
const object = (uid: string, extra = ''): string =>
  `BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//EN\r\n${zone}BEGIN:VEVENT\r\nUID:${uid}\r\nDTSTART;TZID=Europe/Berlin:20261201T100000\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT15M\r\nEND:VALARM\r\nEND:VEVENT\r\n${extra}END:VCALENDAR\r\n`;

describe('combineCalendarObjects', () => {
  it('keeps every VEVENT (with its alarms and overrides), each VTIMEZONE once, and names the calendar', () => {
    const override = 'BEGIN:VEVENT\r\nUID:b@x\r\nRECURRENCE-ID;TZID=Europe/Berlin:20261208T100000\r\nDTSTART;TZID=Europe/Berlin:20261208T120000\r\nEND:VEVENT\r\n';
    const combined = combineCalendarObjects([object('a@x'), object('b@x', override)], 'Büro, Team');
    expect(combined.startsWith('BEGIN:VCALENDAR\r\nVERSION:2.0\r\n')).toBe(true);
    expect(combined).toContain('X-WR-CALNAME:Büro\\, Team\r\n');
    expect(combined.match(/BEGIN:VTIMEZONE/g)).toHaveLength(1);
    expect(combined.match(/BEGIN:VEVENT/g)).toHaveLength(3);
    expect(combined.match(/BEGIN:VALARM/g)).toHaveLength(2);
    expect(combined).toContain(override);
    expect(combined.endsWith('END:VCALENDAR\r\n')).toBe(true);
    expect(combined.match(/BEGIN:VCALENDAR/g)).toHaveLength(1);
  });

  it('refuses what is not a VCALENDAR of events and zones', () => {
    expect(() => combineCalendarObjects(['BEGIN:VEVENT\r\nEND:VEVENT\r\n'], 'x')).toThrow();
    expect(() => combineCalendarObjects(['BEGIN:VCALENDAR\r\nBEGIN:VTODO\r\nEND:VTODO\r\nEND:VCALENDAR\r\n'], 'x')).toThrow(/VTODO/);
    expect(() => combineCalendarObjects(['BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nEND:VCALENDAR\r\n'], 'x')).toThrow();
  });
});
