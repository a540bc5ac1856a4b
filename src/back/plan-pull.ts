import type { KnownObject } from '../domain/known-object.js';
import type { TwoWayData } from '../domain/two-way-data.js';
import type { AppointmentWrite } from '../domain/appointment-write.js';
import { parseIcsObjects, type VEventLike } from '../ical/parse-ics-objects.js';
import { planCreateWrite, planEventData, planModifyWrite, mergeTwoWayData, type EventRules, type PlannedEvent } from './plan-two-way-write.js';
import { PullMassDeleteError } from './pull-mass-delete-error.js';
import { isOwnUid } from './render-two-way-object.js';

/*
 * The pure heart of the way back: what a two-way calendar holds (the changed objects with their text),
 * what onOffice holds for each known object, and what we recorded at the last sync become a list of
 * steps, one per calendar object, each a list of actions. No I/O here; applyPull carries the steps out.
 * The readings (what "changed" means on each side, who wins a conflict) are in pull-calendar-changes.ts.
 * The ICS import plans through the same rules (plan-import.ts): each feed event is a candidate with its
 * parsed VEVENT, no onOffice side, and the import's own rules as policy (fixedArt, keepEnded).
 */

/** A calendar object as the pull reads it. */
export interface PulledObject {
  readonly href: string;
  readonly etag: string | null;
  readonly data?: string;
  /** The one VEVENT the object stands for, already parsed (an ICS feed's event); else data is parsed. */
  readonly event?: VEventLike;
}

/** What onOffice holds for a known object, as far as the pull can tell. */
export type OnOfficeSide =
  | { readonly kind: 'unseen' }
  | { readonly kind: 'deleted' }
  | { readonly kind: 'unreadable' }
  | { readonly kind: 'read-only' }
  | { readonly kind: 'present'; readonly modifiedMs: number; readonly data: TwoWayData | null; readonly changed: boolean };

/** A create whose outcome is unknown (the answer was lost). */
export interface PendingIntent {
  readonly uid: string;
  readonly recurrenceId: string;
  readonly write: Readonly<Record<string, unknown>>;
  readonly startedAt: string;
}

/** One calendar object the pull looks at, with everything read about it. */
export interface PullCandidate {
  readonly href: string;
  /** Our record of the object, when we know it. */
  readonly known?: KnownObject;
  /** Listed as deleted (or missing from a complete listing). */
  readonly gone: boolean;
  /** Its text, when it is not gone and the server still had it. */
  readonly object?: PulledObject;
  /** onOffice's side, for a known object. */
  readonly side?: OnOfficeSide;
  /** What the calendar held in onOffice's terms at the last sync (two_way_written). */
  readonly written?: TwoWayData | null;
  /** Creates of unknown outcome made for this href. */
  readonly pending?: readonly PendingIntent[];
  /** ISO UTC end of the known event's last occurrence as recorded (null: open-ended); see keepEnded. */
  readonly endsAt?: string | null;
}

export interface PullPolicy {
  readonly calendarKey: string;
  /** Our own UIDs' domain; null when no event can be ours (an ICS feed is someone else's). */
  readonly uidDomain: string | null;
  readonly conflictPolicy: 'onoffice-wins' | 'caldav-wins' | 'newest';
  readonly deleteAction: 'delete' | 'cancel';
  readonly rules: EventRules;
  /** ISO UTC: events that ended before it are not imported. */
  readonly horizon: string;
  /** ISO UTC now: confirmations are sent only for events that have not ended. */
  readonly now: string;
  readonly confirm: boolean;
  /** UIDs already mapped in this calendar: an unknown href with one of them is the same event elsewhere. */
  /** Whether a UID is one we recorded in this calendar (a Set does). */
  readonly knownUids: { has(uid: string): boolean };
  /** The art every event gets whatever its CATEGORIES ('' none: onOffice's default); an import's art. */
  readonly fixedArt?: string;
  /**
   * A known event gone from the source after it ended is history, not a cancellation: only our record
   * goes (booking tools drop past events from their feeds).
   */
  readonly keepEnded?: boolean;
}

export type Winner = 'onoffice' | 'caldav';

