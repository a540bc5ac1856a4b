import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Logger } from '../log/create-logger.js';
import type { AppointmentRecord } from '../domain/appointment-record.js';
import type { OnOfficeClient, ReadCalendarPage, ReadCalendarParams } from './onoffice-client.js';
import { OnOfficeActionError } from './onoffice-errors.js';
import { PollBurstSplitError } from './poll-errors.js';
import {
  BURST_PIECES,
  READ_CAP,
  describeWindow,
  formatSeconds,
  PROFILE_BINS,
  binOf,
  planBatch,
  planDensity,
  planProfile,
  planRecut,
  planSplit,
  planTarget,
  weighWindow,
  type DayProfile,
  type Density,
  type PendingRange,
  type ReadWindow,
} from './plan-windows.js';

/*
 * The read loop of the change feed (see poll-changes.ts for the readings): ranges become batches of
 * windows, one HTTP request each; capped windows are cut and read again; each batch is committed
 * through the sink in one transaction.
 */

export type PollClient = Pick<OnOfficeClient, 'readCalendarBatch'>;

export interface PollProgress {
  readonly phase: 'sweep' | 'modified' | 'recovery';
  /** Records read so far. */
  readonly done: number;
  /** Always null: how many records a run will read is not known until it has read them. */
  readonly total: null;
  readonly requests: number;
  readonly actions: number;
  readonly records: number;
  readonly pendingWindows: number;
  /** Share of the time span of this phase's ranges read so far (0–1): what the ETA goes by. */
  readonly share: number | null;
}

/** What the read loop counts, shared with the run's tally. */
export interface ReadTally {
  requests: number;
  actions: number;
  splits: number;
  records: number;
}

/** What the read loop needs of the run. */
export interface PollReader {
  readonly client: PollClient;
  readonly batchSize: number;
  readonly log: Logger;
  readonly tally: ReadTally;
  readonly toParams: (window: ReadWindow) => ReadCalendarParams;
  readonly transaction: (fn: () => void) => void;
  readonly onProgress?: (progress: PollProgress) => void;
}

/** Actions of another read of the run, sent in the first request beside its windows: a request saved. */
export interface PollAlongside {
  readonly params: readonly ReadCalendarParams[];
  /** Their answers, in order; not called when no request is sent. */
  readonly receive: (pages: ReadonlyArray<ReadCalendarPage | OnOfficeActionError | undefined>) => void;
}

export interface PollSink {
  /** Runs inside the batch's transaction. `firstPending` is the earliest window not yet done. */
  readonly commit: (records: AppointmentRecord[], firstPending: ReadWindow | undefined) => void;
  /** A capped window that cannot be cut: defer it (returns true) or throw. `starts`: its answer's start times. */
  readonly unsplittable: (window: ReadWindow, cntabsolute: number | null, starts: readonly number[]) => boolean;
  readonly alongside?: PollAlongside;
  /**
   * Records per transaction at most, with a turn of the event loop between them (default: the whole
   * batch in one). Only for a sink whose commits need not be one: a backfill's sweep, where a push
   * follows the poll (app/run-sync.ts) and would otherwise wait out a whole batch's store.
   */
  readonly piece?: number;
}

/**
 * Records one request is planned to bring back. The whole answer (JSON text, parsed records) is alive
 * at once and outlives several young-generation collections, so it lands in the old generation, which
 * V8 lets grow to about four times what survives a full collection before collecting it: ten windows
 * of 500 (5 MB of JSON, 10 MB as a string with one emoji in it) per request showed as 30–40 MB of peak
 * RSS at 100k appointments. Five windows per request keep the request count at a quarter of the
 * goal (1.5 × ceil(N/500)). What stays alive between batches is small (16 MB after a full collection at
 * 30k); the rest of the peak is garbage V8 has not collected yet. Measured once each at 100k on a
 * loaded machine: 204 MB before the answer was decoded as it arrives, 178 MB after; two windows per
 * request on top gave 189 MB for 115 requests instead of 66, so the noise is larger than the gain.
 */
