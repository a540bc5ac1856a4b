import { describe, expect, it } from 'vitest';
import { hasWritesComing, maySkipCalendarCheck, type CalendarCheckFacts } from '../../src/domain/may-skip-calendar-check.js';
import { CTAG_SETTLE_MS, CTAG_TRUST_MS } from '../../src/domain/trust-ctag.js';

const T = Date.parse('2026-12-01T10:00:00Z');
const settled = { value: 'c1', seenAt: T - 60_000, readAt: T - 60_000 + CTAG_SETTLE_MS };

/** An idle one-way calendar checked 10 s ago with a 30 s interval: the one case that skips. */
const idle: CalendarCheckFacts = {
  full: false,
  twoWay: false,
  knownOnServer: true,
  ctag: settled,
  checkedAt: T - 10_000,
  idleCheckSeconds: 30,
  writes: { changeSeq: 7, pushedSeq: 7, configHash: 'h', pushedConfigHash: 'h', pendingOutbox: 0, failures: 0 },
};

describe('leaving an idle calendar unasked', () => {
  it('skips a one-way calendar checked within the interval when nothing is to be written', () => {
    expect(maySkipCalendarCheck(idle, T)).toBe(true);
  });

  it('checks once the interval has passed, and when the clock went back before the last check', () => {
    expect(maySkipCalendarCheck(idle, idle.checkedAt! + 30_000 - 1)).toBe(true);
    expect(maySkipCalendarCheck(idle, idle.checkedAt! + 30_000)).toBe(false);
    expect(maySkipCalendarCheck(idle, idle.checkedAt! - 1)).toBe(false);
  });

  it('checks on every run with idleCheckSeconds 0, on a full run, on a two-way target, and for a calendar new or on another server', () => {
    expect(maySkipCalendarCheck({ ...idle, idleCheckSeconds: 0 }, T)).toBe(false);
    expect(maySkipCalendarCheck({ ...idle, full: true }, T)).toBe(false);
    expect(maySkipCalendarCheck({ ...idle, twoWay: true }, T)).toBe(false);
    expect(maySkipCalendarCheck({ ...idle, knownOnServer: false }, T)).toBe(false);
    expect(maySkipCalendarCheck({ ...idle, checkedAt: null }, T)).toBe(false);
  });

  it('checks when the stored getctag is not trusted: none, not settled, or trusted for too long', () => {
    expect(maySkipCalendarCheck({ ...idle, ctag: null }, T)).toBe(false);
    expect(maySkipCalendarCheck({ ...idle, ctag: { value: 'c1', seenAt: T - 5000, readAt: T - 5000 } }, T)).toBe(false);
    const old = { value: 'c1', seenAt: T - CTAG_TRUST_MS - 10_000, readAt: T - CTAG_TRUST_MS };
    expect(maySkipCalendarCheck({ ...idle, ctag: old }, T)).toBe(false);
  });

  it('checks whenever anything is to be written: a change in onOffice, a new configuration, an unfinished write, a failure to retry', () => {
    const writes = idle.writes;
    for (const coming of [
      { ...writes, changeSeq: 8 },
      { ...writes, pushedSeq: 0, changeSeq: 0 },
      { ...writes, configHash: 'other' },
      { ...writes, pendingOutbox: 1 },
      { ...writes, failures: 2 },
    ]) {
      expect(hasWritesComing(coming)).toBe(true);
      expect(maySkipCalendarCheck({ ...idle, writes: coming }, T)).toBe(false);
    }
    expect(hasWritesComing(writes)).toBe(false);
  });
});
