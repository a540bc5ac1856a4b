import type { TwoWayData } from './two-way-data.js';

/** An ICS feed's event as an earlier fetch recorded it (ics_import_events): the import's plan reads it, the store keeps it. */
export interface ImportEvent {
  readonly uid: string;
  readonly recurrenceId: string;
  readonly appointmentId: number;
  readonly data: TwoWayData;
  /** ISO UTC of the end of its last occurrence; null for an open-ended series. */
  readonly endsAt: string | null;
  /** Deleted in onOffice: not imported again. */
  readonly dismissed: boolean;
}
