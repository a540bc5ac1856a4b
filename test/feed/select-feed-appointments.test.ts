import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import type { Appointment } from '../../src/domain/appointment.js';
import {
  OPEN_END,
  planFeedCandidate,
  planFeedWindow,
  readGroupIds,
  selectFeedAppointments,
  type FeedCandidate,
  type FeedFilter,
} from '../../src/feed/select-feed-appointments.js';

const zone = 'Europe/Berlin';
const now = DateTime.fromISO('2026-03-15T09:00:00Z');
const base: FeedFilter = { users: [], groups: [], arts: [], includeCancelled: false, privacy: 'full', privateAppointments: 'busy', pastDays: 30, futureDays: 365 };
const window = planFeedWindow(now, zone, base);

function appointment(id: number, overrides: Partial<Appointment> = {}): Appointment {
  const start = DateTime.fromISO('2026-03-20T10:00:00', { zone });
  return {
    id, allDay: false, start, end: start.plus({ hours: 1 }), summary: `A${id}`, note: '', location: '', categories: ['Besichtigung'],
    status: 'active', cancelled: false, private: false, reminderMinutes: null, resources: [], userIds: [53], users: [], creator: 'x',
    transitBeforeMinutes: 0, transitAfterMinutes: 0, recurrence: null, modified: now, ...overrides,
  };
}

function candidate(id: number, overrides: Partial<Appointment> = {}, groups: unknown = []): FeedCandidate {
  return planFeedCandidate({ id, changeSeq: id, groups }, appointment(id, overrides), zone);
}

const ids = (filter: Partial<FeedFilter>, candidates: FeedCandidate[]): number[] =>
  selectFeedAppointments(candidates, { ...base, ...filter }, window).map((s) => s.candidate.id);

describe('selectFeedAppointments', () => {
  it('uses whole local days from now − pastDays to now + futureDays', () => {
    expect(window.from.toISO()).toBe('2026-02-13T00:00:00.000+01:00');
    expect(window.to.toISO()).toBe('2027-03-16T00:00:00.000+01:00');
  });

  it('matches users or groups, arts, and leaves cancelled ones out unless asked', () => {
    const list = [candidate(1), candidate(2, { userIds: [55] }, [7]), candidate(3, { categories: ['Telefonat'] }), candidate(4, { cancelled: true })];
    expect(ids({}, list)).toEqual([1, 2, 3]);
    expect(ids({ users: [53] }, list)).toEqual([1, 3]);
    expect(ids({ users: [99], groups: [7] }, list)).toEqual([2]);
    expect(ids({ arts: ['Besichtigung'] }, list)).toEqual([1, 2]);
    expect(ids({ includeCancelled: true }, list)).toEqual([1, 2, 3, 4]);
  });

  it('keeps a series that began before the window while its span reaches into it, and drops one that ended', () => {
    const old = DateTime.fromISO('2025-01-06T09:00:00', { zone });
    const list = [
      candidate(1, { start: old, end: old.plus({ hours: 1 }), recurrence: { frequency: 'weekly', interval: 1, until: null, exceptions: [] } }),
      candidate(2, { start: old, end: old.plus({ hours: 1 }), recurrence: { frequency: 'weekly', interval: 1, until: '2026-01-01', exceptions: [] } }),
      candidate(3, { start: old, end: old.plus({ hours: 1 }) }),
      candidate(4, { start: old, end: old.plus({ hours: 1 }), recurrence: { frequency: 'yearly', interval: 1, until: null, exceptions: [] } }),
      // Ends on the window's first day: its last occurrence may start then.
      candidate(5, { start: old, end: old.plus({ hours: 1 }), recurrence: { frequency: 'daily', interval: 1, until: '2026-02-13', exceptions: [] } }),
      // Ended two days before the window: the span's day to spare does not reach it.
      candidate(6, { start: old, end: old.plus({ hours: 1 }), recurrence: { frequency: 'daily', interval: 1, until: '2026-02-10', exceptions: [] } }),
    ];
    expect(ids({}, list)).toEqual([1, 4, 5]);
  });

  it('shows a series whose span overlaps the window even when every occurrence inside is an exception', () => {
    const start = DateTime.fromISO('2026-03-20T10:00:00', { zone });
    const list = [candidate(1, { start, end: start.plus({ hours: 1 }), recurrence: { frequency: 'daily', interval: 1, until: '2026-03-20', exceptions: ['2026-03-20'] } })];
    expect(ids({}, list)).toEqual([1]);
  });

  it('spans a series from its first start to an occurrence on its end date, with a day to spare', () => {
    const start = DateTime.fromISO('2026-03-20T10:00:00', { zone });
    const open = candidate(1, { start, end: start.plus({ hours: 1 }), recurrence: { frequency: 'weekly', interval: 1, until: null, exceptions: [] } });
    expect(open.startMs).toBe(start.toMillis());
    expect(open.endMs).toBe(OPEN_END);
    const ending = candidate(2, { start, end: start.plus({ hours: 1 }), recurrence: { frequency: 'weekly', interval: 1, until: '2026-04-03', exceptions: [] } });
    expect(ending.endMs).toBe(DateTime.fromISO('2026-04-05T01:00:00', { zone }).toMillis());
    const single = candidate(3, { start, end: start.plus({ hours: 1 }) });
    expect(single.endMs).toBe(start.plus({ hours: 1 }).toMillis());
  });

  it('shows private appointments as busy, hides them or shows them, and busy-only makes everything busy', () => {
    const list = [candidate(2, { private: true }), candidate(1)];
    const visibility = (filter: Partial<FeedFilter>): string[] =>
      selectFeedAppointments(list, { ...base, ...filter }, window).map((s) => `${s.candidate.id}:${s.visibility}`);
    expect(visibility({ privateAppointments: 'busy' })).toEqual(['1:full', '2:busy']);
    expect(visibility({ privateAppointments: 'hide' })).toEqual(['1:full']);
    expect(visibility({ privateAppointments: 'full' })).toEqual(['1:full', '2:full']);
    expect(visibility({ privacy: 'busy-only', privateAppointments: 'full' })).toEqual(['1:busy', '2:busy']);
  });

  it('drops what lies wholly before or after the window', () => {
    const before = DateTime.fromISO('2026-02-12T22:00:00', { zone });
    const after = window.to;
    const list = [
      candidate(1, { start: before, end: before.plus({ hours: 3 }) }),
      candidate(2, { start: before.minus({ hours: 1 }), end: window.from }),
      candidate(3, { start: after, end: after.plus({ hours: 1 }) }),
      candidate(4, { start: after.minus({ minutes: 1 }), end: after.plus({ hours: 1 }) }),
    ];
    expect(ids({}, list)).toEqual([1, 4]);
  });
});

describe('readGroupIds', () => {
  it('reads numbers, numeric strings and {id} objects and ignores the rest', () => {
    expect(readGroupIds([7, '8', { id: 9 }, { id: '10' }, 'x', null])).toEqual([7, 8, 9, 10]);
    expect(readGroupIds({})).toEqual([]);
  });
});
