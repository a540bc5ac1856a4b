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
 * - `start` inside one `modified` second (`second` set): the records' start_dt between two bounds in a
 *   filter beside modifiedstart = modifiedend = that second, no period (a period would make onOffice
 *   ignore the modified window). It cuts a capped second, which `modified` alone cannot cut.
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
/** start_dt upper bound of the ranges that cut a capped `modified` second. */
export const LATEST_WALL = Date.UTC(2200, 0, 1) / 1000 - 1;
/** A capped `modified` second (and each capped piece of it) is cut in this many pieces by start_dt. */
export const BURST_PIECES = 4;

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
  /** `start` reads inside this one `modified` second (UTC seconds) instead of a period. */
  readonly second?: number;
  /** Whether its record count says something about the density of the line (false for odd ranges). */
  readonly measured: boolean;
}

/** A stretch of the line still to read. */
export interface PendingRange extends ReadWindow {
  /** Read as one window, as planned (from known data). */
  readonly fixed: boolean;
  /** No window cut from it may be longer (set after a capped answer); null: no limit yet. */
  readonly limit: number | null;
  /** While the density is unknown, probe with windows up to this long (default: limit). */
  readonly probeLimit?: number;
}

/** Records per second (per profile-weighted second when a DayProfile is in use); null while unknown. */
export type Density = number | null;

/** Bins of the day profile: a quarter of an hour, the grid people book appointments on. */
export const PROFILE_BINS = 96;
const BIN = DAY / PROFILE_BINS;
/** Records a profile must be learned from before it is used (fewer: every bin is noise). */
const PROFILE_MIN_RECORDS = 200;

/**
 * How records spread over the time of day (wall time for start_dt, UTC for `modified`): the cumulative
 * share of a day's records at each bin edge, edges[0] = 0 … edges[PROFILE_BINS] = 1, strictly rising.
 * Appointments start in office hours, so a window of 3.3 days holds 3 or 4 days' worth depending on
 * where it ends: sized in plain seconds, its count swung by ±15 % and one window in nine came back
 * capped at 100k appointments. Sized in profile-weighted seconds, every window holds the same share.
 */
export interface DayProfile {
  readonly edges: Float64Array;
}

/** Options of planBatch beyond the density. */
export interface PlanModel {
  /** Day profile the density is measured in; null or absent: plain seconds. */
  readonly profile?: DayProfile | null;
  /** Records a window should hold (default TARGET_PER_WINDOW). */
  readonly target?: number;
  /**
   * Stop adding windows once they are planned to bring back this many records (a window of unknown
   * size counts READ_CAP, a fixed one the target); default: no such bound.
   */
  readonly maxRecords?: number;
}

/**
 * A profile from per-bin record counts, smoothed towards flat (2 % of the mass, so no bin is empty and
 * a quiet night is never taken for one that cannot hold anything). null below PROFILE_MIN_RECORDS.
 */
export function planProfile(counts: ArrayLike<number>): DayProfile | null {
  let total = 0;
  for (let i = 0; i < PROFILE_BINS; i++) total += counts[i] ?? 0;
  if (total < PROFILE_MIN_RECORDS) return null;
  const floor = (total * 0.02) / PROFILE_BINS;
  const edges = new Float64Array(PROFILE_BINS + 1);
  for (let i = 0; i < PROFILE_BINS; i++) edges[i + 1] = edges[i]! + (counts[i] ?? 0) + floor;
  const sum = edges[PROFILE_BINS]!;
  for (let i = 1; i <= PROFILE_BINS; i++) edges[i] = edges[i]! / sum;
  edges[PROFILE_BINS] = 1;
  return { edges };
}

/** The profile bin of a position on the line. */
export function binOf(seconds: number): number {
  return Math.floor((seconds - dayOf(seconds) * DAY) / BIN);
}

/** Position on the profile-weighted line, in days: flat, it is seconds / DAY. */
function weigh(seconds: number, profile: DayProfile | null | undefined): number {
  const day = dayOf(seconds);
  if (!profile) return seconds / DAY;
  const within = seconds - day * DAY;
  const bin = Math.min(PROFILE_BINS - 1, Math.floor(within / BIN));
  const low = profile.edges[bin]!;
  return day + low + (profile.edges[bin + 1]! - low) * ((within - bin * BIN) / BIN);
}

/** The inverse of weigh, rounded down to a whole second. */
function unweigh(position: number, profile: DayProfile): number {
  const day = Math.floor(position);
  const share = position - day;
  let low = 0;
  let high = PROFILE_BINS - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (profile.edges[mid]! <= share) low = mid;
    else high = mid - 1;
  }
  const from = profile.edges[low]!;
  const within = low * BIN + ((share - from) / (profile.edges[low + 1]! - from)) * BIN;
  return day * DAY + Math.floor(Math.min(DAY, within));
}

