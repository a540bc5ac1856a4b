import { describe, expect, it } from 'vitest';
import { checkCronExpression } from '../../src/config/config-schema.js';
import { parseConfig } from '../../src/config/load-config.js';

/** daemon.schedule and daemon.reconcileSchedule are checked when the config is read, field by field. */
describe('cron expressions in the configuration', () => {
  it.each(['* * * * *', '*/10 * * * * *', '* * * * * *', '0,30 * * * * *', '5-50/5 * * * * *', '30 3 * * *', '0 0 1 1 *', '*/5 * * * * MON'])('takes %s', (expression) => {
    expect(checkCronExpression(expression)).toBeNull();
    expect(parseConfig({ onoffice: { token: 't', secret: 's' }, daemon: { schedule: expression } }).daemon.schedule).toBe(expression);
  });

  it.each([
    ['* * * *', 'has 4 fields: give 5 (minute hour day month weekday) or 6 with seconds first, e.g. "*/10 * * * * *" for every 10 seconds'],
    ['* * * * * * *', 'has 7 fields'],
    ['*/0.5 * * * * *', 'the second field "*/0.5": a step is a whole number (a schedule fires at most once a second)'],
    ['*/0 * * * * *', 'the second field "*/0": a step of 0 never advances'],
    ['*/100 * * * * *', 'the second field "*/100": a step of 100 is more than its range 0-59 holds, so it fires only at 0; write that value if it is meant'],
    ['*/90 * * * *', 'the minute field "*/90": a step of 90 is more than its range 0-59'],
    ['0 */90 * * *', 'the hour field "*/90": a step of 90 is more than its range 0-23'],
    ['50-10 * * * * *', 'the second field "50-10": the range 50-10 runs backwards'],
    ['60 * * * * *', 'the second field "60" is not valid: 0-59, *, a list (1,5), a range (1-5) or a step (*/10)'],
    ['61 * * * *', 'the minute field "61" is not valid'],
    ['* 25 * * *', 'the hour field "25" is not valid: 0-23'],
    ['*/5 * * * * everyday', 'the weekday field "everyday" is not valid'],
    ['every minute', 'has 2 fields'],
  ])('refuses %s, naming the field', (expression, problem) => {
    expect(checkCronExpression(expression)).toContain(problem);
  });

  it('reports the problem under the key, with what is wrong', () => {
    const parsed = (() => {
      try {
        parseConfig({ onoffice: { token: 't', secret: 's' }, daemon: { schedule: '*/0 * * * * *' } });
        return 'accepted';
      } catch (error) {
        return (error as Error).message;
      }
    })();
    expect(parsed).toMatch(/daemon\.schedule[^\n]*is not a usable cron expression: the second field "\*\/0": a step of 0 never advances/);
  });
});
