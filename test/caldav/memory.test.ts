import { describe, expect, it } from 'vitest';
import { CaldavRequestError, CaldavServerError } from '../../src/caldav/caldav-errors.js';
import { createMemoryCalendarTarget } from '../../src/caldav/memory-calendar-target.js';
import { describeCalendarTargetContract } from './calendar-target.contract.js';
import { renderTestEvent } from './render-test-event.js';

describeCalendarTargetContract('memory fake', { auth: false, refusesDuplicateUid: true, rejectsUnknownSyncToken: true }, async () => {
  const target = createMemoryCalendarTarget();
  return {
    target,
    putBehindBack: async (href, ics) => {
      target.putObjectBehindBack(href, ics);
    },
    deleteBehindBack: async (href) => {
      target.deleteObjectBehindBack(href);
    },
    createUnauthorisedTarget: () => {
      throw new Error('the memory fake has no authentication');
    },
    stop: async () => {},
  };
});

describe('memory fake test helpers', () => {
  it('injects faults for a number of calls and counts every call', async () => {
    const target = createMemoryCalendarTarget();
    const calendar = await target.ensureCalendar({ path: 'faults', displayName: 'Faults' });
    const outage = new CaldavServerError({ method: 'PUT', url: calendar.url, status: 503, attempts: 4 });
    target.setFault('createObject', outage, 1);
    await expect(target.createObject(calendar, 'a.ics', renderTestEvent('a@test'))).rejects.toBe(outage);
    const created = await target.createObject(calendar, 'a.ics', renderTestEvent('a@test'));
    target.setFault('listObjects', outage);
    await expect(target.listObjects(calendar)).rejects.toBe(outage);
    await expect(target.listObjects(calendar)).rejects.toBe(outage);
    target.setFault('listObjects', null);
    expect(await target.listObjects(calendar)).toEqual([{ href: created.href, etag: created.etag }]);
    expect(target.requestCounts).toMatchObject({ ensureCalendar: 1, createObject: 2, listObjects: 3, deleteObject: 0 });
    expect(target.readObjects(calendar.url)).toEqual([{ href: created.href, etag: created.etag, data: renderTestEvent('a@test') }]);
  });

  it('expires sync tokens on request, so the next fetchChanges is a complete listing', async () => {
    const target = createMemoryCalendarTarget();
    const calendar = await target.ensureCalendar({ path: 'expiry', displayName: 'Expiry' });
    const created = await target.createObject(calendar, 'a.ics', renderTestEvent('a@test'));
    const { syncToken } = await target.fetchChanges(calendar, null);
    target.expireSyncTokens(calendar.url);
    expect(await target.fetchChanges(calendar, syncToken)).toEqual({
      changed: [{ href: created.href, etag: created.etag }],
      deleted: [],
      syncToken,
      complete: true,
    });
  });

  it('refuses data that is not iCalendar, as servers do', async () => {
    const target = createMemoryCalendarTarget();
    const calendar = await target.ensureCalendar({ path: 'invalid', displayName: 'Invalid' });
    await expect(target.createObject(calendar, 'x.ics', 'hello')).rejects.toBeInstanceOf(CaldavRequestError);
  });
});
