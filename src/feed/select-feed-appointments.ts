import { DateTime } from 'luxon';
import type { Appointment } from '../domain/appointment.js';
import { expandOccurrences } from '../domain/expand-occurrences.js';
import { resolveLocalTime } from '../domain/resolve-local-time.js';
import type { FeedConfig } from '../config/config-schema.js';

/**
 * What the feed filter needs of a stored appointment, small enough to keep in the state db
 * (feed_appointments) and to select a 5,000-appointment feed from without parsing a record.
 */
export interface FeedCandidate {
  readonly id: number;
  /** The store's change_seq of this row: its rendered events are reused while it stays the same. */
  readonly changeSeq: number;
  /** Start of the first occurrence (epoch ms). */
  readonly startMs: number;
  /** End of the last occurrence at the latest (epoch ms); OPEN_END for a series without an end date. */
  readonly endMs: number;
  readonly series: boolean;
  readonly cancelled: boolean;
  readonly private: boolean;
  readonly userIds: readonly number[];
  /**
   * Group ids from the record's `groups` field. The calendar read returns the groups an appointment was
   * shared with there; user-to-group membership is not in the record, so a feed's `groups` match only
   * appointments that name the group, not every appointment of a member (use `users` for that).
   */
  readonly groupIds: readonly number[];
  readonly categories: readonly string[];
  /** `modified` (epoch ms), for Last-Modified. */
  readonly modifiedMs: number;
}

/** The largest epoch ms a Date holds: the end of a series without an end date. */
export const OPEN_END = 8_640_000_000_000_000;

export type FeedVisibility = 'full' | 'busy';

export interface FeedSelection {
  readonly candidate: FeedCandidate;
  /** busy: shown as "Busy" at its time with no other detail. */
  readonly visibility: FeedVisibility;
}

export interface FeedWindow {
  readonly from: DateTime;
  readonly to: DateTime;
}

export type FeedFilter = Pick<
  FeedConfig,
  'users' | 'groups' | 'arts' | 'includeCancelled' | 'privacy' | 'privateAppointments' | 'pastDays' | 'futureDays'
>;

/**
 * The window is whole days in the configured zone, so it — and the cached body keyed on it — moves
 * once a day instead of with every request.
 */
export function planFeedWindow(now: DateTime, zone: string, feed: Pick<FeedConfig, 'pastDays' | 'futureDays'>): FeedWindow {
  const today = now.setZone(zone).startOf('day');
  return { from: today.minus({ days: feed.pastDays }), to: today.plus({ days: feed.futureDays + 1 }) };
}

/**
 * A stored appointment's candidate. A series' span runs from its first start to the end of an
 * occurrence on its end date, bounded from above with a day to spare (the last occurrence may be an
 * exception or a skipped 31st, and a wall time in a DST gap moves forward): deciding it exactly would
 * need the expansion at every window, which is what keeps a cold render from being a read of rows.
 */
export function planFeedCandidate(
  stored: { readonly id: number; readonly changeSeq: number; readonly groups: unknown },
  appointment: Appointment,
  zone: string,
): FeedCandidate {
  const startMs = appointment.start.toMillis();
  const durationMs = appointment.end.toMillis() - startMs;
  const until = appointment.recurrence?.until;
  let endMs = appointment.end.toMillis();
  if (appointment.recurrence && !until) endMs = OPEN_END;
  if (until) {
    const [year, month, day] = until.split('-').map(Number) as [number, number, number];
    const twoDaysAfter = DateTime.utc(year, month, day).plus({ days: 2 });
    const bound = resolveLocalTime(zone, { year: twoDaysAfter.year, month: twoDaysAfter.month, day: twoDaysAfter.day, hour: 0, minute: 0, second: 0 });
    endMs = Math.max(endMs, bound.toMillis() + durationMs);
  }
  return {
    id: stored.id,
    changeSeq: stored.changeSeq,
    startMs,
    endMs,
    series: appointment.recurrence !== null,
    cancelled: appointment.cancelled,
    private: appointment.private,
    userIds: appointment.userIds,
    groupIds: readGroupIds(stored.groups),
    categories: appointment.categories,
    modifiedMs: appointment.modified.toMillis(),
  };
}

