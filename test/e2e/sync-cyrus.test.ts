import { startCyrus } from '../support/caldav-servers.js';
import { describeSyncEndToEnd } from './describe-sync-end-to-end.js';

describeSyncEndToEnd('Cyrus IMAP 3.6', () => startCyrus());
