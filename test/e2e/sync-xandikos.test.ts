import { startXandikos } from '../support/caldav-servers.js';
import { describeSyncEndToEnd } from './describe-sync-end-to-end.js';

describeSyncEndToEnd('Xandikos', () => startXandikos());
