import { writeSync } from 'node:fs';

/**
 * Named crash points, in the style of etcd's gofail and FoundationDB's buggify: inert unless one point
 * (and the n-th time it is reached) is armed at startup from ONOFFICE_SYNC_FAILPOINT (read by
 * src/config), then the process dies there with SIGKILL, as a power cut or an OOM kill would, after
 * one marker line on stderr. The crash test visits every point listed here; a point nothing reaches
 * fails that test.
 */
export const FAILPOINTS = [
  /** Inside a migration's transaction: its statements ran, its version row is not written yet. */
  'store.migration-before-version',
  /** The poll's records and cursor are committed; no target has been pushed. */
  'sync.after-poll',
  /** A create or update is journalled in the outbox; its PUT is not sent. */
  'push.before-put',
  /** The server took the PUT; its journal row is not yet replaced by the object's row. */
  'push.after-put',
  /** A seed's objects are journalled at their predicted hrefs; its PUT on the calendar is not sent. */
  'push.before-seed',
  /** The server took the seed; its objects are not recorded, their journal rows are still there. */
  'push.after-seed',
  /** A delete is journalled; its DELETE is not sent. */
  'push.before-delete',
  /** The server took the DELETE; the object's row and journal row are still there. */
  'push.after-delete',
  /** onOffice created the appointment for a calendar or feed event; its intent is still pending. */
  'back.create-before-settle',
  /** A calendar event's create is settled; the event is not yet recorded as synced. */
  'back.create-before-record',
  /** A confirmation is marked pending; its request is not sent. */
  'back.confirmation-before-send',
  /** onOffice sent the confirmation; it is not yet marked sent. */
  'back.confirmation-after-send',
  /** A feed event's appointment is created and settled; the import row is not written. */
  'import.before-save',
  /** One feed's cache rows are written; the run is not recorded as finished. */
  'feed.cache-warm',
] as const;

export type FailpointName = (typeof FAILPOINTS)[number];

export interface FailpointSpec {
  readonly name: FailpointName;
  /** Dies the hit-th time the point is reached (1: the first). */
  readonly hit: number;
}

export const FAILPOINT_MARKER = 'failpoint reached:';

let armed: FailpointSpec | null = null;
let reached = 0;

/** Arms one point for this process (null disarms); called once at startup. */
export function armFailpoint(spec: FailpointSpec | null): void {
  armed = spec;
  reached = 0;
}

export function isFailpointName(name: string): name is FailpointName {
  return (FAILPOINTS as readonly string[]).includes(name);
}

/** Does nothing unless this point is armed and this is its hit-th visit: then the process dies at once. */
export function reachFailpoint(name: FailpointName): void {
  if (armed === null || armed.name !== name) return;
  reached += 1;
  if (reached !== armed.hit) return;
  // Synchronous, so the line is out before the signal; no handler, no flush, no cleanup runs after it.
  writeSync(2, `${FAILPOINT_MARKER} ${name} (hit ${reached}), pid ${process.pid}\n`);
  process.kill(process.pid, 'SIGKILL');
}
