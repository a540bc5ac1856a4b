import { createHash } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import { DateTime } from 'luxon';
import type { Appointment } from '../domain/appointment.js';
import type { AppointmentRecord } from '../domain/appointment-record.js';
import { parseAppointment } from '../onoffice/parse-appointment.js';
import { createAppointmentIndex } from '../store/appointment-index.js';
import { FeedCacheOutOfStepError } from './feed-errors.js';
import { createFeedCacheRepository, type FeedCacheRepository, type ListedEventRow, type StoredEventRow } from './feed-cache-repository.js';
import { renderFeedEvent, type FeedEventText, type FeedRenderConfig } from './render-feed.js';
import {
  planFeedCandidate,
  selectFeedAppointments,
  type FeedCandidate,
  type FeedFilter,
  type FeedSelection,
  type FeedVisibility,
  type FeedWindow,
} from './select-feed-appointments.js';

export interface FeedCacheRead {
  /** The store's change_seq the answer reflects. */
  readonly seq: number;
  /** Active or cancelled appointments that no longer parse (the configured zone changed since they were stored). */
  readonly skipped: number;
  /** The feed's events in body order. */
  readonly events: readonly FeedEventText[];
  readonly eventCount: number;
  /** The newest `modified` among the shown appointments; null for an empty feed. */
  readonly newestModified: Date | null;
  /** Records parsed and appointments rendered for this answer: 0 and 0 when everything came from the cache. */
  readonly parsed: number;
  readonly rendered: number;
}

export interface FeedCache {
  /** Brings the cache up to date with the store, then answers what the feed shows. */
  read(feed: FeedFilter, window: FeedWindow): FeedCacheRead;
  /** What the events were rendered with besides the appointment (options, renderer, parser): part of a stored body's key. */
  readonly renderKey: string;
}

/** An appointment that no longer parses, as remembered in feed_appointments. */
interface Unparsable {
  readonly changeSeq: number;
  readonly reason: string;
}

/** What changed since the cache was last brought up to date: a candidate, a record that does not parse, or gone. */
type Change = FeedCandidate | Unparsable | null;

/** An appointment parsed for rendering, with its SEQUENCE. */
interface Parsed {
  readonly appointment: Appointment;
  readonly revision: number;
}

/** The event each selected appointment shows, by visibility and id. */
type EventsByVisibility = Record<FeedVisibility, Map<number, Omit<ListedEventRow, 'keyMatch'>>>;

const isCandidate = (change: Change): change is FeedCandidate => change !== null && !('reason' in change);

/** What the cache's steps share: the db and its SQL, and the keys the configuration gives. */
interface CacheContext {
  readonly db: Database;
  readonly repository: FeedCacheRepository;
  readonly index: ReturnType<typeof createAppointmentIndex>;
  readonly config: FeedRenderConfig;
  readonly version: string;
  readonly renderKey: string;
  readonly expands: boolean;
}

/** What one read saw in its snapshot, and what it learnt that the cache does not hold yet. */
interface Snapshot {
  readonly seq: number;
  readonly rebuilt: boolean;
  readonly changes: Map<number, Change>;
  readonly selection: readonly FeedSelection[];
  readonly events: EventsByVisibility;
  readonly fresh: StoredEventRow[];
  readonly skipped: number;
}

export interface FeedCacheOptions {
  /**
   * Runs the write of what a read learnt. Default: at once, before read() returns. The feed handler
   * defers it until its answer is sent, so the first request after a change does not wait for the rows.
   */
  readonly deferWrite?: (write: () => void) => void;
}

/**
 * The feed's persistent cache over the state db (migration 021): per appointment what selection needs
 * (feed_appointments) and per appointment and visibility the folded VEVENTs (feed_events), kept up to
 * date by change_seq, so a changed appointment is parsed and rendered again and nothing else, and a
 * new process over a warm cache builds a body from rows alone.
 *
 * Each read runs in one read transaction (a WAL snapshot: the sync keeps writing meanwhile) and
 * writes what it learnt in a short write transaction afterwards. Another process (the sync warming
 * the cache, a second server), or an earlier deferred write, may have written meanwhile: its rows are
 * only replaced by newer ones, and an event is used only while its change_seq and render key match the
 * candidate's.
 */
