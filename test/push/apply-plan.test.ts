import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaldavAuthError } from '../../src/caldav/caldav-errors.js';
import { createCaldavTarget } from '../../src/caldav/caldav-target.js';
import type { CalendarTarget } from '../../src/caldav/calendar-target.js';
import { createMemoryCalendarTarget } from '../../src/caldav/memory-calendar-target.js';
import { createSilentLogger } from '../../src/log/create-logger.js';
import { applyPlan } from '../../src/push/apply-plan.js';
import type { SyncAction } from '../../src/push/plan-sync.js';
import { createCaldavStateRepository } from '../../src/store/caldav-state-repository.js';
import { openStateStore } from '../../src/store/open-state-store.js';
import { renderTestEvent } from '../caldav/render-test-event.js';
import { rejection } from '../support/rejection.js';
import { startRadicale, type RunningAuthServer } from '../support/caldav-servers.js';

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

describe('applyPlan on a create whose UID the calendar holds under another name', () => {
  let radicale: RunningAuthServer;
  beforeAll(async () => {
    radicale = await startRadicale();
  }, 60_000);
  afterAll(() => radicale?.stop());

  // What a killed run leaves when its write landed after the next run had looked (the next run's
  // create goes to its own name): Radicale refuses the create with a 409 that names no object.
  it('adopts that object, found by its UID, where Radicale names none: recorded there, nothing failed, no second copy', async () => {
    const store = openStateStore(':memory:');
    try {
      const repository = createCaldavStateRepository(store.db);
      const target = createCaldavTarget({ url: radicale.url, username: radicale.username, password: radicale.password });
      const calendar = await target.ensureCalendar({ path: `adopt-${Date.now()}`, displayName: 'adopt' });
      const uid = 'onoffice-7@adopt.test';
      const landed = await target.createObject(calendar, `${uid}.ics`, renderTestEvent(uid, 'Landed late'));
      const refusal: unknown = await target.createObject(calendar, 'onoffice-7.ics', renderTestEvent(uid)).catch((caught: unknown) => caught);
      expect(refusal).toMatchObject({ uidConflict: true, existingHref: null });

      const action: SyncAction = { kind: 'create', calendarKey: 'office:adopt', uid, appointmentId: 7, filename: 'onoffice-7.ics', ics: renderTestEvent(uid), hash: 'hash-7', reason: 'new' };
      const result = await applyPlan({ plan: { actions: [action], unchanged: 0 }, target, calendars: new Map([['office:adopt', calendar]]), repository, concurrency: 1, logger: createSilentLogger() });

      expect(result).toMatchObject({ created: 1, recovered: 1, failed: [] });
      expect(repository.listKnown('office').map((object) => object.href)).toEqual([landed.href]);
      const objects = await target.fetchObjects(calendar, (await target.listObjects(calendar)).map((object) => object.href));
      expect(objects.map((object) => object.href)).toEqual([landed.href]);
      expect(objects[0]!.data).not.toContain('Landed late');
    } finally {
      store.close();
    }
  });
});

describe('applyPlan commits the journal in groups', () => {
  const actionsFor = (ids: number[]): SyncAction[] =>
    ids.map((id) => ({ kind: 'create', calendarKey: 'office:onoffice', uid: `uid-${id}`, appointmentId: id, filename: `${id}.ics`, ics: renderTestEvent(`uid-${id}`), hash: `hash-${id}`, reason: 'new' }));

  it('journals each write before its request, and the outcomes of answers that come together share a commit with the entries after them', async () => {
    const store = openStateStore(':memory:');
    try {
      const repository = createCaldavStateRepository(store.db);
      // Commits: a group's transaction, or a journal write made outside any transaction (its own).
      let transactions = 0;
      const own = (): void => {
        if (!store.db.inTransaction) transactions += 1;
      };
      const counted: typeof repository = {
        ...repository,
        transaction: (work) => ((transactions += 1), repository.transaction(work)),
        beginOutbox: (entry) => (own(), repository.beginOutbox(entry)),
        recordWritten: (object) => (own(), repository.recordWritten(object)),
      };
      const memory = createMemoryCalendarTarget();
      const calendar = await memory.ensureCalendar({ path: 'onoffice', displayName: 'onOffice' });
      const journalledAtRequest: number[] = [];
      // Every answer of a wave comes in the same turn (as several answers read in one poll of the loop).
      const target: CalendarTarget = {
        ...memory,
        createObject: async (ref, filename, ics) => {
          journalledAtRequest.push(repository.listPendingOutbox('office').filter((entry) => entry.href.endsWith(`/${filename}`)).length);
          return memory.createObject(ref, filename, ics);
        },
      };
      const result = await applyPlan({ plan: { actions: actionsFor([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]), unchanged: 0 }, target, calendars: new Map([['office:onoffice', calendar]]), repository: counted, concurrency: 8, logger: createSilentLogger() });
      expect(result.created).toBe(16);
      // Each request went out with its journal entry committed.
      expect(journalledAtRequest).toEqual(new Array(16).fill(1));
      expect(repository.listKnown('office')).toHaveLength(16);
      expect(repository.listPendingOutbox('office')).toEqual([]);
      // One commit per object each for the entry and the outcome would be 32; the waves share theirs.
      expect(transactions).toBeLessThanOrEqual(4);
    } finally {
      store.close();
    }
  });

  it('stops starting writes when a commit fails, and throws that failure once the writes in flight are done', async () => {
    const store = openStateStore(':memory:');
    try {
      const repository = createCaldavStateRepository(store.db);
      let commits = 0;
      const full = Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
      // The third commit fails as a full disk would.
      const failing = { ...repository, transaction: (work: () => void) => { commits += 1; if (commits === 3) throw full; repository.transaction(work); } };
      const memory = createMemoryCalendarTarget();
      const calendar = await memory.ensureCalendar({ path: 'onoffice', displayName: 'onOffice' });
      const requested: string[] = [];
      const target: CalendarTarget = { ...memory, createObject: async (ref, filename, ics) => (requested.push(filename), memory.createObject(ref, filename, ics)) };
      const error = await rejection(applyPlan({ plan: { actions: actionsFor([1, 2, 3, 4, 5, 6]), unchanged: 0 }, target, calendars: new Map([['office:onoffice', calendar]]), repository: failing, concurrency: 1, logger: createSilentLogger() }));
      expect(error).toBe(full);
      // Commit 1: entry 1; commit 2: outcome 1 + entry 2; commit 3 (outcome 2 + entry 3) failed: 3 never went out.
      expect(requested).toEqual(['1.ics', '2.ics']);
      expect(repository.listKnown('office').map((object) => object.uid)).toEqual(['uid-1']);
      // Object 2 was written but its outcome not stored: journalled, so the next run settles it.
      expect(repository.listPendingOutbox('office').map((entry) => entry.uid)).toEqual(['uid-2']);
    } finally {
      store.close();
    }
  });
});