/** Profile-weighted length of a window in seconds (its plain length without a profile). */
export function weighWindow(window: { readonly from: number; readonly to: number }, profile?: DayProfile | null): number {
  if (!profile) return window.to - window.from + 1;
  return (weigh(window.to + 1, profile) - weigh(window.from, profile)) * DAY;
}

/**
 * The records a window may be planned to hold so that one is capped seldom (about 1 in 700 at 3 σ),
 * from how far the counts of earlier windows strayed from what was planned: `dispersion` is the mean
 * of (count − planned)² / planned, 1 for Poisson counts and a perfect density, higher for lumpy data or
 * a poor estimate. Kept between 250 and 450.
 */
export function planTarget(dispersion: number): number {
  const z = 3 * Math.sqrt(Math.max(1, dispersion));
  const root = (-z + Math.sqrt(z * z + 4 * READ_CAP)) / 2;
  return Math.max(250, Math.min(450, Math.floor(root * root)));
}

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
 * - With a known density, windows hold about the target each (an empty stretch: the whole range at
 *   once). A window runs on into the next range when that touches it (left over from a cut), so each
 *   cut does not leave a short window behind.
 * - Without one: a range never tried is read whole (a quiet incremental run is one action); a range
 *   with a limit (it was capped) or a probe limit is probed with up to PROBE_WINDOWS windows of
 *   doubling length, limit/2^(n-1) … limit, so one request finds the density over a wide span of
 *   densities, and the small windows are real reads. More probes in one request would be capped
 *   answers (read, then dropped) whenever the data is dense, so the request ends there.
 */
export function planBatch(
  queue: readonly PendingRange[],
  density: Density,
  batchSize: number,
  model: PlanModel = {},
): { windows: ReadWindow[]; rest: PendingRange[] } {
  const target = model.target ?? TARGET_PER_WINDOW;
  const maxRecords = model.maxRecords ?? Number.POSITIVE_INFINITY;
  const rest = [...queue];
  const windows: ReadWindow[] = [];
  let planned = 0;
  const take = (head: PendingRange, size: number): void => {
    const to = Math.min(head.to, head.from + Math.max(1, size) - 1);
    windows.push(toWindow(head, head.from, to));
    planned += head.fixed ? target : READ_CAP;
    if (to >= head.to) rest.shift();
    else rest[0] = { ...head, from: to + 1 };
  };
  while (windows.length < batchSize && rest.length > 0 && planned < maxRecords) {
    const head = rest[0]!;
    const length = head.to - head.from + 1;
    if (head.fixed) {
      take(head, length);
    } else if (density === null && (head.probeLimit ?? head.limit) !== null) {
      const limit = head.probeLimit ?? head.limit!;
      let remaining = length;
      for (let i = Math.min(batchSize - windows.length, PROBE_WINDOWS) - 1; i >= 0 && remaining > 0; i--) {
        const size = Math.max(1, Math.floor(limit / 2 ** i));
        take(rest[0]!, size);
        remaining -= size;
      }
      // More probes behind these would be sized as blindly: what they find decides the next request.
      break;
    } else if (density === null || density <= 0) {
      take(head, Math.min(length, head.limit ?? Number.POSITIVE_INFINITY));
    } else {
      const window = takeSized(rest, density, target, model.profile);
      windows.push(window);
      planned += Math.min(READ_CAP, density * weighWindow(window, model.profile));
    }
  }
  return { windows, rest };
}

/** At most this many probe windows per range and request. */
export const PROBE_WINDOWS = 5;

/**
 * One window from the front of `rest` holding about `target` records at `density`, running on into
 * following ranges that continue it (same kind and period, unfixed), never longer than any of their
 * limits. Shortens `rest` accordingly.
 */
function takeSized(rest: PendingRange[], density: number, target: number, profile: DayProfile | null | undefined): ReadWindow {
  const head = rest[0]!;
  const wanted = target / density;
  const end = profile
    ? Math.max(head.from, unweigh(weigh(head.from, profile) + wanted / DAY, profile) - 1)
    : head.from + Math.max(1, Math.floor(wanted)) - 1;
  let limit = head.limit ?? Number.POSITIVE_INFINITY;
  let to = Math.min(end, head.from + limit - 1, head.to);
  while (to === rest[0]!.to) {
    rest.shift();
    const next = rest[0];
    if (!next || !continues(head, next, to) || to >= end) return toWindow(head, head.from, to);
    limit = Math.min(limit, next.limit ?? Number.POSITIVE_INFINITY);
    if (head.from + limit - 1 <= to) return toWindow(head, head.from, to);
    to = Math.min(end, head.from + limit - 1, next.to);
  }
  rest[0] = { ...rest[0]!, from: to + 1 };
  return toWindow(head, head.from, to);
}

