import { describe, expect, it } from 'vitest';
import { createAdaptiveConcurrency, createConcurrencyGate } from '../../src/caldav/adaptive-concurrency.js';

describe('createAdaptiveConcurrency', () => {
  const setup = (initial = 8) => {
    let clock = 0;
    const controller = createAdaptiveConcurrency({ initial, now: () => clock });
    return { controller, advance: (ms: number) => (clock += ms) };
  };
  const ok = { kind: 'ok' } as const;
  const overload = { kind: 'overload', retryAfterMs: null } as const;

  it('starts at the configured concurrency and halves on overload, once per burst, never below 1', () => {
    const { controller, advance } = setup(8);
    expect(controller.limit()).toBe(8);
    controller.record(overload);
    controller.record(overload);
    controller.record(overload);
    expect(controller.limit()).toBe(4);
    advance(1000);
    controller.record(overload);
    expect(controller.limit()).toBe(2);
    for (let burst = 0; burst < 5; burst++) {
      advance(1000);
      controller.record(overload);
    }
    expect(controller.limit()).toBe(1);
  });

  const write = (latencyMs: number) => ({ kind: 'ok', latencyMs }) as const;
  /** One window of answered writes (16 at these limits): `first` the one that waited for nothing, the rest `others`. */
  const window = (controller: { record: (signal: ReturnType<typeof write>) => void }, first: number, others: number) => {
    for (let index = 0; index < 16; index++) controller.record(write(index === 0 ? first : others));
  };

  it('grows back by one per window of writes that waited for nothing, not in the burst\'s wake, and not above the configured value', () => {
    const { controller, advance } = setup(4);
    controller.record(overload);
    expect(controller.limit()).toBe(2);
    for (let i = 0; i < 40; i++) controller.record(write(5));
    expect(controller.limit()).toBe(2);
    advance(1000);
    // Answers of reads (no latency) say nothing of the writes waiting.
    for (let i = 0; i < 100; i++) controller.record(ok);
    expect(controller.limit()).toBe(2);
    for (let i = 0; i < 15; i++) controller.record(write(5));
    expect(controller.limit()).toBe(2);
    controller.record(write(5));
    expect(controller.limit()).toBe(3);
    window(controller, 5, 5);
    expect(controller.limit()).toBe(4);
    for (let i = 0; i < 10; i++) window(controller, 5, 5);
    expect(controller.limit()).toBe(4);
  });

  it('comes down to three writes at once on a server that does one at a time, and stays there', () => {
    const { controller } = setup(8);
    const limits: number[] = [];
    // Each write waits for the ones ahead of it: its latency grows with the limit (5 ms a write), but
    // for one per window that found the server idle.
    for (let round = 0; round < 40; round++) {
      window(controller, 5, 5 * controller.limit());
      limits.push(controller.limit());
    }
    // There the queue is limit − 1 (all but the one being stored wait): 2 at three, within 1.2–2.4.
    expect(limits.slice(0, 5)).toEqual([7, 6, 5, 4, 3]);
    expect(new Set(limits.slice(5))).toEqual(new Set([3]));
  });

  it('comes down to four writes at once on a server that stores two at a time (two cores), and stays there', () => {
    const { controller } = setup(8);
    const limits: number[] = [];
    // Each write waits for half of the ones ahead of it: there the queue is limit − 2, 2 at four.
    for (let round = 0; round < 40; round++) {
      window(controller, 5, (5 * controller.limit()) / 2);
      limits.push(controller.limit());
    }
    expect(limits.slice(0, 4)).toEqual([7, 6, 5, 4]);
    expect(new Set(limits.slice(4))).toEqual(new Set([4]));
  });

  it('keeps the configured concurrency where the latency does not grow with it (a server answering in parallel, a slow link)', () => {
    const { controller, advance } = setup(8);
    for (let round = 0; round < 20; round++) window(controller, 50, 54);
    expect(controller.limit()).toBe(8);
    controller.record(overload);
    expect(controller.limit()).toBe(4);
    advance(1000);
    for (let round = 0; round < 4; round++) window(controller, 50, 54);
    expect(controller.limit()).toBe(8);
  });

  it('honours Retry-After: no new write before it ran out', () => {
    const { controller, advance } = setup(4);
    controller.record({ kind: 'overload', retryAfterMs: 3000 });
    expect(controller.delayMs()).toBe(3000);
    advance(2000);
    expect(controller.delayMs()).toBe(1000);
    advance(1000);
    expect(controller.delayMs()).toBe(0);
  });
});

describe('createConcurrencyGate', () => {
  const deferred = () => {
    let resolve!: () => void;
    const promise = new Promise<void>((done) => (resolve = done));
    return { promise, resolve };
  };
  const settle = () => new Promise((resolve) => setImmediate(resolve));

  it('lets no more tasks run at once than the limit, and follows it as it halves', async () => {
    let clock = 0;
    const controller = createAdaptiveConcurrency({ initial: 4, now: () => clock });
    const slept: number[] = [];
    const gate = createConcurrencyGate(controller, async (ms) => {
      slept.push(ms);
      clock += ms;
    });
    const tasks = Array.from({ length: 10 }, () => deferred());
    let peak = 0;
    const runs = tasks.map((task) =>
      gate.run(async () => {
        peak = Math.max(peak, gate.inFlight());
        await task.promise;
      }),
    );
    await settle();
    expect(gate.inFlight()).toBe(4);
    controller.record({ kind: 'overload', retryAfterMs: 500 });
    expect(controller.limit()).toBe(2);
    for (const task of tasks.slice(0, 4)) task.resolve();
    await settle();
    expect(slept).toEqual([500]);
    expect(gate.inFlight()).toBe(2);
    for (const task of tasks.slice(4)) task.resolve();
    await Promise.all(runs);
    expect(peak).toBe(4);
    expect(gate.inFlight()).toBe(0);
  });
});
