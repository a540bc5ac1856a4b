import { startXandikos } from '../support/caldav-servers.js';
import { describeCalendarTargetContract } from './calendar-target.contract.js';
import { createServerHarness } from './create-server-harness.js';

describeCalendarTargetContract('Xandikos', { auth: false, refusesDuplicateUid: true, rejectsUnknownSyncToken: true }, async () =>
  createServerHarness(await startXandikos()),
);