export function createFeedCache(db: Database, config: FeedRenderConfig, options: FeedCacheOptions = {}): FeedCache {
  const version = planCacheVersion(config.timezone);
  const context: CacheContext = {
    db,
    repository: createFeedCacheRepository(db),
    index: createAppointmentIndex(db),
    config,
    version,
    renderKey: planRenderKey(config, version),
    expands: config.ical.recurrence === 'expand',
  };
  const deferWrite = options.deferWrite ?? ((write: () => void) => write());
  return {
    renderKey: context.renderKey,
    read(feed, window) {
      const counts = { parsed: 0, rendered: 0 };
      const snapshot = db.transaction(() => readSnapshot(context, feed, window, counts));
      let answer: Snapshot;
      try {
        answer = snapshot();
      } catch (error) {
        if (!(error instanceof FeedCacheOutOfStepError)) throw error;
        // A rebuild reads every appointment afresh, so it cannot be out of step with them.
        context.repository.clearState();
        counts.parsed = 0;
        counts.rendered = 0;
        answer = snapshot();
      }
      if (answer.changes.size > 0 || answer.fresh.length > 0) deferWrite(() => writeLearnt(context, answer));
      return summariseRead(answer, counts);
    },
  };
}

// With recurrence 'expand' a series' events depend on the window too: key 2, the window's.
const windowKeyOf = (context: CacheContext, window: FeedWindow): string => `${context.renderKey}:${window.from.toMillis()}:${window.to.toMillis()}`;
const keyMatchOf = (context: CacheContext, candidate: FeedCandidate): 1 | 2 => (context.expands && candidate.series ? 2 : 1);

/** In one read transaction: the changes since the cache's state, the feed's selection and its events. */
function readSnapshot(context: CacheContext, feed: FeedFilter, window: FeedWindow, counts: { parsed: number; rendered: number }): Snapshot {
  const { repository } = context;
  const seq = context.index.maxChangeSeq();
  const state = repository.readState();
  const rebuilt = state?.version !== context.version;
  const { changes, parsed } = readChanges(context, rebuilt ? -1 : state.syncedSeq, window, counts);
  const candidates: FeedCandidate[] = [];
  let skipped = 0;
  if (!rebuilt) {
    const fields = { participants: feed.users.length + feed.groups.length > 0, categories: feed.arts.length > 0 };
    for (const candidate of repository.listCandidatesIn(window.from.toMillis(), window.to.toMillis(), fields)) {
      if (!changes.has(candidate.id)) candidates.push(candidate);
    }
    skipped = repository.listUnparsableIds().filter((id) => !changes.has(id)).length;
  }
  for (const change of changes.values()) {
    if (isCandidate(change)) candidates.push(change);
    else if (change !== null) skipped++;
  }
  const selection = selectFeedAppointments(candidates, feed, window);
  const { events, fresh } = readEvents(context, selection, window, parsed, counts);
  return { seq, rebuilt, changes, selection, events, fresh, skipped };
}

/**
 * The appointments changed since `since`. Those that may show in the window are also kept parsed, so
 * rendering them does not parse them again; the rest only as candidates, which bounds the memory
 * of a first read over 100k stored appointments by the window.
 */
function readChanges(context: CacheContext, since: number, window: FeedWindow, counts: { parsed: number }): { changes: Map<number, Change>; parsed: Map<number, Parsed> } {
  const zone = context.config.timezone;
  const changes = new Map<number, Change>();
  const parsed = new Map<number, Parsed>();
  const fromMs = window.from.toMillis();
  const toMs = window.to.toMillis();
  for (const row of context.repository.iterateChanged(since)) {
    if (row.status !== 'active' && row.status !== 'cancelled') {
      changes.set(row.id, null);
      continue;
    }
    const record = JSON.parse(row.raw_json) as AppointmentRecord;
    counts.parsed++;
    const outcome = parseAppointment(record, zone);
    if (!outcome.ok) {
      changes.set(row.id, { changeSeq: row.change_seq, reason: outcome.reason });
      continue;
    }
    const candidate = planFeedCandidate({ id: row.id, changeSeq: row.change_seq, groups: record.elements.groups }, outcome.appointment, zone);
    changes.set(row.id, candidate);
    if (candidate.startMs < toMs && candidate.endMs > fromMs) parsed.set(row.id, { appointment: outcome.appointment, revision: row.revision });
  }
  return { changes, parsed };
}

