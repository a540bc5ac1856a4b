/**
 * The first UID in a calendar object's text (a series and its overridden instances share one), or
 * null. A line scan, no parse: for telling objects apart, not for reading them.
 */
export function readIcsUid(ics: string): string | null {
  return /^UID[;:](?:[^:\r\n]*:)?(.+?)\r?$/m.exec(ics)?.[1]?.trim() ?? null;
}