/**
 * Which appointments a feed shows and how much of each, in id order (so the body, and its ETag,
 * depend only on the state). Anything whose span overlaps the window counts, so a series that began
 * long ago is shown; a series whose occurrences all miss the window (exceptions, a long interval) is
 * shown too, which is harmless: a client expanding its RRULE finds nothing there, and in 'expand'
 * mode it yields no event.
 */
export function selectFeedAppointments(candidates: Iterable<FeedCandidate>, feed: FeedFilter, window: FeedWindow): FeedSelection[] {
  const users = new Set(feed.users);
  const groups = new Set(feed.groups);
  const arts = new Set(feed.arts);
  const fromMs = window.from.toMillis();
  const toMs = window.to.toMillis();
  const selected: FeedSelection[] = [];
  for (const candidate of candidates) {
    if (candidate.cancelled && !feed.includeCancelled) continue;
    if (!matchesParticipants(candidate, users, groups)) continue;
    if (arts.size > 0 && !candidate.categories.some((art) => arts.has(art))) continue;
    if (candidate.private && feed.privateAppointments === 'hide') continue;
    if (candidate.startMs >= toMs || candidate.endMs <= fromMs) continue;
    const busy = feed.privacy === 'busy-only' || (candidate.private && feed.privateAppointments === 'busy');
    selected.push({ candidate, visibility: busy ? 'busy' : 'full' });
  }
  return selected.sort((a, b) => a.candidate.id - b.candidate.id);
}

/** No users and no groups: everyone's appointments. Otherwise a match on either is enough. */
function matchesParticipants(candidate: FeedCandidate, users: ReadonlySet<number>, groups: ReadonlySet<number>): boolean {
  if (users.size === 0 && groups.size === 0) return true;
  return candidate.userIds.some((id) => users.has(id)) || candidate.groupIds.some((id) => groups.has(id));
}

/**
 * Whether a series has an occurrence overlapping the window; exceptions and the end date make a bounds
 * check too coarse. Expanding costs a zone lookup per occurrence (a daily series over a year: 400), so
 * it starts where the series can first overlap and looks at a month first, widening while nothing is found.
 */
export function hasOccurrenceIn(appointment: Appointment, window: FeedWindow): boolean {
  const recurrence = appointment.recurrence;
  const lengthDays = Math.ceil(appointment.end.diff(appointment.start).as('days'));
  if (recurrence?.until && recurrence.until < window.from.minus({ days: lengthDays + 1 }).toISODate()!) return false;
  // The first occurrence is the appointment itself: when it overlaps and is not left out, done.
  if (appointment.start < window.to && appointment.end > window.from && !recurrence?.exceptions.includes(appointment.start.toISODate()!)) {
    return true;
  }
  const seriesFrom = appointment.start.minus({ days: 1 });
  let from = seriesFrom > window.from ? seriesFrom : window.from;
  let days = 31;
  while (from < window.to) {
    const to = earlierOf(from.plus({ days }), window.to);
    if (expandOccurrences(appointment, from, to).length > 0) return true;
    from = to;
    days *= 4;
  }
  return false;
}

function earlierOf(a: DateTime, b: DateTime): DateTime {
  return a < b ? a : b;
}

/** The record's `groups` field, whatever its shape: ids as numbers, numeric strings or {id} objects. */
export function readGroupIds(groups: unknown): number[] {
  if (!Array.isArray(groups)) return [];
  const ids: number[] = [];
  for (const entry of groups) {
    const raw = entry !== null && typeof entry === 'object' ? (entry as { id?: unknown }).id : entry;
    const id = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : NaN;
    if (Number.isInteger(id)) ids.push(id);
  }
  return ids;
}
