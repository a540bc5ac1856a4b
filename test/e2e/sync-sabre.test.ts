import { startSabre } from '../support/caldav-servers.js';
import { describeSyncEndToEnd } from './describe-sync-end-to-end.js';

describeSyncEndToEnd('Sabre/DAV 1.8 with Basic auth', () => startSabre({ auth: 'basic' }));
describeSyncEndToEnd('Sabre/DAV 1.8 with its Digest-only stock backend', () => startSabre({ auth: 'digest' }));
