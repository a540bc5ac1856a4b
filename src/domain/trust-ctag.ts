/**
 * When an equal CalendarServer getctag may stand for "nothing changed", so a run skips the sync REPORT
 * (the request that costs most servers the most on a run with nothing to do). Pure: times are passed in.
 *
 * A getctag changes with every change on every server we know (Cyrus and Sabre/DAV count, DAViCal and
 * Xandikos hash, Radicale hashes the objects' ETags) except that SOGo's is the folder's last change in
 * whole seconds (`davCollectionTag` in SOGoGCSFolder.m): a second change within the same second leaves
 * it as it was. So an equal value is trusted only once it has *settled*: a complete read of the changes
 * began at least CTAG_SETTLE_MS after the value was first read. Every change made in the value's own
 * second is then inside that read, and every later change lies in a later second and moves the value.
 * The margin above one second covers a commit that lands a little after its timestamp and clock drift.
 *
 * Trust also runs out: CTAG_TRUST_MS after the last complete read a run reads the changes again, so a
 * server whose getctag misses some change (none we tested does) delays it by at most that long, and a
 * clock that stepped back trusts nothing.
 */

export interface CtagState {
  readonly value: string;
  /** When this value was first read (ms since the epoch). */
  readonly seenAt: number;
  /** When it was last read just before a complete read of the changes began (ms since the epoch). */
  readonly readAt: number;
}

export const CTAG_SETTLE_MS = 2_000;
export const CTAG_TRUST_MS = 15 * 60_000;

/** The getctag at which a run may skip reading the changes now, or null when none may be trusted. */
export function trustedCtag(stored: CtagState | null, nowMs: number): string | null {
  if (stored === null) return null;
  const settled = stored.readAt - stored.seenAt >= CTAG_SETTLE_MS;
  const fresh = nowMs >= stored.readAt && nowMs - stored.readAt < CTAG_TRUST_MS;
  return settled && fresh ? stored.value : null;
}

/**
 * What to store after a complete read of the changes that began after the server reported `current`
 * at `readAt` (the answer's arrival: after the server read the value, before the changes were asked for).
 */
export function nextCtagState(stored: CtagState | null, current: string | null, readAt: number): CtagState | null {
  if (current === null) return null;
  if (stored !== null && stored.value === current && readAt >= stored.seenAt) return { value: current, seenAt: stored.seenAt, readAt };
  return { value: current, seenAt: readAt, readAt };
}
