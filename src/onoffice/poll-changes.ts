import { DateTime } from 'luxon';
import type { Config } from '../config/config-schema.js';
import { describeError } from '../domain/classify-error.js';
import { createSilentLogger, type Logger } from '../log/create-logger.js';
import type { RecordUpsert, UpsertCounts } from '../store/appointment-repository.js';
import type { StateStore } from '../store/open-state-store.js';
import type { AppointmentRecord } from '../domain/appointment-record.js';
import { hashAppointmentRecord } from '../domain/hash-appointment-record.js';
import type { ReadCalendarParams } from './onoffice-client.js';
import { FILTER_WITHOUT_PERIOD_ERROR_CODE, OnOfficeActionError } from './onoffice-errors.js';
import { parseAppointment } from './parse-appointment.js';
import { isCapped, readPollRanges, type PollAlongside, type PollClient, type PollProgress, type PollReader, type PollSink } from './read-poll-ranges.js';
import { MassDeleteGuardError, PollBurstSplitError, PollCapExceededError } from './poll-errors.js';
import {
  EARLIEST_WALL,
  describeWindow,
  formatDay,
  formatSeconds,
  parseDay,
  parseSeconds,
  periodOf,
  planBurstRanges,
  planRangesFromStarts,
  type Density,
  type PendingRange,
  type ReadWindow,
} from './plan-windows.js';

/*
 * The change feed: never lose or duplicate an appointment. Readings where the docs are silent:
 *
 * - modifiedstart/modifiedend are UTC and inclusive at both ends; windows are whole seconds that touch
 *   without overlapping (src/onoffice/plan-windows.ts sizes them from the density seen).
 * - An incremental read reaches now, so a change is read by the first run after it; the cursor is saved
 *   lagSeconds behind, so seconds that may still be written to (late commits) are read again next time.
 * - An answer with 500 records, or cntabsolute >= 500, is never trusted, even if it looks complete;
 *   cntabsolute of a capped answer is not taken as the full count (the emulator, like onOffice as far
 *   as we know, reports 500), so it is cut by density. Its records are used only to place the cuts
 *   (where a lump lies), never stored: onOffice promises nothing about which 500 it picks.
 * - Backfill (no cursor yet) is a sweep over the horizon by start_dt ranges inside date periods (plus one
 *   range for what began before the horizon and overlaps it), not `modified` windows from the
 *   beginning of time: it reads only what the horizon holds (an account's whole history can be years of
 *   appointments nobody needs on a phone), it is immune to mass edits that give thousands of records
 *   the same `modified` second (imports, migrations), and it is the same code as the nightly
 *   reconciliation. The cursor is then set to the sweep's start (minus the lag), so whatever changes
 *   during the sweep is read by the next incremental run.
 * - A date period matches an appointment whose own start_dt..end_dt overlaps it; a recurring series is
 *   matched by its own (first) occurrence only, so a series that began before the horizon is not
 *   returned by a sweep. Hence the reconciliation marks deleted ONLY stored appointments whose own start
 *   and end lie inside the swept days, shrunk by one day at each end (zone and boundary doubts), and a
 *   `modified` read after the sweep adds whatever moved while the sweep ran, so a moved appointment is
 *   not taken for a deleted one.
 * - users/groups are documented to work only with a date period; we send them with `modified` reads too
 *   (with allusers, the default, they play no part).
 * - A one-second window still capped (a mass edit within one second) cannot be cut by `modified`; it is
 *   cut by the records' own start_dt instead: a start_dt filter beside modifiedstart = modifiedend = that
 *   second (the docs restrict the modified window only beside a period, not the filter), in ranges
 *   over every start_dt from 1900 to 2200, cut where the capped answer's start times lie and again
 *   wherever a piece is capped. Should onOffice refuse that filter (241), ignore it (a record outside its
 *   piece comes back), or one start second of it be capped too, the second is recovered as before: a
 *   date-period sweep over the horizon reads every appointment there, and the store's hash comparison
 *   applies what changed (a burst appointment outside the horizon is then not recovered). Undated
 *   records (start 0000-00-00) of a capped second are recovered by neither. The seconds are reported in
 *   PollResult.overflowSeconds.
 * - A backfill reports records no date period returns (start_dt 0000-00-00) by one `modified` read over
 *   the horizon's days with a start_dt filter below 1900 (a zero date lies below it as a date and as
 *   text); a refusal, a dated record in its answer or a capped answer sends it to reading those
 *   `modified` windows whole.
 * - Sweep windows can be one second of start_dt wide; should even that hold 500 appointments the run
 *   fails with PollCapExceededError and the cursor stays.
 */

