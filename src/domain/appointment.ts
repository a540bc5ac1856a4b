import type { DateTime } from 'luxon';

/**
 * The appointment as the rest of the program sees it: parsed, validated and in the configured zone.
 * onOffice's raw record (src/onoffice/appointment-record.ts) is turned into this by parseAppointment.
 * Everything here is plain data; functions over it live next to it and do no I/O.
 */

export type RecurrenceFrequency = 'daily' | 'weekly' | 'monthly' | 'yearly';

export interface Recurrence {
  readonly frequency: RecurrenceFrequency;
  /** rp_tage: every N days/weeks/months/years, 1..999. */
  readonly interval: number;
  /**
   * Last local date (YYYY-MM-DD) on which an occurrence may start, inclusive (rp_ende_status 1 with
   * rp_ende_datum). null: open-ended (rp_ende_status 2).
   */
  readonly until: string | null;
  /** Local dates (YYYY-MM-DD) of occurrences left out of the series (rp_exception), sorted, unique. */
  readonly exceptions: readonly string[];
}

export type AppointmentStatus = 'active' | 'completed' | 'canceled' | 'participantsAvailable';

export interface AppointmentUser {
  readonly id: number;
  readonly username: string;
  readonly firstName: string;
  readonly lastName: string;
  readonly email: string;
}

export interface Appointment {
  readonly id: number;
  readonly allDay: boolean;
  /** Start in the configured zone. All-day: midnight at the start of the first day. */
  readonly start: DateTime;
  /** End in the configured zone, exclusive. All-day: midnight at the start of the day after the last day. */
  readonly end: DateTime;
  /** description */
  readonly summary: string;
  /** note */
  readonly note: string;
  /** ort */
  readonly location: string;
  /** The keys of `art` (onOffice sends {label: label}). */
  readonly categories: readonly string[];
  readonly status: AppointmentStatus;
  /** abgesagt, or status canceled. */
  readonly cancelled: boolean;
  readonly private: boolean;
  /** erinnerung as minutes before the start; null when no reminder is set. */
  readonly reminderMinutes: number | null;
  /** ressources */
  readonly resources: readonly string[];
  /** user_ids: every participant, direct or through a group. */
  readonly userIds: readonly number[];
  /** users: the explicitly added users with their names. */
  readonly users: readonly AppointmentUser[];
  /** von: the creator's username. */
  readonly creator: string;
  /** Transit time before/after in minutes; 0 when allowTransitTime is false. */
  readonly transitBeforeMinutes: number;
  readonly transitAfterMinutes: number;
  readonly recurrence: Recurrence | null;
  /** `modified`, in UTC. */
  readonly modified: DateTime;
}
