import type { Appointment } from './appointment.js';

/** The appointments as the push sees them: the store behind a narrow port. */
export interface AppointmentSource {
  /** Highest change sequence number in the store. */
  maxChangeSeq(): number;
  /** Ids of appointments changed (created, updated, cancelled, deleted) after `seq`. */
  listChangedIdsSince(seq: number): number[];
  /** Ids of every appointment that is not deleted or quarantined, ascending. */
  listIds(): number[];
  /** The appointment, or null when it is deleted or quarantined. */
  getAppointment(id: number): Appointment | null;
  /** Revision counter of an appointment (SEQUENCE). */
  getRevision(id: number): number;
}