const REQUEST_RECORDS = 2_000;

/**
 * The plan's dispersion until CALIBRATING_WINDOWS windows were measured: 3 gives the 400 records per
 * window that held up on lumpy start times.
 */
const PRIOR_DISPERSION = 3;
const CALIBRATING_WINDOWS = 8;
/**
 * The dispersion is read from the last this many windows: the first ones after a probe are planned from
 * a density measured on few records, and their misses say nothing about the windows to come.
 */
const DISPERSION_WINDOWS = 24;
/** Windows planned to hold fewer records say little about the dispersion. */
const MIN_CALIBRATING = 50;
/** The median of a χ² variable with one degree of freedom. */
const CHI_SQUARE_MEDIAN = 0.455;

/**
 * The dispersion from the median of the recent windows' (count − planned)² / planned, not their mean: one
 * cluster (a day every imported appointment landed on) would pull the mean so far up that every later
 * window is planned small, yet no window size predicts a cluster.
 */
function readDispersion(squares: readonly number[]): number {
  if (squares.length < CALIBRATING_WINDOWS) return PRIOR_DISPERSION;
  const sorted = squares.slice(-DISPERSION_WINDOWS).sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]! / CHI_SQUARE_MEDIAN;
}

/** Where a record lies on the line a window cuts (start_dt or modified), in seconds; null if unreadable. */
function positionOf(record: AppointmentRecord, kind: ReadWindow['kind']): number | null {
  const text = kind === 'start' ? record.elements?.start_dt : record.elements?.modified;
  if (typeof text !== 'string') return null;
  const ms = Date.parse(`${text.trim().replace(' ', 'T')}Z`);
  return Number.isNaN(ms) ? null : Math.floor(ms / 1000);
}

function readPositions(records: readonly AppointmentRecord[], kind: ReadWindow['kind']): number[] {
  const positions: number[] = [];
  for (const record of records) {
    const position = positionOf(record, kind);
    if (position !== null) positions.push(position);
  }
  return positions;
}

function learnPositions(histogram: Float64Array, records: readonly AppointmentRecord[], kind: ReadWindow['kind']): void {
  for (const record of records) {
    const position = positionOf(record, kind);
    if (position === null) continue;
    const bin = binOf(position);
    histogram[bin] = histogram[bin]! + 1;
  }
}

/** The one second every position of a full capped answer lies on, else null. */
function lumpOf(positions: readonly number[]): number | null {
  if (positions.length < READ_CAP) return null;
  const first = positions[0]!;
  return positions.every((position) => position === first) ? first : null;
}

/** Whether every record of a piece of a capped second is of that second and starts inside the piece. */
function holdsOnly(records: readonly AppointmentRecord[], window: ReadWindow): boolean {
  const second = formatSeconds(window.second!);
  return records.every((record) => {
    const start = positionOf(record, 'start');
    return String(record.elements?.modified ?? '').trim() === second && start !== null && start >= window.from && start <= window.to;
  });
}

/** An answer that reached the cap (500 records, or cntabsolute saying so): never trusted as complete. */
export const isCapped = (page: ReadCalendarPage): boolean => page.records.length >= READ_CAP || (page.cntabsolute ?? 0) >= READ_CAP;

/**
 * Reads every range, one batch of actions per HTTP request, cutting capped windows, and commits each
 * batch in one transaction. The queue stays in order, so everything before its head is done.
 * Returns the density seen last.
 */
