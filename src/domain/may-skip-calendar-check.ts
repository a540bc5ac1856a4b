import { trustedCtag, type CtagState } from './trust-ctag.js';

/**
 * When an idle run may leave a calendar unasked, not even the PROPFIND of its getctag. Pure: the facts
 * and the time are passed in.
 *
 * On a one-way calendar that PROPFIND only notices what others did: an edit by another client (drift,
 * which the push repairs) or a deleted calendar. Neither needs noticing every second, and on Radicale
 * the getctag costs the server a hash over every object. So within `idleCheckSeconds` of the last check
 * such a run asks nothing, as long as nothing is to be written: a write goes into a calendar checked
 * in the same run (a PUT into a calendar deleted meanwhile must not read as a refused object). A two-way
 * calendar is read on every run (the way back needs it), and so is every calendar on a full run.
 */

/** What the target's next run has to write regardless of the calendars, from the stored state. */
export interface TargetWriteFacts {
  /** The newest change sequence of the appointments, and the one the target was last pushed up to. */
  readonly changeSeq: number;
  readonly pushedSeq: number;
  /** The hash of what shapes the target's objects now, and the one its last push went through with. */
  readonly configHash: string;
  readonly pushedConfigHash: string;
  /** Journal entries a run left unfinished, and recorded failures the next run retries. */
  readonly pendingOutbox: number;
  readonly failures: number;
}

export interface CalendarCheckFacts {
  /** `--full` or the nightly reconciliation. */
  readonly full: boolean;
  readonly twoWay: boolean;
  /** The calendar was resolved before, on the target's server. */
  readonly knownOnServer: boolean;
  /** The getctag the last complete read of the changes left. */
  readonly ctag: CtagState | null;
  /** When the calendar was last checked (ms since the epoch): its stored state was confirmed then. */
  readonly checkedAt: number | null;
  readonly idleCheckSeconds: number;
  readonly writes: TargetWriteFacts;
}

/** Whether the run has anything to write to the target before it has read a single calendar. */
export function hasWritesComing(writes: TargetWriteFacts): boolean {
  return (
    writes.changeSeq !== writes.pushedSeq ||
    writes.pushedSeq === 0 ||
    writes.configHash !== writes.pushedConfigHash ||
    writes.pendingOutbox > 0 ||
    writes.failures > 0
  );
}

/** Whether this run may skip asking the calendar anything (see the module comment). */
export function maySkipCalendarCheck(facts: CalendarCheckFacts, nowMs: number): boolean {
  if (facts.full || facts.twoWay || !facts.knownOnServer || facts.idleCheckSeconds <= 0) return false;
  if (facts.checkedAt === null || trustedCtag(facts.ctag, nowMs) === null) return false;
  // A clock that went back checks.
  const sinceCheck = nowMs - facts.checkedAt;
  if (sinceCheck < 0 || sinceCheck >= facts.idleCheckSeconds * 1000) return false;
  return !hasWritesComing(facts.writes);
}
