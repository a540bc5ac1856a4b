import { startRadicale } from '../support/caldav-servers.js';
import { describeSyncEndToEnd } from './describe-sync-end-to-end.js';

describeSyncEndToEnd('Radicale 3', () => startRadicale());
