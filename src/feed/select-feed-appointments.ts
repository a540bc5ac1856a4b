import type { DateTime } from 'luxon';
import type { Appointment } from '../domain/appointment.js';
import { expandOccurrences } from '../domain/expand-occurrences.js';
import type { FeedConfig } from '../config/config-schema.js';

/** A stored appointment with what the feed filter needs beyond the domain model. */
export interface FeedCandidate {
  readonly appointment: Appointment;
  /**
   * Group ids from the record's `groups` field. The calendar read returns the groups an appointment was
   * shared with there; user-to-group membership is not in the record, so a feed's `groups` match only
   * appointments that name the group, not every appointment of a member (use `users` for that).
   */
  readonly groupIds: readonly number[];
  /** The store's revision: +1 per content change, the iCalendar SEQUENCE. */
  readonly revision: number;
  /** The store's change_seq of this row: a rendered event can be reused while it stays the same. */
  readonly changeSeq: number;
}

export type FeedVisibility = 'full' | 'busy';

export interface FeedSelection {
  readonly appointment: Appointment;
  readonly revision: number;
  readonly changeSeq: number;
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
 * Which appointments a feed shows and how much of each, in id order (so the body, and its ETag,
 * depend only on the state).
 */
export function selectFeedAppointments(candidates: Iterable<FeedCandidate>, feed: FeedFilter, window: FeedWindow): FeedSelection[] {
  const users = new Set(feed.users);
  const groups = new Set(feed.groups);
  const arts = new Set(feed.arts);
  const selected: FeedSelection[] = [];
  for (const { appointment, groupIds, revision, changeSeq } of candidates) {
    if (appointment.cancelled && !feed.includeCancelled) continue;
    if (!matchesParticipants(appointment, groupIds, users, groups)) continue;
    if (arts.size > 0 && !appointment.categories.some((art) => arts.has(art))) continue;
    if (appointment.private && feed.privateAppointments === 'hide') continue;
    if (!overlapsWindow(appointment, window)) continue;
    const busy = feed.privacy === 'busy-only' || (appointment.private && feed.privateAppointments === 'busy');
    selected.push({ appointment, revision, changeSeq, visibility: busy ? 'busy' : 'full' });
  }
  return selected.sort((a, b) => a.appointment.id - b.appointment.id);
}

/** No users and no groups: everyone's appointments. Otherwise a match on either is enough. */
function matchesParticipants(
  appointment: Appointment,
  groupIds: readonly number[],
  users: ReadonlySet<number>,
  groups: ReadonlySet<number>,
): boolean {
  if (users.size === 0 && groups.size === 0) return true;
  return appointment.userIds.some((id) => users.has(id)) || groupIds.some((id) => groups.has(id));
}

/** Any occurrence overlapping the window counts, so a series that began long ago is shown. */
function overlapsWindow(appointment: Appointment, window: FeedWindow): boolean {
  if (appointment.start >= window.to) return false;
  if (!appointment.recurrence) return appointment.end > window.from;
  return hasOccurrenceIn(appointment, window);
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
