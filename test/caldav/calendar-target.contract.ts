import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CalendarRef, CalendarTarget, RemoteObject } from '../../src/caldav/calendar-target.js';
import { CaldavAuthError, CaldavConflictError, CaldavNotFoundError, CaldavPreconditionError } from '../../src/caldav/caldav-errors.js';
import { renderTestEvent } from './render-test-event.js';

export interface CalendarTargetHarness {
  target: CalendarTarget;
  /** Another client creates or replaces the object, bypassing the target. */
  putBehindBack(href: string, ics: string): Promise<void>;
  /** Another client deletes the object, bypassing the target. */
  deleteBehindBack(href: string): Promise<void>;
  /** A target for the same server with a wrong password (only called when the server has auth). */
  createUnauthorisedTarget(): CalendarTarget;
  stop(): Promise<void>;
}

/** Where servers legitimately differ; known before the server starts. */
export interface CalendarTargetTraits {
  /** Xandikos has no authentication. */
  auth: boolean;
  /** Radicale and Xandikos refuse a second object with the same UID; DAViCal stores it. */
  refusesDuplicateUid: boolean;
  /** DAViCal answers an unknown sync token with a plain listing of everything instead of an error. */
  rejectsUnknownSyncToken: boolean;
  /**
   * SOGo checks If-Match only on a PUT over an existing object: it ignores If-None-Match: * (a create
   * replaces the object of that name), If-Match on DELETE, and If-Match on a PUT to a missing object
   * (it creates it). Default true.
   */
  checksPreconditions?: boolean;
  /**
   * SOGo's sync token is a timestamp in whole seconds: what changed in the token's second is reported
   * again with the next token, and a token taken in the same second does not move.
   */
  syncTokenInSeconds?: boolean;
}