export async function readPollRanges(reader: PollReader, phase: PollProgress['phase'], initial: PendingRange[], initialDensity: Density, sink: PollSink): Promise<Density> {
  const { tally, log } = reader;
  let queue = initial;
  let density = initialDensity;
  const deferred: ReadWindow[] = [];
  // Learned while reading: where in the day records fall, and how far counts strayed from the plan.
  const histogram = new Float64Array(PROFILE_BINS);
  let profile: DayProfile | null = null;
  const squares: number[] = [];
  const measured = initial.filter((range) => range.measured);
  const span = measured.length > 0 ? { from: Math.min(...measured.map((r) => r.from)), to: Math.max(...measured.map((r) => r.to)) } : null;
  let alongside = sink.alongside;
  /** The next request, planned from what the batches before it showed, and sent. */
  const sendNext = () => {
    const target = planTarget(readDispersion(squares));
    const extra = alongside?.params ?? [];
    const { windows, rest } = planBatch(queue, density, Math.max(1, reader.batchSize - extra.length), { profile, target, maxRecords: REQUEST_RECORDS });
    const fixed = new Set(queue.slice(0, windows.length).filter((range) => range.fixed).map((range) => range.from));
    const planned = windows.map((window) =>
      density === null || !window.measured || fixed.has(window.from) ? null : density * weighWindow(window, profile),
    );
    const answer = reader.client.readCalendarBatch([...windows.map(reader.toParams), ...extra]);
    // Awaited by the next turn of the loop; should this batch's commit throw first, never unhandled.
    answer.catch(() => undefined);
    return { target, extra, windows, rest, planned, answer };
  };
  let sent = queue.length > 0 ? sendNext() : null;
  while (sent) {
    const { target, extra, windows, rest, planned } = sent;
    const pages = await sent.answer;
    sent = null;
    tally.requests += 1;
    tally.actions += windows.length + extra.length;
    if (alongside) {
      alongside.receive(pages.slice(windows.length, windows.length + extra.length));
      alongside = undefined;
    }
    const back: PendingRange[] = [];
    const complete: Array<{ window: ReadWindow; records: number }> = [];
    const capped: CappedWindow[] = [];
    const records: AppointmentRecord[] = [];
    let failure: OnOfficeActionError | undefined;
    for (const [i, window] of windows.entries()) {
      const page = pages[i];
      if (page === undefined || page instanceof OnOfficeActionError) {
        log.error({ window: describeWindow(window), code: page?.code }, 'read calendar action failed');
        failure ??= page ?? new OnOfficeActionError('read calendar', 0, `no answer for ${describeWindow(window)}`);
        back.push({ ...window, fixed: true, limit: null });
        continue;
      }
      if (window.second !== undefined && !holdsOnly(page.records, window)) {
        throw new PollBurstSplitError(describeWindow(window), 'onOffice answered records outside the start_dt filter: it ignores a filter beside a modified window');
      }
      const expected = planned[i];
      if (!isCapped(page)) {
        complete.push({ window, records: page.records.length });
        tally.records += page.records.length;
        for (const record of page.records) records.push(record);
        if (window.measured) learnPositions(histogram, page.records, window.kind);
        if (expected != null && expected >= MIN_CALIBRATING) squares.push((page.records.length - expected) ** 2 / expected);
        continue;
      }
      if (expected != null && expected >= MIN_CALIBRATING) squares.push((READ_CAP - expected) ** 2 / expected);
      // A capped second is cut by start_dt next: where its records start is what places the cuts.
      const starts = window.kind === 'modified' ? readPositions(page.records, 'start') : [];
      capped.push({ window, cntabsolute: page.cntabsolute, positions: readPositions(page.records, window.kind), starts });
      back.push({ ...window, fixed: true, limit: null });
    }
    // A capped page's 500 records are never used: let them go before the batch is parsed and stored.
    pages.length = 0;
    profile = planProfile(histogram) ?? profile;
    density = planDensity(density, complete, capped.map((c) => c.window), profile);
    for (const entry of capped) cutCapped(entry, { back, deferred, sink, tally, density, profile, target });
    queue = [...back, ...rest];
    const firstPending = [queue[0], deferred[0]]
      .filter((w): w is ReadWindow => w !== undefined)
      .sort((a, b) => a.from - b.from)[0];
    log.debug({ phase, actions: windows.length, capped: capped.length, records: records.length, density, target, counts: complete.map((c) => c.records) }, 'batch read');
    // The next request goes out before this batch is stored: onOffice answers it while the records are
    // parsed, hashed and written (a backfill's 2,000 took 75-190 ms there, cold), instead of after.
    if (!failure && queue.length > 0) {
      sent = sendNext();
      await nextTurn();
    }
    const share = span === null ? null : firstPending ? Math.max(0, firstPending.from - span.from) / (span.to - span.from + 1) : 1;
    const report = (): void => reader.onProgress?.({ phase, done: tally.records, total: null, requests: tally.requests, actions: tally.actions, records: tally.records, pendingWindows: queue.length, share });
    // In pieces where the sink asks for them, each its own transaction with a turn of the event loop
    // between them; until the last one this batch's own first window is what is not done yet.
    const piece = sink.piece ?? records.length;
    for (let offset = 0; ; offset += piece) {
      const last = offset + piece >= records.length;
      const slice = offset === 0 && last ? records : records.slice(offset, offset + piece);
      reader.transaction(() => sink.commit(slice, last ? firstPending : windows[0]));
      report();
      if (last) break;
      await nextTurn();
    }
    if (failure) throw failure;
  }
  return density;
}