export const MODIFIED_CURSOR = 'onoffice:modified';

/** How far the modified cursor ('YYYY-MM-DD HH:mm:ss', UTC) is behind `now`, in seconds; never negative. */
export function measureCursorLag(cursor: string, now: Date): number {
  return Math.max(0, (now.getTime() - Date.parse(`${cursor.replace(' ', 'T')}Z`)) / 1000);
}

export type { PollClient, PollProgress } from './read-poll-ranges.js';

export type PollMode = 'incremental' | 'backfill' | 'full';

export interface PollChangesOptions {
  readonly client: PollClient;
  readonly store: StateStore;
  readonly config: Pick<Config, 'timezone' | 'poll'>;
  readonly now?: () => Date;
  readonly logger?: Logger;
  /** Reconciliation: sweep the horizon and mark deleted what onOffice no longer returns. */
  readonly full?: boolean;
  /** Pass the mass-delete guard. */
  readonly forceDelete?: boolean;
  /** Write a row of its own in the run log (default true); runSync records the whole run instead. */
  readonly recordRun?: boolean;
  /** Called after each committed batch, or piece of one (a good moment for the run lock's heartbeat). */
  readonly onProgress?: (progress: PollProgress) => void;
  /**
   * A sweep stores each batch in transactions of at most this many records, with a turn of the event
   * loop between them, so a push that follows the poll writes meanwhile (app/run-sync.ts). Default: a
   * batch in one transaction.
   */
  readonly sweepPiece?: number;
}

export interface PollResult {
  readonly mode: PollMode;
  /** The cursor after the run, 'YYYY-MM-DD HH:mm:ss' UTC. */
  readonly cursor: string | null;
  readonly requests: number;
  readonly actions: number;
  /** Capped windows that were cut. */
  readonly splits: number;
  readonly records: number;
  readonly created: number;
  readonly updated: number;
  readonly unchanged: number;
  readonly quarantined: number;
  readonly released: number;
  readonly deleted: number;
  /** One-second `modified` windows over the cap, recovered by a date sweep. */
  readonly overflowSeconds: readonly string[];
  readonly sweeps: number;
}

interface Tally extends UpsertCounts {
  requests: number;
  actions: number;
  splits: number;
  records: number;
  deleted: number;
  sweeps: number;
}


/**
 * What the runs remember per record read: the id as a number where it is one (as the store keys it;
 * 100k numbers take a third of the memory of their strings), else the id as sent.
 */
type RecordKey = number | string;

function keyOf(record: AppointmentRecord): RecordKey {
  const id: unknown = record.id;
  const value = typeof id === 'number' ? id : typeof id === 'string' && /^\d+$/.test(id) ? Number(id) : NaN;
  return Number.isSafeInteger(value) && value > 0 ? value : String(id);
}

/**
 * An unknown horizon is probed with windows of 1/512 … 1/32 of it (PROBE_WINDOWS doubling up to
 * probeLimit): all complete below ~16,000 appointments, the smallest still below ~250,000; what no probe
 * covered is then cut by the density found.
 */
const FIRST_PROBE_SHARE = 32;