export type PullAction =
  /** The calendar's version loses: the push writes onOffice's back over this object. */
  | { readonly kind: 'overwrite'; readonly object: PulledObject; readonly reason: string }
  /** The calendar deleted what onOffice keeps: the push creates it again. */
  | { readonly kind: 'recreate'; readonly href: string }
  /** The object's text says what we recorded: only its new ETag is taken over. */
  | { readonly kind: 'adopt'; readonly known: KnownObject; readonly etag: string | null }
  /** Both sides changed: who won under which policy (logged, counted, shown by status). */
  | { readonly kind: 'conflict'; readonly known: KnownObject; readonly winner: Winner; readonly policy: PullPolicy['conflictPolicy']; readonly message: string }
  /** A calendar edit goes to onOffice (write null: nothing to send, the base is only brought up to date). */
  | { readonly kind: 'modify'; readonly known: KnownObject; readonly write: AppointmentWrite | null; readonly data: TwoWayData; readonly etag: string | null; readonly unsupported: readonly string[]; readonly endsAt: string | null }
  /**
   * A calendar deletion: delete or cancel in onOffice, then a tombstone. inOnOffice false: nothing to
   * remove there (gone there already, or an ended event kept as history under keepEnded).
   */
  | { readonly kind: 'delete' | 'cancel'; readonly known: KnownObject; readonly inOnOffice: boolean }
  /** A new event becomes an appointment (for the calendar's user, added when applied). */
  | { readonly kind: 'create'; readonly href: string; readonly etag: string | null; readonly ics: string; readonly planned: PlannedEvent; readonly confirm: boolean }
  /** Not to be imported; remembered by ETag so it is not read again until it changes. */
  | { readonly kind: 'ignore'; readonly href: string; readonly etag: string | null; readonly reason: string; readonly report?: { readonly uid: string; readonly message: string } }
  /** The known appointment is in quarantine: the change waits (and is retried) until it can be read. */
  | { readonly kind: 'wait'; readonly known: KnownObject; readonly change: 'change' | 'deletion' }
  /** An object we never mapped is gone: forget what we remembered about its href. */
  | { readonly kind: 'forget'; readonly href: string }
  /** The event of a create of unknown outcome is gone: what the create made goes the way of the event. */
  | { readonly kind: 'settle-intent'; readonly intent: PendingIntent };

export interface PullStep {
  readonly href: string;
  readonly known?: KnownObject;
  readonly object?: PulledObject;
  readonly actions: readonly PullAction[];
}

export const DUPLICATE_UID_REASON = 'a second object with the UID of an event already synced';

/** At most this many deletions never trip the mass-delete guard, whatever the share. */
export const MASS_DELETE_MINIMUM = 3;

/** Throws PullMassDeleteError when a calendar lost more of its known events at once than allowed. */
export function planMassDeleteGuard(calendarKey: string, gone: number, known: number, threshold: number, force: boolean): void {
  if (!force && gone > MASS_DELETE_MINIMUM && gone > threshold * known) throw new PullMassDeleteError(calendarKey, gone, known, threshold);
}

export function planPull(candidates: Iterable<PullCandidate>, policy: PullPolicy): PullStep[] {
  const steps: PullStep[] = [];
  for (const candidate of candidates) {
    const { known, object } = candidate;
    const actions =
      known && (candidate.gone || !object)
        ? planDeleted(known, candidate, policy)
        : known && object
          ? planEdited(known, object, candidate, policy)
          : object
            ? planNew(object, policy)
            : [{ kind: 'forget' as const, href: candidate.href }, ...(candidate.pending ?? []).map((intent) => ({ kind: 'settle-intent' as const, intent }))];
    steps.push({ href: candidate.href, ...(known ? { known } : {}), ...(object ? { object } : {}), actions });
  }
  return steps;
}

function conflict(known: KnownObject, winner: Winner, policy: PullPolicy, what: string): PullAction {
  const message = `${what} changed in onOffice and in the calendar since the last sync; ${winner === 'onoffice' ? 'onOffice' : 'the calendar'} won (${policy.conflictPolicy})`;
  return { kind: 'conflict', known, winner, policy: policy.conflictPolicy, message };
}

/** newest compares LAST-MODIFIED (else DTSTAMP) with `modified`; onOffice wins ties and events without either. */
function decideWinner(policy: PullPolicy, planned: PlannedEvent, onOfficeModifiedMs: number): Winner {
  if (policy.conflictPolicy === 'onoffice-wins') return 'onoffice';
  if (policy.conflictPolicy === 'caldav-wins') return 'caldav';
  const calendarTime = planned.modifiedAt?.getTime();
  return calendarTime !== undefined && calendarTime > onOfficeModifiedMs ? 'caldav' : 'onoffice';
}

/** The VEVENTs an object holds: its parsed event, else its text parsed. */
function eventsOf(object: PulledObject): VEventLike[] {
  return object.event ? [object.event] : parseIcsObjects(object.data ?? '');
}

/** The event's data under the policy's rules (and the fixed art, when the policy has one). */
function planEvent(event: VEventLike, policy: PullPolicy): PlannedEvent {
  const planned = planEventData(event, policy.rules);
  if (policy.fixedArt === undefined) return planned;
  const data: Record<string, unknown> = { ...planned.data, art: policy.fixedArt };
  if (policy.fixedArt === '') delete data.art;
  return { ...planned, data };
}

