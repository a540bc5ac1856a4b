import type { ImportConfig } from '../config/config-schema.js';
import type { KnownObject } from '../domain/known-object.js';
import type { ImportEvent } from '../domain/import-event.js';
import type { VEventLike } from '../ical/parse-ics-objects.js';
import { IcsImportEmptyFeedError } from './import-ics-errors.js';
import { planPull, type PullCandidate, type PullPolicy, type PullStep } from './plan-pull.js';

/*
 * The pure plan of one ICS import: the feed's events and what we recorded of earlier fetches become
 * candidates of planPull, so the import decides by the way back's one set of rules. What is the
 * import's own is input, not a second copy of the rules:
 *
 * - a candidate per feed event (its parsed VEVENT, keyed by UID and RECURRENCE-ID), and one per recorded
 *   event gone from the feed; an event dismissed (deleted in onOffice) is no candidate at all;
 * - there is no onOffice side: a change is sent as the fields that differ from what the import wrote
 *   last, so edits made in onOffice to other fields stay;
 * - policy: the import's art for every event (fixedArt), its deleteAction, and keepEnded (an event gone
 *   after it ended is history); no UID is ours and there is no duplicate-UID rule (the key has the
 *   RECURRENCE-ID).
 * - a feed that suddenly holds no events while upcoming appointments came from it is taken for an
 *   outage (IcsImportEmptyFeedError) unless forced.
 */

export interface ImportPlanInput {
  readonly feed: Pick<ImportConfig, 'name' | 'art' | 'deleteAction' | 'confirm'>;
  readonly events: readonly VEventLike[];
  /** What earlier fetches recorded (ics_import_events). */
  readonly recorded: readonly ImportEvent[];
  readonly zone: string;
  /** ISO UTC: events that ended before it are not imported. */
  readonly horizon: string;
  /** ISO UTC now. */
  readonly now: string;
  readonly forceDelete: boolean;
}

export interface ImportPlan {
  readonly steps: PullStep[];
  /** The recorded event each step's href (importKey) stands for, when there is one. */
  readonly recorded: ReadonlyMap<string, ImportEvent>;
}

/** A feed event's key, used as its step's href: UID and RECURRENCE-ID ('' for none). */
export function importKey(uid: string, recurrenceId: string): string {
  return `${uid}\u0000${recurrenceId}`;
}

/** The UID and RECURRENCE-ID of an importKey. */
export function parseImportKey(key: string): { uid: string; recurrenceId: string } {
  const at = key.lastIndexOf('\u0000');
  return { uid: key.slice(0, at), recurrenceId: key.slice(at + 1) };
}

export function importSource(name: string): string {
  return `import:${name}`;
}

export function planImport(input: ImportPlanInput): ImportPlan {
  const { feed } = input;
  const source = importSource(feed.name);
  const recorded = new Map(input.recorded.map((event) => [importKey(event.uid, event.recurrenceId), event]));
  const knownOf = (href: string, event: ImportEvent): KnownObject => ({ calendarKey: source, uid: event.uid, appointmentId: event.appointmentId, href, etag: null, hash: '' });
  const candidates: PullCandidate[] = [];
  const inFeed = new Set<string>();
  for (const event of input.events) {
    const href = importKey(event.uid, event.recurrenceid ? event.recurrenceid.toISOString() : '');
    inFeed.add(href);
    const entry = recorded.get(href);
    if (entry?.dismissed) continue;
    const object = { href, etag: null, event };
    candidates.push(entry ? { href, gone: false, object, known: knownOf(href, entry), side: { kind: 'unseen' }, written: entry.data } : { href, gone: false, object });
  }
  const vanished = [...recorded].filter(([href, event]) => !event.dismissed && !inFeed.has(href));
  const upcoming = vanished.filter(([, event]) => event.endsAt === null || event.endsAt > input.now).length;
  if (input.events.length === 0 && upcoming > 0 && !input.forceDelete) throw new IcsImportEmptyFeedError(feed.name, upcoming);
  for (const [href, event] of vanished) candidates.push({ href, gone: true, known: knownOf(href, event), endsAt: event.endsAt });

  const policy: PullPolicy = {
    calendarKey: source,
    uidDomain: null,
    // No onOffice side is read, so no conflict can arise: the policy is never consulted.
    conflictPolicy: 'onoffice-wins',
    deleteAction: feed.deleteAction,
    rules: { zone: input.zone, defaultArt: feed.art, categoryArts: {} },
    fixedArt: feed.art,
    keepEnded: true,
    horizon: input.horizon,
    now: input.now,
    confirm: feed.confirm,
    knownUids: new Set(),
  };
  return { steps: planPull(candidates, policy), recorded };
}
