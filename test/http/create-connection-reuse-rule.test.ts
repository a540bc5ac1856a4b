import { describe, expect, it } from 'vitest';
import { createConnectionReuseRule, HANG_UPS_TO_CLOSE, PROBE_AFTER } from '../../src/http/create-connection-reuse-rule.js';

const ORIGIN = 'http://sogo.example:20000';

describe('createConnectionReuseRule', () => {
  it('keeps connections alive until connections hang up right after their first answer, three times in a row', () => {
    const rule = createConnectionReuseRule();
    for (let index = 1; index < HANG_UPS_TO_CLOSE; index++) rule.hungUp(ORIGIN, 1);
    expect(rule.mayReuse(ORIGIN)).toBe(true);
    rule.hungUp(ORIGIN, 1);
    expect(rule.mayReuse(ORIGIN)).toBe(false);
    // Another origin is not affected.
    expect(rule.mayReuse('http://radicale.example:5232')).toBe(true);
  });

  it('does not count a connection that served several answers (an idle timeout), nor hang-ups with a reuse answered between', () => {
    const rule = createConnectionReuseRule();
    for (let index = 0; index < 10; index++) rule.hungUp(ORIGIN, 4);
    expect(rule.mayReuse(ORIGIN)).toBe(true);
    for (let index = 0; index < 10; index++) {
      rule.hungUp(ORIGIN, 1);
      rule.hungUp(ORIGIN, 1);
      rule.answeredOnReuse(ORIGIN);
    }
    expect(rule.mayReuse(ORIGIN)).toBe(true);
  });

  it('tries keep-alive again after PROBE_AFTER requests, and one more first-answer hang-up closes again', () => {
    const rule = createConnectionReuseRule();
    for (let index = 0; index < HANG_UPS_TO_CLOSE; index++) rule.hungUp(ORIGIN, 1);
    let closed = 0;
    while (!rule.mayReuse(ORIGIN)) closed += 1;
    expect(closed).toBe(PROBE_AFTER);
    rule.hungUp(ORIGIN, 1);
    expect(rule.mayReuse(ORIGIN)).toBe(false);
  });

  it('after a probe that finds the connections kept, stays with keep-alive', () => {
    const rule = createConnectionReuseRule();
    for (let index = 0; index < HANG_UPS_TO_CLOSE; index++) rule.hungUp(ORIGIN, 1);
    while (!rule.mayReuse(ORIGIN));
    rule.answeredOnReuse(ORIGIN);
    rule.hungUp(ORIGIN, 1);
    expect(rule.mayReuse(ORIGIN)).toBe(true);
  });
});