function uniquePath(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

function byHref(objects: RemoteObject[]): Map<string, string | null> {
  return new Map(objects.map((object) => [object.href, object.etag]));
}

/**
 * What every CalendarTarget must do, run against the in-memory fake and each real server. Every test
 * works in a calendar of its own.
 */
export function describeCalendarTargetContract(name: string, traits: CalendarTargetTraits, setup: () => Promise<CalendarTargetHarness>): void {
  const checksPreconditions = traits.checksPreconditions ?? true;
  describe(`CalendarTarget contract: ${name}`, () => {
    let harness: CalendarTargetHarness;

    beforeAll(async () => {
      harness = await setup();
    });

    afterAll(async () => {
      await harness?.stop();
    });

    async function freshCalendar(): Promise<CalendarRef> {
      return harness.target.ensureCalendar({ path: uniquePath('contract'), displayName: 'onOffice Test', color: '#1f6feb' });
    }

    it('ensureCalendar creates the calendar once with name and colour, then finds it again', async () => {
      const path = uniquePath('ensure');
      const before = await harness.target.findCalendar({ path, displayName: 'Team Nord' });
      expect(before.calendar).toBeNull();
      const created = await harness.target.ensureCalendar({ path, displayName: 'Team Nord', color: '#1f6feb' });
      expect(created.displayName).toBe('Team Nord');
      expect(created.color?.slice(0, 7).toLowerCase()).toBe('#1f6feb');
      const { href } = await harness.target.createObject(created, 'kept.ics', renderTestEvent(`${randomUUID()}@test`));

      const found = await harness.target.ensureCalendar({ path, displayName: 'Team Nord', color: '#1f6feb' });
      expect(found.url).toBe(created.url);
      expect(before.url).toBe(created.url);
      expect((await harness.target.findCalendar({ path, displayName: 'Team Nord' })).calendar?.url).toBe(created.url);
      expect(found.displayName).toBe('Team Nord');
      expect((await harness.target.listObjects(found)).map((object) => object.href)).toEqual([href]);
    });

    it('createObject sends If-None-Match: * — a second create of the same filename fails with CaldavPreconditionError', async () => {
      const calendar = await freshCalendar();
      const first = await harness.target.createObject(calendar, 'same.ics', renderTestEvent(`${randomUUID()}@test`));
      expect(first.etag).toMatch(/\S/);
      expect(first.href.startsWith(calendar.url)).toBe(true);
      const second = harness.target.createObject(calendar, 'same.ics', renderTestEvent(`${randomUUID()}@test`));
      if (checksPreconditions) await expect(second).rejects.toBeInstanceOf(CaldavPreconditionError);
      else await second;
      // Either way there is never a duplicate: the filename is the object's identity.
      expect((await harness.target.listObjects(calendar)).map((object) => object.href)).toEqual([first.href]);
    });

    it('updateObject with the current ETag writes; with a stale one fails with CaldavPreconditionError', async () => {
      const calendar = await freshCalendar();
      const uid = `${randomUUID()}@test`;
      const created = await harness.target.createObject(calendar, 'update.ics', renderTestEvent(uid, 'first'));
      const updated = await harness.target.updateObject(calendar, created.href, renderTestEvent(uid, 'second'), created.etag);
      expect(updated.href).toBe(created.href);
      expect(updated.etag).not.toBe(created.etag);
      const [fetched] = await harness.target.fetchObjects(calendar, [created.href]);
      expect(fetched?.data).toContain('SUMMARY:second');
      expect(fetched?.etag).toBe(updated.etag);

      await expect(harness.target.updateObject(calendar, created.href, renderTestEvent(uid, 'third'), created.etag)).rejects.toBeInstanceOf(
        CaldavPreconditionError,
      );
      const unconditional = await harness.target.updateObject(calendar, created.href, renderTestEvent(uid, 'fourth'), null);
      expect(unconditional.etag).not.toBe(updated.etag);
    });

    it('deleteObject with the current ETag deletes; a stale ETag fails with CaldavPreconditionError', async () => {
      const calendar = await freshCalendar();
      const uid = `${randomUUID()}@test`;
      const created = await harness.target.createObject(calendar, 'delete.ics', renderTestEvent(uid, 'first'));
      const updated = await harness.target.updateObject(calendar, created.href, renderTestEvent(uid, 'second'), created.etag);
      if (checksPreconditions) await expect(harness.target.deleteObject(calendar, created.href, created.etag)).rejects.toBeInstanceOf(CaldavPreconditionError);
      await harness.target.deleteObject(calendar, created.href, updated.etag);
      expect(await harness.target.listObjects(calendar)).toEqual([]);
    });

    it('update and delete of a missing object fail with CaldavNotFoundError', async () => {
      const calendar = await freshCalendar();
      const created = await harness.target.createObject(calendar, 'gone.ics', renderTestEvent(`${randomUUID()}@test`));
      await harness.deleteBehindBack(created.href);
      if (checksPreconditions) {
        await expect(harness.target.updateObject(calendar, created.href, renderTestEvent(`${randomUUID()}@test`), created.etag)).rejects.toBeInstanceOf(
          CaldavNotFoundError,
        );
      }
      await expect(harness.target.deleteObject(calendar, created.href, created.etag)).rejects.toBeInstanceOf(CaldavNotFoundError);
      await expect(harness.target.deleteObject(calendar, created.href, null)).rejects.toBeInstanceOf(CaldavNotFoundError);
    });

    it('listObjects returns every object with its ETag, also hrefs without .ics, spelled as createObject returned them', async () => {
      const calendar = await freshCalendar();
      const plain = await harness.target.createObject(calendar, 'plain.ics', renderTestEvent(`${randomUUID()}@test`));
      const bare = await harness.target.createObject(calendar, 'no-extension', renderTestEvent(`${randomUUID()}@test`));
      const odd = await harness.target.createObject(calendar, 'oo-42@onoffice-sync.ics', renderTestEvent(`${randomUUID()}@test`));
      const listed = byHref(await harness.target.listObjects(calendar));
      expect(listed).toEqual(
        new Map([
          [plain.href, plain.etag],
          [bare.href, bare.etag],
          [odd.href, odd.etag],
        ]),
      );
      expect((await harness.target.listObjects(calendar)).every((object) => object.data === undefined)).toBe(true);
    });

    it('fetchObjects returns data and ETags, and leaves out hrefs that no longer exist', async () => {
      const calendar = await freshCalendar();
      const uids = [randomUUID(), randomUUID(), randomUUID()].map((id) => `${id}@test`);
      const created = await Promise.all(uids.map((uid, index) => harness.target.createObject(calendar, `event-${index}`, renderTestEvent(uid, `event ${index}`))));
      const missing = created[0]!.href.replace(/event-0$/, 'never-created');
      const fetched = await harness.target.fetchObjects(calendar, [...created.map((object) => object.href), missing]);
      expect(fetched.map((object) => object.href).sort()).toEqual(created.map((object) => object.href).sort());
      for (const [index, object] of created.entries()) {
        const match = fetched.find((candidate) => candidate.href === object.href);
        expect(match?.etag).toBe(object.etag);
        expect(match?.data).toContain(`UID:${uids[index]}`);
        expect(match?.data).toContain(`SUMMARY:event ${index}`);
      }
      expect(await harness.target.fetchObjects(calendar, [])).toEqual([]);
    });

    it('fetchChanges: full listing first, then only what changed behind our back, and a full listing again for an unknown token', async () => {
      const calendar = await freshCalendar();
      const keep = await harness.target.createObject(calendar, 'keep.ics', renderTestEvent(`${randomUUID()}@test`));
      const editUid = `${randomUUID()}@test`;
      const edit = await harness.target.createObject(calendar, 'edit.ics', renderTestEvent(editUid, 'before'));
      const drop = await harness.target.createObject(calendar, 'drop', renderTestEvent(`${randomUUID()}@test`));

      const initial = await harness.target.fetchChanges(calendar, null);
      expect(initial.complete).toBe(true);
      expect(initial.deleted).toEqual([]);
      expect(byHref(initial.changed)).toEqual(
        new Map([
          [keep.href, keep.etag],
          [edit.href, edit.etag],
          [drop.href, drop.etag],
        ]),
      );

      await harness.putBehindBack(edit.href, renderTestEvent(editUid, 'after'));
      const addedHref = `${calendar.url}added-elsewhere`;
      await harness.putBehindBack(addedHref, renderTestEvent(`${randomUUID()}@test`));
      await harness.deleteBehindBack(drop.href);
      const listed = byHref(await harness.target.listObjects(calendar));

      if (initial.syncToken === null) {
        // No sync-collection: every call is a full listing.
        const again = await harness.target.fetchChanges(calendar, null);
        expect(again.complete).toBe(true);
        expect(byHref(again.changed)).toEqual(listed);
        return;
      }
      const incremental = await harness.target.fetchChanges(calendar, initial.syncToken);
      expect(incremental.complete).toBe(false);
      expect(incremental.deleted).toEqual([drop.href]);
      const changed = new Map([
        [edit.href, listed.get(edit.href) ?? null],
        [addedHref, listed.get(addedHref) ?? null],
      ]);
      const expectOnlyChanges = (reported: RemoteObject[], expected: Map<string, string | null>): void => {
        if (!traits.syncTokenInSeconds) {
          expect(byHref(reported)).toEqual(expected);
          return;
        }
        // Every change, and whatever else the server adds, with its current ETag.
        for (const [href, etag] of expected) expect(byHref(reported).get(href)).toBe(etag);
        for (const [href, etag] of byHref(reported)) expect(listed.get(href)).toBe(etag);
      };
      expectOnlyChanges(incremental.changed, changed);
      if (!traits.syncTokenInSeconds) expect(incremental.syncToken).not.toBe(initial.syncToken);

      const quiet = await harness.target.fetchChanges(calendar, incremental.syncToken);
      expectOnlyChanges(quiet.changed, new Map());
      if (!traits.syncTokenInSeconds) expect(quiet.deleted).toEqual([]);
      else expect(quiet.deleted.filter((href) => listed.has(href))).toEqual([]);

      const unknownToken = `${initial.syncToken.slice(0, -6)}0badc0`;
      const relisted = await harness.target.fetchChanges(calendar, unknownToken);
      expect(byHref(relisted.changed)).toEqual(listed);
      // SOGo reads a token it never gave out as an older time and lists what was deleted since then.
      if (!traits.syncTokenInSeconds) expect(relisted.deleted).toEqual([]);
      else expect(relisted.deleted.filter((href) => listed.has(href))).toEqual([]);
      expect(relisted.complete).toBe(traits.rejectsUnknownSyncToken);
      expect(relisted.syncToken).toMatch(/\S/);
    });

    if (traits.refusesDuplicateUid) {
      it('a second object with a UID already in the calendar fails with CaldavConflictError (no-uid-conflict)', async () => {
        const calendar = await freshCalendar();
        const uid = `${randomUUID()}@test`;
        await harness.target.createObject(calendar, 'first.ics', renderTestEvent(uid));
        const error: unknown = await harness.target.createObject(calendar, 'second.ics', renderTestEvent(uid)).catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(CaldavConflictError);
        expect((error as CaldavConflictError).uidConflict).toBe(true);
        expect((await harness.target.listObjects(calendar)).length).toBe(1);
      });
    } else {
      it('a second object with a UID already in the calendar is stored (this server does not check)', async () => {
        const calendar = await freshCalendar();
        const uid = `${randomUUID()}@test`;
        await harness.target.createObject(calendar, 'first.ics', renderTestEvent(uid));
        await harness.target.createObject(calendar, 'second.ics', renderTestEvent(uid));
        expect((await harness.target.listObjects(calendar)).length).toBe(2);
      });
    }

    it('findObjectByUid finds the object of exactly that UID, not one whose UID merely contains it, and null for none', async () => {
      const calendar = await freshCalendar();
      const uid = `${randomUUID()}@test`;
      const { href } = await harness.target.createObject(calendar, 'exact.ics', renderTestEvent(uid));
      await harness.target.createObject(calendar, 'longer.ics', renderTestEvent(`${uid}.2`));
      await harness.target.createObject(calendar, 'prefixed.ics', renderTestEvent(`x${uid}`));
      const found = await harness.target.findObjectByUid(calendar, uid);
      expect(found?.href).toBe(href);
      expect(found?.data).toContain(`UID:${uid}`);
      expect(await harness.target.findObjectByUid(calendar, `${randomUUID()}@test`)).toBeNull();
    });

    if (traits.auth) {
      it('a wrong password fails with CaldavAuthError', async () => {
        const target = harness.createUnauthorisedTarget();
        const error: unknown = await target.ensureCalendar({ path: uniquePath('auth'), displayName: 'x' }).catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(CaldavAuthError);
        expect((error as Error).name).toBe('CaldavAuthError');
        expect((error as Error).message).toMatch(/CALDAV_USERNAME\/CALDAV_PASSWORD/);
      });
    }
  });
}
