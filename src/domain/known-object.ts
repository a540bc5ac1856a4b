/** An object we wrote to a calendar earlier, as the state store records it: the push's and the pull's common ground. */
export interface KnownObject {
  readonly calendarKey: string;
  readonly uid: string;
  readonly href: string;
  readonly etag: string | null;
  readonly hash: string;
  readonly appointmentId: number;
  /**
   * A killed run's write was in flight here (push-to-target.ts readUncertainWrites): the object may or
   * may not be on the server, with unknown content.
   */
  readonly uncertain?: boolean;
}
