/** An object we wrote to a calendar earlier, as the state store records it: the push's and the pull's common ground. */
export interface KnownObject {
  readonly calendarKey: string;
  readonly uid: string;
  readonly href: string;
  readonly etag: string | null;
  readonly hash: string;
  readonly appointmentId: number;
}
