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

  it('grows back by one after a window of successes, not before the burst settled, and not above the configured value', () => {
    const { controller, advance } = setup(4);
    controller.record(overload);
    expect(controller.limit()).toBe(2);
    for (let i = 0; i < 10; i++) controller.record(ok);
    expect(controller.limit()).toBe(2);
    advance(1000);
    controller.record(ok);
    controller.record(ok);
    expect(controller.limit()).toBe(3);
    controller.record(ok);
    controller.record(ok);
    expect(controller.limit()).toBe(3);
    controller.record(ok);
    expect(controller.limit()).toBe(4);
    for (let i = 0; i < 50; i++) controller.record(ok);
    expect(controller.limit()).toBe(4);
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
