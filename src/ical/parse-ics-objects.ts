import { createRequire } from 'node:module';
import type { VEvent } from 'node-ical';

// node-ical (with its Temporal polyfill) is the costliest module to load, and a sync that finds
// nothing changed parses no iCalendar: loaded at the first parse (it is CommonJS, so synchronously).
const requireLazily = createRequire(import.meta.url);
const loadNodeIcal = (): typeof import('node-ical') => requireLazily('node-ical') as typeof import('node-ical');

/** Text properties re-read from the raw lines; see parseIcsObjects. */
export interface VEventTexts {
  readonly summary?: string;
  readonly description?: string;
  readonly location?: string;
  readonly categories?: readonly string[];
  readonly resources?: readonly string[];
}

/** A node-ical VEVENT, with its text properties read correctly when it came through parseIcsObjects. */
export type VEventLike = VEvent & { texts?: VEventTexts };

/**
 * The VEVENTs of an iCalendar text (a CalDAV body or a whole calendar), parsed by node-ical.
 * RECURRENCE-ID overrides end up in their series' `recurrences`. node-ical unescapes TEXT in the wrong
 * order ('\\n' becomes a line break), strips surrounding quotes and splits CATEGORIES on escaped commas,
 * so SUMMARY, DESCRIPTION, LOCATION, CATEGORIES and RESOURCES are re-read from the unfolded lines into
 * `texts`, which parseVEvent prefers.
 */
export function parseIcsObjects(text: string): VEventLike[] {
  const parsed = loadNodeIcal().sync.parseICS(text);
  const texts = readVEventTexts(text);
  const events: VEventLike[] = [];
  for (const component of Object.values(parsed)) {
    if (component?.type !== 'VEVENT') continue;
    const event = component as VEventLike;
    const own = texts.get(event.uid);
    if (own) event.texts = own;
    events.push(event);
  }
  return events;
}

interface MutableTexts {
  summary?: string;
  description?: string;
  location?: string;
  categories?: string[];
  resources?: string[];
}

/** Texts of the base VEVENT (no RECURRENCE-ID) per UID. */
function readVEventTexts(text: string): Map<string, VEventTexts> {
  const result = new Map<string, VEventTexts>();
  const stack: string[] = [];
  let current: MutableTexts = {};
  let uid: string | undefined;
  let isOverride = false;
  for (const line of unfold(text)) {
    const property = splitProperty(line);
    if (!property) continue;
    const { name, value } = property;
    if (name === 'BEGIN') {
      stack.push(value.toUpperCase());
      if (value.toUpperCase() === 'VEVENT') {
        current = {};
        uid = undefined;
        isOverride = false;
      }
      continue;
    }
    if (name === 'END') {
      const ended = stack.pop();
      if (ended === 'VEVENT' && uid !== undefined && !isOverride) result.set(uid, current);
      continue;
    }
    if (stack[stack.length - 1] !== 'VEVENT') continue;
    if (name === 'UID') uid = value;
    else if (name === 'RECURRENCE-ID') isOverride = true;
    else if (name === 'SUMMARY') current.summary = unescapeText(value);
    else if (name === 'DESCRIPTION') current.description = unescapeText(value);
    else if (name === 'LOCATION') current.location = unescapeText(value);
    else if (name === 'CATEGORIES') current.categories = [...(current.categories ?? []), ...splitTextList(value)];
    else if (name === 'RESOURCES') current.resources = [...(current.resources ?? []), ...splitTextList(value)];
  }
  return result;
}

function unfold(text: string): string[] {
  const lines: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    if ((raw.startsWith(' ') || raw.startsWith('\t')) && lines.length > 0) lines[lines.length - 1] += raw.slice(1);
    else lines.push(raw);
  }
  return lines;
}

/** name;params:value, where quoted parameter values may contain ':' and ';'. */
function splitProperty(line: string): { name: string; value: string } | null {
  const nameMatch = /^[A-Za-z0-9-]+/.exec(line);
  if (!nameMatch) return null;
  let inQuotes = false;
  for (let i = nameMatch[0].length; i < line.length; i += 1) {
    const char = line[i];
    if (char === '"') inQuotes = !inQuotes;
    else if (char === ':' && !inQuotes) return { name: nameMatch[0].toUpperCase(), value: line.slice(i + 1) };
  }
  return null;
}

function unescapeText(value: string): string {
  return value.replace(/\\([\\;,nN])/g, (_, char: string) => (char === 'n' || char === 'N' ? '\n' : char));
}

function splitTextList(value: string): string[] {
  const items: string[] = [];
  let item = '';
  for (let i = 0; i < value.length; i += 1) {
    const char = value[i]!;
    if (char === '\\' && i + 1 < value.length) {
      item += char + value[i + 1]!;
      i += 1;
    } else if (char === ',') {
      items.push(item);
      item = '';
    } else {
      item += char;
    }
  }
  items.push(item);
  return items.map(unescapeText).filter((entry) => entry !== '');
}
