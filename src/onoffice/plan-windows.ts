/**
 * Pure window planning for the change-feed poller (src/onoffice/poll-changes.ts).
 *
 * Two kinds of read, both cut on a line of whole seconds with inclusive bounds, so neighbouring windows
 * never overlap and never leave a gap (the emulator and the docs' "earliest"/"latest" read them so):
 * - `modified`: modifiedstart..modifiedend, UTC.
 * - `start`: the records' own start_dt (local wall time, handled as if it were UTC) between two
 *   bounds, with a date period around them (a filter needs one, error 241). The period is the days the
 *   bounds fall on, so every record starting in the range overlaps it; each record of a sweep comes
 *   back exactly once, and a window can be as narrow as one second instead of one day.
 *
 * A capped answer (500 records or cntabsolute >= 500) carries no usable count: onOffice (and the
 * emulator) reports cntabsolute 500, so sizes come from the density seen so far.
 */

/** onOffice answers at most this many records per read. */
export const READ_CAP = 500;
/** Aim for this many records per window, so that a density estimate a little off still fits the cap. */
export const TARGET_PER_WINDOW = 400;

const DAY = 86_400;
/** start_dt lower bound for "everything that began before the horizon". */
export const EARLIEST_WALL = Date.UTC(1900, 0, 1) / 1000;

export type WindowKind = 'modified' | 'start';

export interface Period {
  readonly fromDay: number;
  readonly toDay: number;
}

export interface ReadWindow {
  readonly kind: WindowKind;
  readonly from: number;
  readonly to: number;
  /** `start` reads: the date period; default the days `from`..`to` fall on. */
  readonly period?: Period;
  /** Whether its record count says something about the density of the line (false for odd ranges). */
  readonly measured: boolean;
}

/** A stretch of the line still to read. */
export interface PendingRange extends ReadWindow {
  /** Read as one window, as planned (from known data). */
  readonly fixed: boolean;
  /** No window cut from it may be longer (set after a capped answer); null: no limit yet. */
  readonly limit: number | null;
}

/** Records per second; null while unknown. */
export type Density = number | null;

/** 'YYYY-MM-DD HH:mm:ss' (UTC for `modified`, wall time for start_dt) ↔ epoch seconds. */
export function formatSeconds(seconds: number): string {
  return new Date(seconds * 1000).toISOString().slice(0, 19).replace('T', ' ');
}

export function parseSeconds(text: string): number {
  const ms = Date.parse(`${text.trim().replace(' ', 'T')}Z`);
  if (Number.isNaN(ms)) throw new RangeError(`not a 'YYYY-MM-DD HH:mm:ss' time: ${JSON.stringify(text)}`);
  return Math.floor(ms / 1000);
}

export function formatDay(day: number): string {
  return new Date(day * DAY * 1000).toISOString().slice(0, 10);
}

export function parseDay(text: string): number {
  return Math.floor(Date.parse(`${text}T00:00:00Z`) / 1000 / DAY);
}

export function dayOf(seconds: number): number {
  return Math.floor(seconds / DAY);
}

export function periodOf(window: ReadWindow): Period {
  return window.period ?? { fromDay: dayOf(window.from), toDay: dayOf(window.to) };
}

/**
 * The windows of the next request, cut from the front of `queue`, and what is left of the queue.
 * - A fixed range is one window.
 * - With a known density, windows hold about TARGET_PER_WINDOW records each (an empty stretch: the
 *   whole range at once).
 * - Without one: a range never tried is read whole (a quiet incremental run is one action); a range
 *   with a limit (it was capped) is probed with windows of doubling length, limit/2^(n-1) … limit, so
 *   one request finds the density however dense the data is, and the small windows are real reads.
 */