/** The stored events that still fit, and the rest rendered from their records. */
function readEvents(
  context: CacheContext,
  selection: readonly FeedSelection[],
  window: FeedWindow,
  parsed: Map<number, Parsed>,
  counts: { parsed: number; rendered: number },
): { events: EventsByVisibility; fresh: StoredEventRow[] } {
  const events: EventsByVisibility = { full: new Map(), busy: new Map() };
  const keys = [context.renderKey, windowKeyOf(context, window)] as const;
  const missing: FeedSelection[] = [];
  for (const visibility of ['full', 'busy'] as const) {
    const wanted = selection.filter((item) => item.visibility === visibility);
    const stored = new Map(context.repository.listEvents(visibility, wanted.map((item) => item.candidate.id), keys).map((row) => [row.id, row]));
    for (const item of wanted) {
      const event = stored.get(item.candidate.id);
      if (event?.changeSeq === item.candidate.changeSeq && event.keyMatch === keyMatchOf(context, item.candidate)) events[visibility].set(event.id, event);
      else missing.push(item);
    }
  }
  readMissingRecords(context, missing, parsed, counts);
  const fresh: StoredEventRow[] = [];
  for (const { candidate, visibility } of missing) {
    const entry = parsed.get(candidate.id);
    if (!entry) throw new FeedCacheOutOfStepError(candidate.id, 'it is no longer stored');
    counts.rendered++;
    const rendered = renderFeedEvent(entry.appointment, visibility, entry.revision, context.config, window);
    const event = {
      id: candidate.id,
      visibility,
      changeSeq: candidate.changeSeq,
      renderKey: keys[keyMatchOf(context, candidate) - 1]!,
      body: rendered.body,
      eventCount: rendered.count,
      usesZone: rendered.usesZone,
    };
    events[visibility].set(candidate.id, event);
    fresh.push(event);
  }
  return { events, fresh };
}

/** Parses the records of the events to render that readChanges did not parse (unchanged since the last read). */
function readMissingRecords(context: CacheContext, missing: readonly FeedSelection[], parsed: Map<number, Parsed>, counts: { parsed: number }): void {
  const unparsed = new Map(missing.filter((item) => !parsed.has(item.candidate.id)).map((item) => [item.candidate.id, item.candidate.changeSeq]));
  for (const row of context.repository.listRecords([...unparsed.keys()])) {
    // In this snapshot the candidate was computed from this very row; anything else is a bug.
    if (row.change_seq !== unparsed.get(row.id)) throw new FeedCacheOutOfStepError(row.id, `its change_seq is ${row.change_seq}`);
    counts.parsed++;
    const outcome = parseAppointment(JSON.parse(row.raw_json) as AppointmentRecord, context.config.timezone);
    if (!outcome.ok) throw new FeedCacheOutOfStepError(row.id, `it parsed before but not now: ${outcome.reason}`);
    parsed.set(row.id, { appointment: outcome.appointment, revision: row.revision });
  }
}

/** Writes what a read learnt; see createFeedCache for why rows from another process are safe. */
function writeLearnt(context: CacheContext, { seq, rebuilt, changes, fresh }: Snapshot): void {
  const { repository, version } = context;
  context.db
    .transaction(() => {
      const current = repository.readState();
      const behind = current?.version !== version || current.syncedSeq < seq;
      // An incremental read of an older version knows only part of the rows; leave them to a rebuild.
      if (behind && (rebuilt || current?.version === version)) {
        if (rebuilt) repository.clearCandidates();
        for (const [id, change] of changes) {
          if (change === null) repository.remove(id);
          else if (isCandidate(change)) {
            repository.putCandidate(change);
            repository.removeEventsBefore(id, change.changeSeq);
          } else {
            repository.putUnparsable(id, change.changeSeq, change.reason);
            repository.removeEventsBefore(id, change.changeSeq + 1);
          }
        }
        // Events stay through a rebuild: each is checked against its candidate's change_seq and render key.
        if (rebuilt) repository.removeOrphanEvents();
        repository.writeState(version, seq);
      }
      for (const event of fresh) repository.putEvent(event);
    })
    .immediate();
}

