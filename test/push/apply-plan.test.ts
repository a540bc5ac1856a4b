import { describe, expect, it } from 'vitest';
import { CaldavAuthError } from '../../src/caldav/caldav-errors.js';
import type { CalendarTarget } from '../../src/caldav/calendar-target.js';
import { createMemoryCalendarTarget } from '../../src/caldav/memory-calendar-target.js';
import { createSilentLogger } from '../../src/log/create-logger.js';
import { applyPlan } from '../../src/push/apply-plan.js';
import type { SyncAction } from '../../src/push/plan-sync.js';
import { createCaldavStateRepository } from '../../src/store/caldav-state-repository.js';
import { openStateStore } from '../../src/store/open-state-store.js';
import { renderTestEvent } from '../caldav/render-test-event.js';

/** Lets the event loop run every callback already queued (settled promises, finished writes). */
const drain = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
};

describe('applyPlan on a failure that fails every item', () => {
  it('starts no write after it, and returns only once the writes in flight have settled and been recorded', async () => {
    const store = openStateStore(':memory:');
    try {
      const repository = createCaldavStateRepository(store.db);
      const memory = createMemoryCalendarTarget();
      const calendar = await memory.ensureCalendar({ path: 'onoffice', displayName: 'onOffice' });
      const started: string[] = [];
      const gates = new Map<string, { resolve: () => void; reject: (error: Error) => void }>();
      // The memory target behind a gate per write, so the test decides when each request answers.
      const target: CalendarTarget = {
        ...memory,
        createObject: (ref, filename, ics) => {
          started.push(filename);
          return new Promise((resolve, reject) => {
            gates.set(filename, { resolve: () => resolve(memory.createObject(ref, filename, ics)), reject });
          });
        },
      };
      const actions: SyncAction[] = [1, 2, 3, 4].map((id) => ({
        kind: 'create',
        calendarKey: 'office:onoffice',
        uid: `uid-${id}`,
        appointmentId: id,
        filename: `${id}.ics`,
        ics: renderTestEvent(`uid-${id}`),
        hash: `hash-${id}`,
        reason: 'new',
      }));
      let settled = false;
      const applied = applyPlan({
        plan: { actions, unchanged: 0 },
        target,
        calendars: new Map([['office:onoffice', calendar]]),
        repository,
        concurrency: 2,
        logger: createSilentLogger(),
      }).finally(() => (settled = true));
      const outcome = applied.then(
        () => null,
        (error: unknown) => error,
      );

      await drain();
      expect(started).toEqual(['1.ics', '2.ics']);
      gates.get('1.ics')!.reject(new CaldavAuthError({ method: 'PUT', url: `${calendar.url}1.ics`, status: 401 }));
      await drain();
      // The fatal answer came; the second write is still in flight, nothing new started, nothing returned.
      expect(started).toEqual(['1.ics', '2.ics']);
      expect(settled).toBe(false);

      gates.get('2.ics')!.resolve();
      const error = await outcome;
      expect(error).toBeInstanceOf(CaldavAuthError);
      expect(started).toEqual(['1.ics', '2.ics']);
      // The write in flight was recorded before applyPlan returned; the failed one is journalled as failed.
      expect(repository.listKnown('office').map((object) => object.uid)).toEqual(['uid-2']);
      expect(repository.listFailures('office').map((failure) => failure.uid)).toEqual(['uid-1']);
      expect(repository.listPendingOutbox('office')).toEqual([]);
    } finally {
      store.close();
    }
  });
});
