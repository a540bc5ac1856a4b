/**
 * When the creates for a calendar go as one seed (a PUT of a whole VCALENDAR on the calendar's URL,
 * see create-calendar-seeder.ts) instead of one PUT each. Pure.
 *
 * Radicale checks the new UID against every object of the calendar for each create, under its write
 * lock (`has_uid` → `get_all()`), so a backfill one object at a time costs O(n²): ~10 objects/s at
 * 2,000, hours at 20,000. A whole-collection PUT is one parse and one write.
 */

/**
 * Creates gathered for one seed at most. A seed is read, parsed and held whole in memory by both
 * sides (Radicale reads the body, parses every component with vobject and writes every file under its
 * write lock, where each other client waits), and its answer is waited for 10 × the target's timeoutMs
 * (300 s at the default): Radicale 3.1.8 took about 57 ms per object on a shared two-core machine, so
 * 2,500 objects take about 140 s, half that wait. The creates after them go one at a time, each then
 * checked against 2,500 objects only.
 */
export const SEED_MAX_OBJECTS = 2_500;

/**
 * Bytes of ICS in one seed at most, whichever of the two caps comes first: far below Radicale's
 * default max_content_length (100 MB), and a bounded buffer on our side (two chunks of 500 and this).
 * A proxy with a smaller body limit answers 413, which falls back to one PUT per object.
 */
export const SEED_MAX_BYTES = 8 * 1024 * 1024;

/**
 * Radicale names a seeded object `<uid>.ics` only when that is a safe file name (else by a hash, which
 * we could not predict to journal it): letters, digits and `@._-`, not starting with a dot, and not
 * already ending in `.ics` (then it would be named the UID itself).
 */
export function isSeedableUid(uid: string): boolean {
  return /^[A-Za-z0-9@._-]+$/.test(uid) && !uid.startsWith('.') && !/\.ics$/i.test(uid);
}

/** The file name Radicale gives a seeded object: the journal's and the mapping's prediction. */
export function seededFilename(uid: string): string {
  return `${uid}.ics`;
}

export interface SeedConditions {
  /** caldav[].seedEmptyCalendars. */
  readonly enabled: boolean;
  /** A two-way calendar holds people's events: never replaced. */
  readonly twoWay: boolean;
  /**
   * This run made the calendar (MKCALENDAR). A whole-collection PUT keeps only the display name; the seed
   * sets colour and component set again, which is all a calendar we made has. A calendar someone else
   * made, even empty, may carry a description, other components, sharing: it is never replaced.
   */
  readonly createdThisRun: boolean;
  /** The target implements fetchSeedEtag and seedCalendar. */
  readonly supported: boolean;
  /** The target refused a seed before in this process. */
  readonly refused: boolean;
  /** Objects we recorded in the calendar. */
  readonly knownObjects: number;
  /** Journal entries left for the calendar by an earlier run (writes in flight when it was killed). */
  readonly pendingWrites: number;
}

/**
 * Whether a calendar's creates are gathered for a seed. The server side (empty, with an ETag) is
 * asked just before the seed is sent (fetchSeedEtag); a calendar that holds anything we know of, or
 * may hold a killed run's write, is never seeded: the seed would replace it.
 */
export function maySeedCalendar(conditions: SeedConditions): boolean {
  return conditions.enabled && !conditions.twoWay && conditions.createdThisRun && conditions.supported && !conditions.refused && conditions.knownObjects === 0 && conditions.pendingWrites === 0;
}
