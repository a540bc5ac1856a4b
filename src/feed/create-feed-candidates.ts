import type { AppointmentRepository } from '../store/appointment-repository.js';
import { parseAppointment } from '../onoffice/parse-appointment.js';
import { readGroupIds, type FeedCandidate } from './select-feed-appointments.js';

export interface FeedCandidates {
  /** The active and cancelled appointments as of `seq` (the store's change_seq when read). */
  read(): { readonly seq: number; readonly list: readonly FeedCandidate[]; readonly skipped: number };
}

/**
 * The appointments all feeds choose from, parsed once and then kept up to date with only the rows
 * whose change_seq moved, so a poll that changed three appointments costs three parses, not 5,000.
 * The store keeps only versions that parsed; `skipped` counts rows that no longer do (the configured
 * zone changed since they were stored).
 */
export function createFeedCandidates(
  appointments: Pick<AppointmentRepository, 'listByStatus' | 'listChangedSince' | 'maxChangeSeq'>,
  zone: string,
): FeedCandidates {
  const byId = new Map<number, FeedCandidate>();
  const unparsable = new Set<number>();
  let seq = -1;
  let list: FeedCandidate[] = [];

  return {
    read() {
      // Read before listing: rows written meanwhile are either listed now or again next time.
      const current = appointments.maxChangeSeq();
      if (current !== seq) {
        const changed = seq < 0 ? appointments.listByStatus('active', 'cancelled') : appointments.listChangedSince(seq);
        for (const stored of changed) {
          byId.delete(stored.id);
          unparsable.delete(stored.id);
          if (stored.status !== 'active' && stored.status !== 'cancelled') continue;
          const outcome = parseAppointment(stored.record, zone);
          if (!outcome.ok) {
            unparsable.add(stored.id);
            continue;
          }
          byId.set(stored.id, {
            appointment: outcome.appointment,
            groupIds: readGroupIds(stored.record.elements.groups),
            revision: stored.revision,
            changeSeq: stored.changeSeq,
          });
        }
        seq = current;
        list = [...byId.values()];
      }
      return { seq, list, skipped: unparsable.size };
    },
  };
}
