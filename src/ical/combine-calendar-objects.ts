import { escape } from 'ical-generator';
import { foldLines } from './fold-lines.js';
import { IcalRenderError } from './ical-render-error.js';
import { PRODID } from './render-event-objects.js';

/**
 * One VCALENDAR holding the components of many rendered calendar objects (each a VCALENDAR of its
 * own): every VEVENT (a series' overridden instances included) in order, each VTIMEZONE once (by
 * TZID, the first seen), and X-WR-CALNAME, from which Radicale keeps the collection's display name
 * when the whole collection is PUT. Pure: the objects are taken as rendered (folded, CRLF) and their
 * component lines are copied unchanged.
 *
 * Throws on an object that is not a VCALENDAR of VEVENTs and VTIMEZONEs: the caller then writes the
 * objects one at a time, where a bad one fails alone.
 */
export function combineCalendarObjects(objects: readonly string[], calendarName: string): string {
  const timezones = new Map<string, string>();
  const events: string[] = [];
  for (const object of objects) {
    for (const component of splitComponents(object)) {
      if (component.name === 'VEVENT') events.push(component.text);
      else if (component.name === 'VTIMEZONE') {
        const tzid = /^TZID[:;](.*)$/m.exec(component.text)?.[1]?.trim() ?? '';
        if (!timezones.has(tzid)) timezones.set(tzid, component.text);
      } else throw new IcalRenderError('combine', `cannot combine a calendar object with a ${component.name}`);
    }
  }
  const header = foldLines(['BEGIN:VCALENDAR', 'VERSION:2.0', `PRODID:${PRODID}`, `X-WR-CALNAME:${escape(calendarName, false)}`].join('\r\n'));
  return `${header}\r\n${[...timezones.values(), ...events].join('')}END:VCALENDAR\r\n`;
}

interface Component {
  readonly name: string;
  /** Its lines from BEGIN to END, each ending in CRLF. */
  readonly text: string;
}

/** The components directly inside the object's VCALENDAR (nested ones, such as VALARM, stay inside theirs). */
function splitComponents(object: string): Component[] {
  const lines = object.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (lines[0] !== 'BEGIN:VCALENDAR' || lines[lines.length - 1] !== 'END:VCALENDAR') throw new IcalRenderError('combine', 'not a VCALENDAR object');
  const components: Component[] = [];
  let depth = 0;
  let current: { name: string; lines: string[] } | null = null;
  for (const line of lines.slice(1, -1)) {
    if (line.startsWith('BEGIN:')) {
      depth += 1;
      if (depth === 1) current = { name: line.slice('BEGIN:'.length), lines: [] };
    }
    if (current) current.lines.push(line);
    if (line.startsWith('END:')) {
      depth -= 1;
      if (depth < 0) throw new IcalRenderError('combine', 'unbalanced END in a calendar object');
      if (depth === 0 && current) {
        if (line !== `END:${current.name}`) throw new IcalRenderError('combine', `${current.name} closed by ${line}`);
        components.push({ name: current.name, text: `${current.lines.join('\r\n')}\r\n` });
        current = null;
      }
    }
  }
  if (depth !== 0) throw new IcalRenderError('combine', 'unterminated component in a calendar object');
  return components;
}
