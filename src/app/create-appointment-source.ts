import type { Appointment } from '../domain/appointment.js';
import { parseAppointment } from '../onoffice/parse-appointment.js';
import { createAppointmentIndex } from '../store/appointment-index.js';
import type { StoredAppointment } from '../store/appointment-repository.js';
import type { StateStore } from '../store/open-state-store.js';
import type { AppointmentSource } from '../domain/appointment-source.js';

/**
 * The push's view of the state store: appointments parsed into the domain model in the configured
 * zone, one at a time. Deleted and quarantined ones are absent (null), so their objects get removed.
 */
export function createAppointmentSource(store: Pick<StateStore, 'appointments' | 'db'>, zone: string): AppointmentSource {
  const index = createAppointmentIndex(store.db);
  const toAppointment = (stored: StoredAppointment | undefined): Appointment | null => {
    if (!stored || (stored.status !== 'active' && stored.status !== 'cancelled')) return null;
    const parsed = parseAppointment(stored.record, zone);
    return parsed.ok ? parsed.appointment : null;
  };
  return {
    maxChangeSeq: () => store.appointments.maxChangeSeq(),
    listChangedAfter: (seq, limit) => index.listChangedAfter(seq, limit),
    countChangedBetween: (after, upTo) => index.countChangedBetween(after, upTo),
    getChangeSeq: (id) => index.readChangeSeq(id),
    listIds: () => index.listIds('active', 'cancelled'),
    listIdsAfter: (after, limit) => index.listLiveIdsAfter(after, limit),
    getAppointment: (id) => toAppointment(store.appointments.get(id)),
    getRevision: (id) => index.readRevision(id),
    getMany: (ids) => {
      const stored = new Map(store.appointments.getMany(ids).map((row) => [row.id, row]));
      return ids.map((id) => {
        const row = stored.get(id);
        return { id, appointment: toAppointment(row), revision: row?.revision ?? 0 };
      });
    },
  };
}
