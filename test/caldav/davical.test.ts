import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCaldavTarget } from '../../src/caldav/caldav-target.js';
import { startDavical, type RunningAuthServer } from '../support/caldav-servers.js';
import { describeCalendarTargetContract } from './calendar-target.contract.js';
import { createServerHarness } from './create-server-harness.js';

// One DAViCal (PostgreSQL + PHP, ~5 s to set up) for the whole file.
let server: RunningAuthServer;

beforeAll(async () => {
  server = await startDavical();
});

afterAll(async () => {
  await server?.stop();
});

describeCalendarTargetContract('DAViCal', { auth: true, refusesDuplicateUid: false, rejectsUnknownSyncToken: false }, async () => ({
  ...createServerHarness(server),
  stop: async () => {},
}));

describe('DAViCal discovery', () => {
  it('finds the calendar home from the bare host through /.well-known/caldav', async () => {
    const bareHost = new URL('/', server.url).href;
    const target = createCaldavTarget({ url: bareHost, username: server.username, password: server.password });
    const calendar = await target.ensureCalendar({ path: 'onoffice', displayName: 'onOffice', color: '#2da44e' });
    expect(calendar.url).toBe(`${server.calendarHomeUrl}onoffice/`);
    expect(calendar.displayName).toBe('onOffice');
    expect(calendar.color?.slice(0, 7).toLowerCase()).toBe('#2da44e');
  });
});
