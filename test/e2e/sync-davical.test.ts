import { startDavical } from '../support/caldav-servers.js';
import { describeSyncEndToEnd } from './describe-sync-end-to-end.js';

describeSyncEndToEnd('DAViCal', () => startDavical());
