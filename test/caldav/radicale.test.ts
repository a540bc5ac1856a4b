import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCaldavTarget } from '../../src/caldav/caldav-target.js';
import { startRadicale, type RunningAuthServer } from '../support/caldav-servers.js';
import { describeCalendarTargetContract } from './calendar-target.contract.js';
import { createServerHarness } from './create-server-harness.js';
import { renderTestEvent } from './render-test-event.js';

describeCalendarTargetContract('Radicale', { auth: true, refusesDuplicateUid: true, rejectsUnknownSyncToken: true }, async () =>
  createServerHarness(await startRadicale()),
);

describe('Radicale discovery', () => {
  let server: RunningAuthServer;

  beforeAll(async () => {
    server = await startRadicale();
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('finds the calendar home from the server root and from the home itself', async () => {
    for (const url of [server.url, server.calendarHomeUrl]) {
      const target = createCaldavTarget({ url, username: server.username, password: server.password });
      const calendar = await target.ensureCalendar({ path: 'onoffice', displayName: 'onOffice' });
      expect(calendar.url).toBe(`${server.calendarHomeUrl}onoffice/`);
    }
  });

  it('uses a configured calendar URL as it is, whatever the relative path', async () => {
    const rootTarget = createCaldavTarget({ url: server.url, username: server.username, password: server.password });
    const work = await rootTarget.ensureCalendar({ path: 'work', displayName: 'Work' });
    await rootTarget.createObject(work, 'a.ics', renderTestEvent('pinned@test'));
    const pinned = createCaldavTarget({ url: work.url, username: server.username, password: server.password });
    const calendar = await pinned.ensureCalendar({ path: 'onoffice', displayName: 'onOffice' });
    expect(calendar.url).toBe(work.url);
    expect(calendar.displayName).toBe('Work');
    expect((await pinned.listObjects(calendar)).map((object) => object.href)).toEqual([`${work.url}a.ics`]);
  });
});

describe('Radicale without auth', () => {
  it('accepts any credentials', async () => {
    const server = await startRadicale({ auth: false });
    try {
      const target = createCaldavTarget({ url: server.url, username: 'anyone', password: 'anything' });
      const calendar = await target.ensureCalendar({ path: 'open', displayName: 'Open' });
      expect(calendar.url).toBe(`${server.url}anyone/open/`);
    } finally {
      await server.stop();
    }
  });
});