/** The feed's events in selection order, and what the answer needs of them. */
function summariseRead(answer: Snapshot, counts: { parsed: number; rendered: number }): FeedCacheRead {
  const bodies: FeedEventText[] = [];
  let eventCount = 0;
  let newest = 0;
  for (const { candidate, visibility } of answer.selection) {
    const event = answer.events[visibility].get(candidate.id)!;
    bodies.push({ body: event.body, count: event.eventCount, usesZone: event.usesZone });
    eventCount += event.eventCount;
    newest = Math.max(newest, candidate.modifiedMs);
  }
  return {
    seq: answer.seq,
    skipped: answer.skipped,
    events: bodies,
    eventCount,
    newestModified: newest > 0 ? new Date(newest) : null,
    parsed: counts.parsed,
    rendered: counts.rendered,
  };
}

/**
 * Rows computed by another parser or in another zone are worthless; so are events rendered by another
 * renderer or with other options. Rather than a version number someone must remember to raise, the keys
 * hash what a probe record becomes: any change to parsing or rendering that shows on it invalidates
 * the cache by itself.
 */
function planCacheVersion(zone: string): string {
  return hash([zone, PROBE_RECORDS.map((record) => parseAppointment(record, zone))]);
}

/** Events also depend on the parse, so a new cache version renders them again too. */
function planRenderKey(config: FeedRenderConfig, version: string): string {
  const options = [config.timezone, config.ical.uidDomain, config.ical.recurrence, config.ical.attendees, config.onoffice.appointmentUrl];
  const window = { from: DateTime.fromISO('2026-01-01T00:00:00Z'), to: DateTime.fromISO('2027-01-01T00:00:00Z') };
  const probes = PROBE_RECORDS.flatMap((record): unknown[] => {
    const outcome = parseAppointment(record, config.timezone);
    if (!outcome.ok) return [outcome.reason];
    return (['full', 'busy'] as const).map((visibility) => renderFeedEvent(outcome.appointment, visibility, 3, config, window));
  });
  return hash([version, options, probes]);
}

function hash(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 32);
}

/** A timed series with every field the renderer writes, and an all-day appointment. */
const PROBE_RECORDS: readonly AppointmentRecord[] = [
  {
    id: 1,
    type: 'calendar',
    elements: {
      start_dt: '2026-03-28 02:30:00',
      end_dt: '2026-03-28 04:00:00',
      description: 'Probe, with; text\nand a long line that needs folding because it runs past seventy-five octets: äöü €',
      note: 'Note',
      ort: 'Place',
      art: { Besichtigung: 'Besichtigung' },
      user_ids: [53],
      users: [{ id: '53', username: 'A', firstName: 'Anna', lastName: 'Tester', email: 'a@example.com' }],
      ressources: ['Room'],
      erinnerung: '15 minutes',
      ganztags: false,
      rp_flag: true,
      rp_type: 'w',
      rp_tage: 2,
      rp_ende_status: '1',
      rp_ende_datum: '2026-10-31',
      rp_exception: ['2026-04-11'],
      abgesagt: false,
      status: 'active',
      private: '1',
      allowTransitTime: true,
      transitTimePre: '00:30:00',
      transitTimePost: '00:15:00',
      von: 'probe',
      modified: '2026-01-02 03:04:05',
    },
  },
  {
    id: 2,
    type: 'calendar',
    elements: {
      start_dt: '2026-10-25 00:00:00',
      end_dt: '2026-10-26 23:59:59',
      description: 'All day',
      ganztags: true,
      erinnerung: '1 days',
      status: 'canceled',
      modified: '2026-01-02 03:04:05',
    },
  },
];
