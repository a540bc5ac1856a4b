/** One item a run could not carry out; it is retried on the next run and listed in the run summary. */
export interface FailedItem {
  readonly calendarKey: string;
  readonly uid: string;
  readonly appointmentId: number;
  readonly action: 'create' | 'update' | 'delete';
  readonly error: string;
}
