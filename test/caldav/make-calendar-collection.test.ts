import { describe, expect, it } from 'vitest';
import { renderCalendarColor } from '../../src/caldav/make-calendar-collection.js';

describe('renderCalendarColor', () => {
  it('writes #RRGGBB as Apple’s #RRGGBBAA, which SOGo requires and the other servers keep', () => {
    expect(renderCalendarColor('#1f6feb')).toBe('#1F6FEBFF');
    expect(renderCalendarColor('#1F6FEB80')).toBe('#1F6FEB80');
  });
});
