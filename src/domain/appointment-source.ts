import type { Appointment } from './appointment.js';

/** The appointments as the push sees them: the store behind a narrow port, read a page at a time. */
export interface AppointmentSource {
  /** Highest change sequence number in the store. */
  maxChangeSeq(): number;
  /** A page of the changes after `seq`: up to `limit` ids with their change sequence, in change order. */
  listChangedAfter(seq: number, limit: number): Array<{ readonly id: number; readonly changeSeq: number }>;
  /** How many appointments changed after `after` up to and with `upTo`. */
  countChangedBetween(after: number, upTo: number): number;
  /** The appointment's change sequence, null when the store has no such appointment. */
  getChangeSeq(id: number): number | null;
  /** Ids of every appointment that is not deleted or quarantined, ascending (export, demo: small reads). */
  listIds(): number[];
  /** Up to `limit` ids above `after`, ascending, of appointments that are not deleted or quarantined. */
  listIdsAfter(after: number, limit: number): number[];
  /** The appointment, or null when it is deleted or quarantined. */
  getAppointment(id: number): Appointment | null;
  /** Revision counter of an appointment (SEQUENCE). */
  getRevision(id: number): number;
  /**
   * A group's appointments with their revisions in one read, in the order of `ids` (the full push reads
   * a group of 25 at a time): what getAppointment and getRevision give for each id.
   */
  getMany(ids: readonly number[]): Array<{ readonly id: number; readonly appointment: Appointment | null; readonly revision: number }>;
}