// Long on purpose: the run's steps (sweep, modified read, burst recovery, undated report, reconciliation)
// are short closures over one run's cursor, tally and store; the read loop itself is read-poll-ranges.ts.
export async function pollChanges(options: PollChangesOptions): Promise<PollResult> {
  const { client, store, config } = options;
  const poll = config.poll;
  const now = options.now ?? (() => new Date());
  const log = (options.logger ?? createSilentLogger()).child({ module: 'poll' });
  const nowSeconds = (): number => Math.floor(now().getTime() / 1000);
  const tally: Tally = { requests: 0, actions: 0, splits: 0, records: 0, deleted: 0, sweeps: 0, created: 0, updated: 0, unchanged: 0, quarantined: 0, released: 0 };
  const overflowSeconds: string[] = [];

  const startCursor = store.cursors.get(MODIFIED_CURSOR);
  const mode: PollMode = startCursor === undefined ? 'backfill' : options.full ? 'full' : 'incremental';
  const runId = options.recordRun === false ? null : store.runs.start(`poll:${mode}`);

  const participants: ReadCalendarParams = poll.allusers
    ? { allusers: true }
    : { ...(poll.users.length > 0 ? { users: [...poll.users] } : {}), ...(poll.groups.length > 0 ? { groups: [...poll.groups] } : {}) };

  function toParams(window: ReadWindow): ReadCalendarParams {
    const base: ReadCalendarParams = { showcancelled: true, ...participants };
    if (window.kind === 'modified') return { ...base, modifiedstart: formatSeconds(window.from), modifiedend: formatSeconds(window.to) };
    const startDt = { start_dt: [{ op: 'between', val: [formatSeconds(window.from), formatSeconds(window.to)] }] };
    if (window.second !== undefined) return { ...base, modifiedstart: formatSeconds(window.second), modifiedend: formatSeconds(window.second), filter: startDt };
    const period = periodOf(window);
    return {
      ...base,
      datestart: formatDay(period.fromDay),
      dateend: formatDay(period.toDay),
      filter: startDt,
    };
  }

  /**
   * Parsed one at a time as the store asks for them: a batch holds up to batchSize × 500 records, and
   * their parsed forms (luxon DateTimes, hashes) all alive at once were the largest part of the heap.
   */
  function* toUpserts(records: readonly AppointmentRecord[], skip?: ReadonlySet<RecordKey>): Generator<RecordUpsert> {
    // One id can come twice in a batch (moved between windows while we read): keep the newest version.
    const newest = new Map<RecordKey, AppointmentRecord>();
    for (const record of records) {
      const key = keyOf(record);
      if (skip?.has(key)) continue;
      const held = newest.get(key);
      if (!held || String(record.elements?.modified ?? '') >= String(held.elements?.modified ?? '')) newest.set(key, record);
    }
    for (const record of newest.values()) {
      yield { record, hash: hashAppointmentRecord(record), outcome: parseAppointment(record, config.timezone) };
    }
  }

  function applyRecords(records: readonly AppointmentRecord[], skip?: ReadonlySet<RecordKey>): void {
    const counts = store.appointments.upsertRecords(toUpserts(records, skip));
    tally.created += counts.created;
    tally.updated += counts.updated;
    tally.unchanged += counts.unchanged;
    tally.quarantined += counts.quarantined;
    tally.released += counts.released;
  }


  const reader: PollReader = { client, batchSize: poll.batchSize, log, tally, toParams, transaction: (fn) => store.transaction(fn), onProgress: options.onProgress };
  const readRanges = (phase: PollProgress['phase'], initial: PendingRange[], density: Density, sink: PollSink): Promise<Density> => readPollRanges(reader, phase, initial, density, sink);

  function horizonDays(): { fromDay: number; toDay: number } {
    const today = parseDay(DateTime.fromJSDate(now(), { zone: config.timezone }).toFormat('yyyy-MM-dd'));
    return { fromDay: today - poll.horizonPastDays, toDay: today + poll.horizonFutureDays };
  }

  /**
   * Reads every appointment of the horizon: by start_dt ranges over the horizon's days, plus one range
   * for what began before the horizon and still overlaps it (long series, multi-day appointments).
   * Sized by the start times the store already knows, else probed.
   */
  async function sweepHorizon(phase: 'sweep' | 'recovery', seen: Set<RecordKey>, alongside?: PollAlongside): Promise<{ fromDay: number; toDay: number; startedAt: number }> {
    const days = horizonDays();
    const startedAt = nowSeconds();
    tally.sweeps += 1;
    const first = days.fromDay * 86_400;
    const last = (days.toDay + 1) * 86_400 - 1;
    const known = store.appointments.listStartTimes().map(parseSeconds);
    const main: PendingRange[] =
      known.length > 0
        ? planRangesFromStarts('start', first, last, known)
        : [{ kind: 'start', from: first, to: last, measured: true, fixed: false, limit: null, probeLimit: Math.ceil((last - first + 1) / FIRST_PROBE_SHARE) }];
    const before: PendingRange = { kind: 'start', from: EARLIEST_WALL, to: first - 1, period: days, measured: false, fixed: false, limit: null };
    await readRanges(phase, [before, ...main], null, {
      commit(records) {
        // A record moved while we read can come twice: apply what we saw first, the next run does the rest.
        applyRecords(records, seen);
        for (const record of records) seen.add(keyOf(record));
      },
      unsplittable(window, cntabsolute) {
        throw new PollCapExceededError(describeWindow(window), cntabsolute);
      },
      ...(alongside ? { alongside } : {}),
      ...(options.sweepPiece ? { piece: options.sweepPiece } : {}),
    });
    return { ...days, startedAt };
  }

  let cursor = startCursor ? parseSeconds(startCursor.value) : null;
  let lastSweepStart: number | null = null;

  function saveCursor(value: number, density: number | null): void {
    if (cursor !== null && value <= cursor) return;
    cursor = value;
    store.cursors.set(MODIFIED_CURSOR, formatSeconds(value), density);
  }

  /**
   * Reads `modified` from `from` up to `to` (now): what changed a moment ago is read at once. The cursor
   * moves at most to `to − lagSeconds`, so the last seconds, which may still be written to (late commits),
   * are read again next time; a re-read unchanged record is a no-op by its hash.
   */
  async function readModified(from: number, to: number, seen: Set<RecordKey>): Promise<void> {
    if (to < from) return;
    const settled = to - poll.lagSeconds;
    const keep = (value: number, density: number | null): void => saveCursor(Math.min(value, settled), density);
    const recordsBefore = tally.records;
    const density = (): number => (tally.records - recordsBefore) / (to - from + 1);
    const range: PendingRange = { kind: 'modified', from, to, measured: true, fixed: false, limit: null };
    const bursts: PendingRange[] = [];
    await readRanges('modified', [range], startCursor?.density ?? null, {
      commit(records, firstPending) {
        applyRecords(records);
        for (const record of records) seen.add(keyOf(record));
        keep(firstPending ? firstPending.from - 1 : to, firstPending ? null : density());
      },
      unsplittable(window, cntabsolute, starts) {
        overflowSeconds.push(formatSeconds(window.from));
        bursts.push(...planBurstRanges(window.from, starts));
        log.warn({ second: describeWindow(window), cntabsolute }, 'over 500 appointments share one modified second: cutting it by start_dt');
        return true;
      },
    });
    if (overflowSeconds.length === 0) return;
    // The sweep already run in this run read them as they are now when it began after their second.
    const lastOverflow = parseSeconds(overflowSeconds.at(-1)!);
    if ((lastSweepStart === null || lastOverflow > lastSweepStart - poll.lagSeconds) && !(await readBursts(bursts, seen))) {
      const recovered = new Set<RecordKey>();
      await sweepHorizon('recovery', recovered);
      for (const id of recovered) seen.add(id);
    }
    store.transaction(() => keep(to, density()));
  }

  /**
   * Reads capped `modified` seconds by start_dt pieces (see the header); false when onOffice would not
   * cut them so (the caller sweeps the horizon instead). What was read stays applied either way.
   */
  async function readBursts(ranges: PendingRange[], seen: Set<RecordKey>): Promise<boolean> {
    try {
      await readRanges('recovery', ranges, null, {
        commit(records) {
          applyRecords(records);
          for (const record of records) seen.add(keyOf(record));
        },
        unsplittable(window) {
          throw new PollBurstSplitError(describeWindow(window), 'over 500 appointments share its modified second and one start second');
        },
      });
      return true;
    } catch (error) {
      const refused = error instanceof OnOfficeActionError && error.code === FILTER_WITHOUT_PERIOD_ERROR_CODE;
      if (!refused && !(error instanceof PollBurstSplitError)) throw error;
      log.warn({ err: describeError(error) }, 'a capped modified second could not be cut by start_dt: recovering it by a date sweep');
      return false;
    }
  }

  /**
   * A record no date period returns (both dates 0000-00-00) is never seen by a sweep, so a backfill
   * alone would not report it. Of what `modified` windows over the horizon's days bring, only records
   * the sweep did not see and that cannot be read are stored (quarantined). The cursor stays where the
   * sweep put it, so the next run still reads what changed meanwhile.
   *
   * One action asks for only those records, in the sweep's first request: a start_dt filter below
   * EARLIEST_WALL (where every sweep starts; '0000-00-00 …' lies below it as a date and as text) beside
   * the modified window up to the sweep's start. Should onOffice refuse it, ignore it (a record starting
   * inside the sweep's span comes back) or cap it, the window is read whole after the sweep instead,
   * every record of it a second time.
   */
  function askUndated(): { alongside: PollAlongside; answer: () => readonly AppointmentRecord[] | null } {
    const earliest = formatSeconds(EARLIEST_WALL);
    const window: ReadWindow = { kind: 'modified', from: horizonDays().fromDay * 86_400, to: nowSeconds() - poll.lagSeconds, measured: false };
    let answer: readonly AppointmentRecord[] | null = null;
    const fallBack = (why: string): null => {
      log.warn({ filter: why }, "undated records could not be read by a start_dt filter: reading the horizon's modified windows whole");
      return null;
    };
    const alongside: PollAlongside = {
      params: window.to < window.from ? [] : [{ ...toParams(window), filter: { start_dt: [{ op: '<', val: earliest }] } }],
      receive([page]) {
        if (page === undefined || page instanceof OnOfficeActionError) answer = fallBack(`refused${page ? ` (${page.code})` : ''}`);
        else if (isCapped(page)) answer = fallBack('capped');
        else if (page.records.some((record) => String(record.elements?.start_dt ?? '').trim() >= earliest)) answer = fallBack('ignored');
        else answer = page.records;
      },
    };
    return { alongside, answer: () => answer };
  }

  async function reportUndated(seen: ReadonlySet<RecordKey>, answered: readonly AppointmentRecord[] | null): Promise<void> {
    const unseenBad = (records: readonly AppointmentRecord[]): AppointmentRecord[] =>
      records.filter((record) => !seen.has(keyOf(record)) && !parseAppointment(record, config.timezone).ok);
    if (answered !== null) {
      const bad = unseenBad(answered);
      tally.records += bad.length;
      store.transaction(() => applyRecords(bad));
      return;
    }
    const range: PendingRange = { kind: 'modified', from: horizonDays().fromDay * 86_400, to: nowSeconds() - poll.lagSeconds, measured: true, fixed: false, limit: null };
    if (range.to < range.from) return;
    // `records` counts appointments read, not the sweep's records read a second time here.
    const recordsBefore = tally.records;
    let undated = 0;
    await readRanges('modified', [range], startCursor?.density ?? null, {
      commit(records) {
        const bad = unseenBad(records);
        undated += bad.length;
        applyRecords(bad);
      },
      unsplittable(window, cntabsolute) {
        log.warn({ second: describeWindow(window), cntabsolute }, 'over 500 appointments share one modified second: undated records in it are not reported');
        return false;
      },
    });
    tally.records = recordsBefore + undated;
  }

  try {
    const seen = new Set<RecordKey>();
    let swept: { fromDay: number; toDay: number } | null = null;
    const undated = mode === 'backfill' ? askUndated() : null;
    if (mode !== 'incremental') {
      const sweep = await sweepHorizon('sweep', seen, undated?.alongside);
      swept = sweep;
      lastSweepStart = sweep.startedAt;
      if (cursor === null) store.transaction(() => saveCursor(sweep.startedAt - poll.lagSeconds, null));
    }
    if (mode !== 'backfill' || options.full) {
      // After a sweep, this reads what changed while it ran (cursor was set before it began).
      await readModified(cursor! - poll.overlapSeconds, nowSeconds(), seen);
    }
    if (undated) await reportUndated(seen, undated.answer());
    if (options.full && swept) tally.deleted = markVanished(swept, seen);
    const result: PollResult = { mode, cursor: cursor === null ? null : formatSeconds(cursor), overflowSeconds, ...tally };
    if (runId !== null) store.runs.finish(runId, { counts: { ...result } });
    // An idle cycle is told by the run's own summary line; this one only adds news.
    log[tally.records > 0 || tally.deleted > 0 || tally.quarantined > 0 ? 'info' : 'debug'](
      { mode, requests: tally.requests, actions: tally.actions, records: tally.records, created: tally.created, updated: tally.updated, deleted: tally.deleted, quarantined: tally.quarantined, cursor: result.cursor },
      'onOffice changes read',
    );
    return result;
  } catch (error) {
    try {
      if (runId !== null) store.runs.finish(runId, { counts: { mode, ...tally }, error: describeError(error) });
    } catch (logError) {
      log.error({ err: logError }, 'could not record the failed run');
    }
    throw error;
  }

  function markVanished(days: { fromDay: number; toDay: number }, seen: ReadonlySet<RecordKey>): number {
    const fromUtc = DateTime.fromISO(formatDay(days.fromDay + 1), { zone: config.timezone }).toUTC().toISO()!;
    const toUtc = DateTime.fromISO(formatDay(days.toDay), { zone: config.timezone }).toUTC().toISO()!;
    const missing = store.appointments.listIdsWithin(fromUtc, toUtc).filter((id) => !seen.has(id));
    if (missing.length === 0) return 0;
    const counts = store.appointments.counts();
    const known = counts.active + counts.cancelled;
    if (missing.length > poll.massDeleteThreshold * known && !options.forceDelete) {
      throw new MassDeleteGuardError(missing.length, known, poll.massDeleteThreshold);
    }
    log.info({ count: missing.length }, 'appointments no longer in onOffice marked deleted');
    return store.appointments.markDeleted(missing);
  }
}

