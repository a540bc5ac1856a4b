/**
 * The pure heart of the push: what each calendar should hold (desired), what we believe it holds
 * (known), and what the server told us changed behind our back (drift) become a list of actions.
 * No I/O here; applyPlan carries the actions out.
 */

import type { KnownObject } from '../domain/known-object.js';

export type { KnownObject };

/** An object we want in a calendar, already rendered. */
export interface DesiredObject {
  readonly calendarKey: string;
  readonly uid: string;
  readonly filename: string;
  readonly ics: string;
  readonly hash: string;
  readonly appointmentId: number;
}

/** What the server reported since the last sync token, per calendar, by href. */
export interface Drift {
  /** href → the server's current etag, for objects whose etag differs from what we recorded. */
  readonly changed: ReadonlyMap<string, string | null>;
  /** hrefs the server no longer has. */
  readonly deleted: ReadonlySet<string>;
}

export type SyncAction =
  | { readonly kind: 'create'; readonly calendarKey: string; readonly uid: string; readonly appointmentId: number; readonly filename: string; readonly ics: string; readonly hash: string; readonly reason: string }
  | { readonly kind: 'update'; readonly calendarKey: string; readonly uid: string; readonly appointmentId: number; readonly href: string; readonly etag: string | null; readonly ics: string; readonly hash: string; readonly reason: string }
  | { readonly kind: 'delete'; readonly calendarKey: string; readonly uid: string; readonly appointmentId: number; readonly href: string; readonly etag: string | null; readonly reason: string };

export interface SyncPlan {
  readonly actions: readonly SyncAction[];
  /** Objects that are already right. */
  readonly unchanged: number;
}

export interface PlanSyncInput {
  /** Desired objects of every appointment in scope. */
  readonly desired: Iterable<DesiredObject>;
  /** Known objects; only those of appointments in scope are considered. */
  readonly known: Iterable<KnownObject>;
  /** The appointments this plan covers: their known objects not desired any more are deleted. */
  readonly scope: ReadonlySet<number> | 'all';
  /** Drift per calendar key. */
  readonly drift?: ReadonlyMap<string, Drift>;
}

/** The identity of an object across desired, known and journal: its calendar and its UID. */
export const objectKey = (calendarKey: string, uid: string): string => `${calendarKey}\u0000${uid}`;

export function planSync(input: PlanSyncInput): SyncPlan {
  const inScope = (appointmentId: number): boolean => input.scope === 'all' || input.scope.has(appointmentId);
  const known = new Map<string, KnownObject>();
  for (const object of input.known) {
    if (inScope(object.appointmentId)) known.set(objectKey(object.calendarKey, object.uid), object);
  }

  const actions: SyncAction[] = [];
  let unchanged = 0;
  const wanted = new Set<string>();
  for (const object of input.desired) {
    const k = objectKey(object.calendarKey, object.uid);
    if (wanted.has(k)) continue;
    wanted.add(k);
    const existing = known.get(k);
    const drift = existing ? input.drift?.get(existing.calendarKey) : undefined;
    const base = { calendarKey: object.calendarKey, uid: object.uid, appointmentId: object.appointmentId, ics: object.ics, hash: object.hash };
    if (!existing) {
      actions.push({ ...base, kind: 'create', filename: object.filename, reason: 'new' });
    } else if (existing.uncertain) {
      // A killed run's write, listed or not: written again at its href (a PUT without If-Match), never
      // under a new name. A server may still be storing that write when this run lists the calendar (a
      // seed answered after its client died): created under a second name, the object ended at two
      // hrefs, and the journal, which settles a UID at one, left the other behind for good.
      actions.push({ ...base, kind: 'update', href: existing.href, etag: null, reason: 'left unfinished by an interrupted run' });
    } else if (drift?.deleted.has(existing.href)) {
      actions.push({ ...base, kind: 'create', filename: object.filename, reason: 'deleted on the server' });
    } else if (drift?.changed.has(existing.href)) {
      actions.push({ ...base, kind: 'update', href: existing.href, etag: drift.changed.get(existing.href) ?? null, reason: 'changed on the server' });
    } else if (existing.hash !== object.hash) {
      actions.push({ ...base, kind: 'update', href: existing.href, etag: existing.etag, reason: 'changed in onOffice' });
    } else {
      unchanged += 1;
    }
  }

  for (const [k, object] of known) {
    if (wanted.has(k)) continue;
    if (input.drift?.get(object.calendarKey)?.deleted.has(object.href)) {
      actions.push({ kind: 'delete', calendarKey: object.calendarKey, uid: object.uid, appointmentId: object.appointmentId, href: object.href, etag: null, reason: 'gone on both sides' });
      continue;
    }
    actions.push({ kind: 'delete', calendarKey: object.calendarKey, uid: object.uid, appointmentId: object.appointmentId, href: object.href, etag: object.etag, reason: 'no longer wanted' });
  }
  return { actions, unchanged };
}

export function countActions(plan: SyncPlan): { create: number; update: number; delete: number; unchanged: number } {
  const counts = { create: 0, update: 0, delete: 0, unchanged: plan.unchanged };
  for (const action of plan.actions) counts[action.kind] += 1;
  return counts;
}