export function planBatch(queue: readonly PendingRange[], density: Density, batchSize: number): { windows: ReadWindow[]; rest: PendingRange[] } {
  const rest = [...queue];
  const windows: ReadWindow[] = [];
  const take = (head: PendingRange, size: number): void => {
    const to = Math.min(head.to, head.from + Math.max(1, size) - 1);
    windows.push(toWindow(head, head.from, to));
    if (to >= head.to) rest.shift();
    else rest[0] = { ...head, from: to + 1 };
  };
  while (windows.length < batchSize && rest.length > 0) {
    const head = rest[0]!;
    const length = head.to - head.from + 1;
    if (head.fixed) {
      take(head, length);
    } else if (density === null && head.limit !== null) {
      const limit = head.limit;
      let remaining = length;
      for (let i = batchSize - windows.length - 1; i >= 0 && remaining > 0; i--) {
        const size = Math.max(1, Math.floor(limit / 2 ** i));
        take(rest[0]!, size);
        remaining -= size;
      }
    } else {
      const wanted = density === null || density <= 0 ? length : Math.floor(TARGET_PER_WINDOW / density);
      take(head, Math.min(wanted, head.limit ?? Number.POSITIVE_INFINITY));
    }
  }
  return { windows, rest };
}

function toWindow(range: PendingRange, from: number, to: number): ReadWindow {
  return { kind: range.kind, from, to, measured: range.measured, ...(range.period ? { period: range.period } : {}) };
}

/**
 * A capped window goes back as a range whose windows are shorter than it: it held at least 500, so at
 * most TARGET/500 of it can hold the target. Within that limit the live density sizes the windows, so
 * an early estimate does not stay frozen in the limit. null at one second.
 */
export function planRecut(window: ReadWindow): PendingRange | null {
  const length = window.to - window.from + 1;
  if (length <= 1) return null;
  return { ...window, fixed: false, limit: Math.max(1, Math.min(length - 1, Math.floor((length * TARGET_PER_WINDOW) / READ_CAP))) };
}

/**
 * The density after a request, near the front where the next windows are cut: records per second of
 * the last complete measured windows (latest first, until they hold a window's worth), so an empty
 * stretch read earlier does not water it down. A capped window only limits its own range (planRecut):
 * taken as a density floor it ratchets the estimate up after every unlucky window. Only capped windows
 * and no complete one with records: unknown again (probe). Nothing measured: keep the old estimate.
 */
export function planDensity(previous: Density, complete: ReadonlyArray<{ window: ReadWindow; records: number }>, capped: readonly ReadWindow[]): Density {
  const length = (w: ReadWindow): number => w.to - w.from + 1;
  const measured = complete.filter((c) => c.window.measured).sort((a, b) => b.window.from - a.window.from);
  const cappedMeasured = capped.filter((w) => w.measured);
  let records = 0;
  let seconds = 0;
  for (const c of measured) {
    if (records >= TARGET_PER_WINDOW) break;
    records += c.records;
    seconds += length(c.window);
  }
  if (records > 0) return records / seconds;
  if (cappedMeasured.length > 0) return null;
  if (seconds > 0) return 0;
  return previous;
}

/**
 * Fixed ranges over [from, to] holding about TARGET_PER_WINDOW of the known `starts` (sorted seconds)
 * each: a reconciliation sweep sized by what the store already holds needs hardly any probing.
 */
export function planRangesFromStarts(kind: WindowKind, from: number, to: number, starts: readonly number[]): PendingRange[] {
  const ranges: PendingRange[] = [];
  let rangeFrom = from;
  let count = 0;
  for (const start of starts) {
    if (start < from || start > to) continue;
    if (count >= TARGET_PER_WINDOW && start > rangeFrom) {
      ranges.push({ kind, from: rangeFrom, to: start - 1, measured: true, fixed: true, limit: null });
      rangeFrom = start;
      count = 0;
    }
    count += 1;
  }
  ranges.push({ kind, from: rangeFrom, to, measured: true, fixed: true, limit: null });
  return ranges;
}

export function describeWindow(window: ReadWindow): string {
  if (window.kind === 'modified') return `modified ${formatSeconds(window.from)}..${formatSeconds(window.to)} UTC`;
  const period = periodOf(window);
  return `period ${formatDay(period.fromDay)}..${formatDay(period.toDay)}, start_dt ${formatSeconds(window.from)}..${formatSeconds(window.to)}`;
}
