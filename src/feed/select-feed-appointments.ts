import type { DateTime } from 'luxon';
import type { Appointment } from '../domain/appointment.js';
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
}

export type FeedVisibility = 'full' | 'busy';

export interface FeedSelection {
  readonly appointment: Appointment;
  readonly revision: number;
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
 * Which appointments a feed shows and how much of each. `hasOccurrenceIn` answers whether a series
 * has an occurrence overlapping the window (exceptions and the end date make a bounds check too coarse).
 */
export function selectFeedAppointments(
  candidates: Iterable<FeedCandidate>,
  feed: FeedFilter,
  window: FeedWindow,
  hasOccurrenceIn: (appointment: Appointment, window: FeedWindow) => boolean,
): FeedSelection[] {
  const users = new Set(feed.users);
  const groups = new Set(feed.groups);
  const arts = new Set(feed.arts);
  const selected: FeedSelection[] = [];
  for (const { appointment, groupIds, revision } of candidates) {
    if (appointment.cancelled && !feed.includeCancelled) continue;
    if (!matchesParticipants(appointment, groupIds, users, groups)) continue;
    if (arts.size > 0 && !appointment.categories.some((art) => arts.has(art))) continue;
    if (appointment.private && feed.privateAppointments === 'hide') continue;
    if (!overlapsWindow(appointment, window, hasOccurrenceIn)) continue;
    const busy = feed.privacy === 'busy-only' || (appointment.private && feed.privateAppointments === 'busy');
    selected.push({ appointment, revision, visibility: busy ? 'busy' : 'full' });
  }
  return selected;
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

function overlapsWindow(
  appointment: Appointment,
  window: FeedWindow,
  hasOccurrenceIn: (appointment: Appointment, window: FeedWindow) => boolean,
): boolean {
  if (appointment.start >= window.to) return false;
  if (!appointment.recurrence) return appointment.end > window.from;
  return hasOccurrenceIn(appointment, window);
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
