import { startCyrus } from '../support/caldav-servers.js';
import { describeCalendarTargetContract } from './calendar-target.contract.js';
import { createServerHarness } from './create-server-harness.js';

describeCalendarTargetContract('Cyrus', { auth: true, refusesDuplicateUid: true, rejectsUnknownSyncToken: true }, async () => createServerHarness(await startCyrus()));
