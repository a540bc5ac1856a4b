/** A small real iCalendar object: one VEVENT with UID, DTSTAMP and DTSTART, CRLF line endings. */
export function renderTestEvent(uid: string, summary = 'Besichtigung'): string {
  return [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//onoffice-sync//tests//EN',
    'BEGIN:VEVENT',
    `UID:${uid}`,
    'DTSTAMP:20260105T080000Z',
    'DTSTART:20260110T090000Z',
    'DTEND:20260110T100000Z',
    `SUMMARY:${summary}`,
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');
}