function planEdited(known: KnownObject, object: PulledObject, candidate: PullCandidate, policy: PullPolicy): PullAction[] {
  const side = candidate.side ?? { kind: 'unseen' };
  if (side.kind === 'read-only') return [{ kind: 'overwrite', object, reason: 'an occurrence or busy-only event was changed in the calendar' }];
  if (side.kind === 'unreadable') return [{ kind: 'wait', known, change: 'change' }];
  if (side.kind === 'deleted') {
    return [{ kind: 'overwrite', object, reason: 'deleted in onOffice' }, conflict(known, 'onoffice', policy, `appointment ${known.appointmentId} was deleted in onOffice and`)];
  }
  const events = eventsOf(object);
  const master = events.find((event) => !event.recurrenceid) ?? events[0];
  if (!master) return [{ kind: 'overwrite', object, reason: 'holds no event' }];
  const planned = planEvent(master, policy);
  const written = candidate.written ?? null;
  const onOfficeChanged = side.kind === 'present' && side.changed;
  const base = written ?? (side.kind === 'present' && !side.changed ? side.data : null);
  if (base !== null && planModifyWrite(base, planned.data) === null) return [{ kind: 'adopt', known, etag: object.etag }];
  const actions: PullAction[] = [];
  let from = base;
  if (onOfficeChanged && side.kind === 'present') {
    const winner = decideWinner(policy, planned, side.modifiedMs);
    actions.push(conflict(known, winner, policy, `appointment ${known.appointmentId}`));
    if (winner === 'onoffice') return [...actions, { kind: 'overwrite', object, reason: 'onOffice won the conflict' }];
    from = side.data;
  }
  const write = from === null ? planCreateWrite(planned.data, {}) : planModifyWrite(from, planned.data);
  actions.push({ kind: 'modify', known, write, data: mergeTwoWayData(from ?? {}, planned.data), etag: object.etag, unsupported: planned.unsupported, endsAt: planned.endsAt });
  return actions;
}

function planDeleted(known: KnownObject, candidate: PullCandidate, policy: PullPolicy): PullAction[] {
  const side = candidate.side ?? { kind: 'unseen' };
  if (side.kind === 'read-only') return [{ kind: 'recreate', href: known.href }];
  if (side.kind === 'unreadable') return [{ kind: 'wait', known, change: 'deletion' }];
  const actions: PullAction[] = [];
  if (side.kind === 'present' && side.changed) {
    // A deletion carries no time: under newest, onOffice's edit wins.
    const winner: Winner = policy.conflictPolicy === 'caldav-wins' ? 'caldav' : 'onoffice';
    actions.push(conflict(known, winner, policy, `appointment ${known.appointmentId} was deleted in the calendar and`));
    if (winner === 'onoffice') return [...actions, { kind: 'recreate', href: known.href }];
  }
  const ended = policy.keepEnded === true && candidate.endsAt !== undefined && candidate.endsAt !== null && candidate.endsAt <= policy.now;
  actions.push({ kind: policy.deleteAction, known, inOnOffice: side.kind !== 'deleted' && !ended });
  return actions;
}

function planNew(object: PulledObject, policy: PullPolicy): PullAction[] {
  const { href, etag } = object;
  const events = eventsOf(object);
  // A feed's event stands alone: an override whose series is not in the feed is an appointment of its own.
  const master = object.event ?? events.find((event) => !event.recurrenceid);
  if (!master) {
    const [override] = events;
    const message = 'the calendar object holds only changed occurrences of a series that is not in it; onOffice cannot represent them alone and they were not imported';
    return [
      {
        kind: 'ignore',
        href,
        etag,
        reason: events.length === 0 ? 'holds no VEVENT' : 'holds only occurrence overrides without their series',
        ...(override ? { report: { uid: override.uid, message } } : {}),
      },
    ];
  }
  // Ours without a record (a lost state database): the push's create meets it and takes it over.
  if (policy.uidDomain !== null && isOwnUid(master.uid, policy.uidDomain)) return [];
  if (policy.knownUids.has(master.uid)) return [{ kind: 'ignore', href, etag, reason: DUPLICATE_UID_REASON }];
  const planned = planEvent(master, policy);
  if (planned.endsAt !== null && planned.endsAt < policy.horizon) return [{ kind: 'ignore', href, etag, reason: 'ends before the poll horizon' }];
  const confirm = policy.confirm && (planned.endsAt === null || planned.endsAt > policy.now);
  return [{ kind: 'create', href, etag, ics: object.data ?? '', planned, confirm }];
}
