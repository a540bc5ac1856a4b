import { createSeededRandom, type SeededRandom } from './create-seeded-random.js';

export interface QueuedActionError {
  readonly errorcode: number;
  readonly message: string;
}

/**
 * Fault injection, changeable while the emulator runs. Where a fault strikes decides whether the
 * request's actions took effect, which is what a client's retry logic has to cope with:
 * - queued HTTP statuses and http500Rate answer before anything is read or written (nothing happened);
 * - queued action errors replace the next actions' processing (those actions did not happen);
 * - malformedJsonRate truncates the answer AFTER the actions ran (a write happened, its answer was lost).
 */
export class EmulatorFaults {
  /** Share (0..1) of requests answered HTTP 500 with a short plain-text body. */
  http500Rate = 0;
  /** Delay before every answer, in milliseconds. */
  latencyMs = 0;
  /** Share (0..1) of requests answered 200 with truncated JSON. */
  malformedJsonRate = 0;
  /** Shifts the emulator's clock for the HMAC timestamp window and the Date header. */
  clockOffsetSeconds = 0;
  readonly #actionErrors: QueuedActionError[] = [];
  readonly #httpStatuses: number[] = [];
  readonly #random: SeededRandom;

  constructor(seed = 1) {
    this.#random = createSeededRandom(seed);
  }

  /** The next `count` actions (across requests) answer this action error instead of running. */
  queueActionErrors(errorcode: number, message: string, count = 1): void {
    for (let i = 0; i < count; i += 1) this.#actionErrors.push({ errorcode, message });
  }

  /** The next `count` HTTP requests are answered with this status and a short body. */
  queueHttpStatus(status: number, count = 1): void {
    for (let i = 0; i < count; i += 1) this.#httpStatuses.push(status);
  }

  /** Clears every fault. */
  reset(): void {
    this.http500Rate = 0;
    this.latencyMs = 0;
    this.malformedJsonRate = 0;
    this.clockOffsetSeconds = 0;
    this.#actionErrors.length = 0;
    this.#httpStatuses.length = 0;
  }

  get pendingActionErrors(): number {
    return this.#actionErrors.length;
  }

  get pendingHttpStatuses(): number {
    return this.#httpStatuses.length;
  }

  /** The HTTP status this request must fail with, if any: a queued one first, then the 500 rate. */
  takeHttpFailure(): number | undefined {
    const queued = this.#httpStatuses.shift();
    if (queued !== undefined) return queued;
    return this.http500Rate > 0 && this.#random.next() < this.http500Rate ? 500 : undefined;
  }

  takeActionError(): QueuedActionError | undefined {
    return this.#actionErrors.shift();
  }

  shouldMalformJson(): boolean {
    return this.malformedJsonRate > 0 && this.#random.next() < this.malformedJsonRate;
  }
}
