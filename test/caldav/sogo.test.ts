import { startSogo } from '../support/caldav-servers.js';
import { describeCalendarTargetContract } from './calendar-target.contract.js';
import { createServerHarness } from './create-server-harness.js';

// SOGo 5.8 with three workers, the setting.
describeCalendarTargetContract(
  'SOGo',
  {
    auth: true,
    refusesDuplicateUid: true,
    rejectsUnknownSyncToken: false,
    checksPreconditions: false,
    syncTokenInSeconds: true,
  },
  async () => createServerHarness(await startSogo({ workers: 3 })),
);
