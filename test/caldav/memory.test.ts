import { createMemoryCalendarTarget } from '../../src/caldav/memory-calendar-target.js';
import { describeCalendarTargetContract } from './calendar-target.contract.js';

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
