import type { Appointment } from '../domain/appointment.js';
import { parseAppointment } from '../onoffice/parse-appointment.js';
import type { AppointmentRepository, StoredAppointment } from '../store/appointment-repository.js';
import type { AppointmentSource } from './push-to-target.js';

/**
 * The push's view of the state store: appointments parsed into the domain model in the configured
 * zone. Deleted and quarantined ones are absent (null), so their objects get removed.
 */
export function createAppointmentSource(appointments: AppointmentRepository, zone: string): AppointmentSource {
  const toAppointment = (stored: StoredAppointment | undefined): Appointment | null => {
    if (!stored || (stored.status !== 'active' && stored.status !== 'cancelled')) return null;
    const parsed = parseAppointment(stored.record, zone);
    return parsed.ok ? parsed.appointment : null;
  };
  return {
    maxChangeSeq: () => appointments.maxChangeSeq(),
    listChangedIdsSince: (seq) => appointments.listChangedSince(seq).map((stored) => stored.id),
    listAppointments: () =>
      appointments
        .listByStatus('active', 'cancelled')
        .map(toAppointment)
        .filter((appointment): appointment is Appointment => appointment !== null),
    getAppointment: (id) => toAppointment(appointments.get(id)),
    getRevision: (id) => appointments.get(id)?.revision ?? 0,
  };
}
