import { invalidParameter } from './emulator-action-error.js';

/** Small validators shared by the action handlers; each throws an action error naming the parameter. */

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * onOffice's PHP backend takes JSON booleans; 0/1 and "0"/"1"/"true"/"false" are accepted too, since PHP
 * casts them the same way. Anything else is an error rather than a silent false.
 */
export function parseFlag(value: unknown, name: string): boolean {
  if (typeof value === 'boolean') return value;
  if (value === 1 || value === '1' || value === 'true') return true;
  if (value === 0 || value === '0' || value === 'false') return false;
  throw invalidParameter(`${name} must be a boolean, got ${JSON.stringify(value)}`);
}

export function parseInteger(value: unknown, name: string): number {
  const number = typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof number === 'number' && Number.isInteger(number)) return number;
  throw invalidParameter(`${name} must be an integer, got ${JSON.stringify(value)}`);
}

export function parseIdList(value: unknown, name: string): number[] {
  if (!Array.isArray(value)) throw invalidParameter(`${name} must be an array of ids, got ${JSON.stringify(value)}`);
  return value.map((item, index) => parseInteger(item, `${name}[${index}]`));
}

export function parseString(value: unknown, name: string): string {
  if (typeof value === 'string') return value;
  throw invalidParameter(`${name} must be a string, got ${JSON.stringify(value)}`);
}

const LOCAL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for a real calendar date 'YYYY-MM-DD' (not 2025-02-30). */
export function isCalendarDate(text: string): boolean {
  const match = LOCAL_DATE.exec(text);
  if (match === null) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

export function parseCalendarDate(value: unknown, name: string): string {
  const text = parseString(value, name);
  if (!isCalendarDate(text)) throw invalidParameter(`${name} must be a date YYYY-MM-DD, got ${JSON.stringify(value)}`);
  return text;
}

const DATE_TIME = /^(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$/;

/**
 * Reads 'YYYY-MM-DD HH:mm:ss' (seconds optional) into that exact form. A bare date becomes the start or
 * the end of that day, as `fill` says, so a date-only bound stays inclusive of the whole day.
 */
export function parseDateTime(value: unknown, name: string, fill: 'start' | 'end' | 'required'): string {
  const text = parseString(value, name).trim();
  const match = DATE_TIME.exec(text);
  const date = match?.[1];
  const problem = `${name} must be 'YYYY-MM-DD HH:mm:ss', got ${JSON.stringify(value)}`;
  if (match === null || date === undefined || !isCalendarDate(date)) throw invalidParameter(problem);
  const [hours, minutes, seconds] = [match[2], match[3], match[4] ?? '00'];
  if (hours === undefined || minutes === undefined) {
    if (fill === 'required') throw invalidParameter(problem);
    return `${date} ${fill === 'start' ? '00:00:00' : '23:59:59'}`;
  }
  if (Number(hours) > 23 || Number(minutes) > 59 || Number(seconds) > 59) throw invalidParameter(problem);
  return `${date} ${hours}:${minutes}:${seconds}`;
}

const DURATION = /^\d{2}:[0-5]\d:[0-5]\d$/;

export function parseDuration(value: unknown, name: string): string {
  const text = parseString(value, name);
  if (!DURATION.test(text)) throw invalidParameter(`${name} must be a duration HH:mm:ss, got ${JSON.stringify(value)}`);
  return text;
}
