import { expect } from 'vitest';
import { createCaldavTarget } from '../../src/caldav/caldav-target.js';
import { createAuthHeaders } from '../../src/caldav/caldav-fetch.js';
import type { RunningServer } from '../support/caldav-servers.js';
import type { CalendarTargetHarness } from './calendar-target.contract.js';

/** The contract harness for a real server: the target under test plus raw-fetch writes "by another client". */
export function createServerHarness(server: RunningServer): CalendarTargetHarness {
  const credentials = { username: server.username, password: server.password };
  const authHeaders = createAuthHeaders(credentials);
  return {
    target: createCaldavTarget({ url: server.url, ...credentials, timeoutMs: 15_000, retries: 1 }),
    async putBehindBack(href, ics) {
      const response = await fetch(href, { method: 'PUT', headers: { ...authHeaders, 'Content-Type': 'text/calendar; charset=utf-8' }, body: ics });
      expect(response.status, `PUT ${href}`).toBeLessThan(300);
    },
    async deleteBehindBack(href) {
      const response = await fetch(href, { method: 'DELETE', headers: authHeaders });
      expect(response.status, `DELETE ${href}`).toBeLessThan(300);
    },
    createUnauthorisedTarget: () => createCaldavTarget({ url: server.url, username: server.username, password: `wrong-${server.password ?? ''}`, retries: 0 }),
    stop: () => server.stop(),
  };
}
