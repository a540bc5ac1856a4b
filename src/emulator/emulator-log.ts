/** One action as the emulator received it (the token and HMAC are not kept). */
export interface ReceivedAction {
  readonly actionid: string;
  readonly resourcetype: string;
  readonly resourceid: string;
  readonly identifier: string;
  readonly parameters: unknown;
}

/** Only the most recent actions are kept, so a long benchmark does not grow memory without bound. */
const RECEIVED_LIMIT = 1000;

/**
 * What reached the emulator, for tests and benchmarks to count. Keys of `byAction` are the actionid's
 * last segment and the resourcetype: 'read:calendar', 'create:calendar', 'do:appointmentAffirmation'.
 */
export class EmulatorLog {
  /** Every HTTP request, on any path and whatever became of it. */
  httpRequests = 0;
  /** Every action of an authenticated request (including those answered with a queued error). */
  actions = 0;
  readonly byAction = new Map<string, number>();
  readonly received: ReceivedAction[] = [];

  count(key: string): number {
    return this.byAction.get(key) ?? 0;
  }

  recordAction(action: ReceivedAction): void {
    this.actions += 1;
    const key = `${action.actionid.split(':').at(-1) ?? action.actionid}:${action.resourcetype}`;
    this.byAction.set(key, this.count(key) + 1);
    this.received.push(action);
    if (this.received.length > RECEIVED_LIMIT) this.received.splice(0, this.received.length - RECEIVED_LIMIT);
  }

  reset(): void {
    this.httpRequests = 0;
    this.actions = 0;
    this.byAction.clear();
    this.received.length = 0;
  }
}