function continues(head: PendingRange, next: PendingRange, to: number): boolean {
  return (
    !next.fixed &&
    next.from === to + 1 &&
    next.kind === head.kind &&
    next.measured === head.measured &&
    next.period?.fromDay === head.period?.fromDay &&
    next.period?.toDay === head.period?.toDay
  );
}

function toWindow(range: PendingRange, from: number, to: number): ReadWindow {
  return { kind: range.kind, from, to, measured: range.measured, ...(range.period ? { period: range.period } : {}), ...(range.second === undefined ? {} : { second: range.second }) };
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
 * A capped window cut in `pieces` (at least 2) fixed ranges by where the records of its capped answer
 * lie: at their quantiles, so each piece holds an equal share of them, and a second holding a piece's
 * share or more on its own (a mass edit, an import onto one day) gets a range of its own. The answer is
 * not trusted for its content, only to place the cuts: whatever order or selection onOffice made, the
 * pieces still tile the window exactly and each is shorter than it. Without usable positions the
 * window is halved. null at one second.
 */
export function planSplit(window: ReadWindow, positions: readonly number[], pieces: number): PendingRange[] | null {
  const length = window.to - window.from + 1;
  if (length <= 1) return null;
  const inside = positions.filter((p) => p >= window.from && p <= window.to).sort((a, b) => a - b);
  const cuts = new Set<number>();
  const count = Math.max(2, pieces);
  if (inside.length < count) {
    cuts.add(window.from + Math.floor(length / 2));
  } else {
    const share = inside.length / count;
    for (let i = 1; i < count; i++) cuts.add(inside[Math.floor(i * share)]!);
    let run = 1;
    for (let i = 1; i <= inside.length; i++) {
      if (i < inside.length && inside[i] === inside[i - 1]) {
        run += 1;
        continue;
      }
      if (run >= share) {
        cuts.add(inside[i - 1]!);
        cuts.add(inside[i - 1]! + 1);
      }
      run = 1;
    }
  }
  const bounds = [...cuts].filter((c) => c > window.from && c <= window.to).sort((a, b) => a - b);
  if (bounds.length === 0) bounds.push(window.from + Math.floor(length / 2));
  const ranges: PendingRange[] = [];
  let from = window.from;
  for (const cut of [...bounds, window.to + 1]) {
    ranges.push({ ...window, from, to: cut - 1, fixed: true, limit: null });
    from = cut;
  }
  return ranges;
}

/**
 * The density after a request, near the front where the next windows are cut: records per (profile-
 * weighted) second of the last complete measured windows (latest first, until they hold a window's
 * worth), so an empty stretch read earlier does not water it down. A capped window only limits its own
 * range (planRecut): taken as a density floor it ratchets the estimate up after every unlucky window.
 * Only capped windows and no complete one with records: unknown again (probe). Nothing measured: keep
 * the old estimate.
 */
export function planDensity(
  previous: Density,
  complete: ReadonlyArray<{ window: ReadWindow; records: number }>,
  capped: readonly ReadWindow[],
  profile?: DayProfile | null,
): Density {
  const measured = complete.filter((c) => c.window.measured).sort((a, b) => b.window.from - a.window.from);
  const cappedMeasured = capped.filter((w) => w.measured);
  let records = 0;
  let seconds = 0;
  for (const c of measured) {
    if (records >= TARGET_PER_WINDOW) break;
    records += c.records;
    seconds += weighWindow(c.window, profile);
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

/**
 * A capped `modified` second cut by start_dt into BURST_PIECES fixed ranges at the quantiles of the
 * start times its capped answer showed, over every start_dt from EARLIEST_WALL to LATEST_WALL.
 */
export function planBurstRanges(second: number, starts: readonly number[]): PendingRange[] {
  return planSplit({ kind: 'start', from: EARLIEST_WALL, to: LATEST_WALL, second, measured: false }, starts, BURST_PIECES)!;
}

export function describeWindow(window: ReadWindow): string {
  if (window.second !== undefined) return `modified ${formatSeconds(window.second)} UTC, start_dt ${formatSeconds(window.from)}..${formatSeconds(window.to)}`;
  if (window.kind === 'modified') return `modified ${formatSeconds(window.from)}..${formatSeconds(window.to)} UTC`;
  const period = periodOf(window);
  return `period ${formatDay(period.fromDay)}..${formatDay(period.toDay)}, start_dt ${formatSeconds(window.from)}..${formatSeconds(window.to)}`;
}
