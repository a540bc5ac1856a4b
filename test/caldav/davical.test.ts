import { startDavical } from '../support/caldav-servers.js';
import { describeCalendarTargetContract } from './calendar-target.contract.js';
import { createServerHarness } from './create-server-harness.js';

describeCalendarTargetContract('DAViCal', { auth: true, refusesDuplicateUid: false, rejectsUnknownSyncToken: false }, async () =>
  createServerHarness(await startDavical()),
);
