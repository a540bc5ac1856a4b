import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCaldavTarget } from '../../src/caldav/caldav-target.js';
import { startXandikos, type RunningServer } from '../support/caldav-servers.js';
import { describeCalendarTargetContract } from './calendar-target.contract.js';
import { createServerHarness } from './create-server-harness.js';

describeCalendarTargetContract('Xandikos', { auth: false, refusesDuplicateUid: true, rejectsUnknownSyncToken: true }, async () =>
  createServerHarness(await startXandikos()),
);

describe('Xandikos discovery', () => {
  let server: RunningServer;

  beforeAll(async () => {
    server = await startXandikos();
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('follows current-user-principal and calendar-home-set from the root', async () => {
    const target = createCaldavTarget({ url: server.url });
    const calendar = await target.ensureCalendar({ path: 'onoffice', displayName: 'onOffice', color: '#d73a49' });
    expect(calendar.url).toBe(`${server.calendarHomeUrl}onoffice/`);
    expect(calendar.color?.slice(0, 7).toLowerCase()).toBe('#d73a49');
  });

  it('uses the default calendar when the URL points at it', async () => {
    const target = createCaldavTarget({ url: `${server.calendarHomeUrl}calendar` });
    const calendar = await target.ensureCalendar({ path: 'onoffice', displayName: 'onOffice' });
    expect(calendar.url).toBe(`${server.calendarHomeUrl}calendar/`);
  });
});