interface CappedWindow {
  readonly window: ReadWindow;
  readonly cntabsolute: number | null;
  /** Where its answer's records lie on its own line. */
  readonly positions: number[];
  /** Its answer's start times (for `modified` windows: where a capped second is cut next). */
  readonly starts: number[];
}

/** Puts a capped window back into `back` cut in pieces, or hands it to the sink when it cannot be cut. */
function cutCapped(
  { window, cntabsolute, positions, starts }: CappedWindow,
  context: { back: PendingRange[]; deferred: ReadWindow[]; sink: PollSink; tally: ReadTally; density: Density; profile: DayProfile | null; target: number },
): void {
  const { back, deferred, sink, tally, density, profile, target } = context;
  const at = back.findIndex((range) => range.from === window.from && range.to === window.to);
  const lump = window.kind === 'modified' && window.from < window.to ? lumpOf(positions) : null;
  if (lump !== null) {
    // All of a capped answer's records share one second: that second alone holds the cap, so it is
    // not read again as such (it goes where an unsplittable window goes); the rest is read as usual.
    tally.splits += 1;
    const around = [{ from: window.from, to: lump - 1 }, { from: lump + 1, to: window.to }].filter((r) => r.from <= r.to);
    back.splice(at, 1, ...around.map((r) => ({ ...window, ...r, fixed: false, limit: null })));
    if (sink.unsplittable({ ...window, from: lump, to: lump }, cntabsolute, starts)) deferred.push({ ...window, from: lump, to: lump });
    return;
  }
  // It held more than READ_CAP. Where the density says it held about that many (a lump the density
  // could not foresee), it is cut in two or three where its answer shows the records lie. Where the
  // density says it held far more, or none is known yet, it goes back to be cut by the density
  // (quantiles of 500 arbitrary records place many cuts worse than the density does).
  const held = density === null || density <= 0 ? Number.POSITIVE_INFINITY : density * weighWindow(window, profile);
  // The pieces of a capped second know no density: cut each capped one again where its records lie.
  const pieces =
    window.second !== undefined
      ? planSplit(window, positions, BURST_PIECES)
      : held > 2 * READ_CAP
        ? planRecut(window)
        : planSplit(window, positions, Math.ceil(Math.max(READ_CAP, held) / target));
  if (pieces) {
    tally.splits += 1;
    back.splice(at, 1, ...(Array.isArray(pieces) ? pieces : [pieces]));
    return;
  }
  back.splice(at, 1);
  if (sink.unsplittable(window, cntabsolute, starts)) deferred.push(window);
}
