import { startSogo } from '../support/caldav-servers.js';
import { describeSyncEndToEnd } from './describe-sync-end-to-end.js';

describeSyncEndToEnd('SOGo 5.8 with three workers', () => startSogo({ workers: 3 }));
