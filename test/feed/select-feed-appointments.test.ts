import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import type { Appointment } from '../../src/domain/appointment.js';
import { planFeedWindow, readGroupIds, selectFeedAppointments, type FeedCandidate, type FeedFilter } from '../../src/feed/select-feed-appointments.js';

const zone = 'Europe/Berlin';
const now = DateTime.fromISO('2026-03-15T09:00:00Z');
const base: FeedFilter = { users: [], groups: [], arts: [], includeCancelled: false, privacy: 'full', privateAppointments: 'busy', pastDays: 30, futureDays: 365 };
const window = planFeedWindow(now, zone, base);

function candidate(id: number, overrides: Partial<Appointment> = {}, groupIds: number[] = []): FeedCandidate {
  const start = DateTime.fromISO('2026-03-20T10:00:00', { zone });
  const appointment: Appointment = {
    id, allDay: false, start, end: start.plus({ hours: 1 }), summary: `A${id}`, note: '', location: '', categories: ['Besichtigung'],
    status: 'active', cancelled: false, private: false, reminderMinutes: null, resources: [], userIds: [53], users: [], creator: 'x',
    transitBeforeMinutes: 0, transitAfterMinutes: 0, recurrence: null, modified: now, ...overrides,
  };
  return { appointment, groupIds, revision: 0, changeSeq: id };
}

const ids = (filter: Partial<FeedFilter>, candidates: FeedCandidate[]): number[] =>
  selectFeedAppointments(candidates, { ...base, ...filter }, window).map((s) => s.appointment.id);

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

  it('keeps a series that began before the window while an occurrence falls inside, and drops one that ended', () => {
    const old = DateTime.fromISO('2025-01-06T09:00:00', { zone });
    const list = [
      candidate(1, { start: old, end: old.plus({ hours: 1 }), recurrence: { frequency: 'weekly', interval: 1, until: null, exceptions: [] } }),
      candidate(2, { start: old, end: old.plus({ hours: 1 }), recurrence: { frequency: 'weekly', interval: 1, until: '2026-01-01', exceptions: [] } }),
      candidate(3, { start: old, end: old.plus({ hours: 1 }) }),
      // Yearly on 6 January: next occurrence 2027-01-06, inside the window.
      candidate(4, { start: old, end: old.plus({ hours: 1 }), recurrence: { frequency: 'yearly', interval: 1, until: null, exceptions: [] } }),
      // Every 3 years from 2025: 2028 is past the window's end.
      candidate(5, { start: old, end: old.plus({ hours: 1 }), recurrence: { frequency: 'yearly', interval: 3, until: null, exceptions: [] } }),
    ];
    expect(ids({}, list)).toEqual([1, 4]);
  });

  it('drops a series whose only occurrence in the window is an exception', () => {
    const start = DateTime.fromISO('2026-03-20T10:00:00', { zone });
    const list = [candidate(1, { start, end: start.plus({ hours: 1 }), recurrence: { frequency: 'daily', interval: 1, until: '2026-03-20', exceptions: ['2026-03-20'] } })];
    expect(ids({}, list)).toEqual([]);
  });

  it('shows private appointments as busy, hides them or shows them, and busy-only makes everything busy', () => {
    const list = [candidate(2, { private: true }), candidate(1)];
    const visibility = (filter: Partial<FeedFilter>): string[] =>
      selectFeedAppointments(list, { ...base, ...filter }, window).map((s) => `${s.appointment.id}:${s.visibility}`);
    expect(visibility({ privateAppointments: 'busy' })).toEqual(['1:full', '2:busy']);
    expect(visibility({ privateAppointments: 'hide' })).toEqual(['1:full']);
    expect(visibility({ privateAppointments: 'full' })).toEqual(['1:full', '2:full']);
    expect(visibility({ privacy: 'busy-only', privateAppointments: 'full' })).toEqual(['1:busy', '2:busy']);
  });
});

describe('readGroupIds', () => {
  it('reads numbers, numeric strings and {id} objects and ignores the rest', () => {
    expect(readGroupIds([7, '8', { id: 9 }, { id: '10' }, 'x', null])).toEqual([7, 8, 9, 10]);
    expect(readGroupIds({})).toEqual([]);
  });
});
