import { describe, expect, it } from 'vitest';
import { runSync } from '../../src/app/run-sync.js';
import { createCaldavStateRepository } from '../../src/store/caldav-state-repository.js';
import { isSeedableUid, maySeedCalendar, seededFilename } from '../../src/push/plan-seed.js';
import { startMemorySync } from '../support/sync-fixture.js';
import { CaldavRequestError } from '../../src/caldav/caldav-errors.js';

const BASE = { enabled: true, twoWay: false, createdThisRun: true, supported: true, refused: false, knownObjects: 0, pendingWrites: 0 };

describe('maySeedCalendar', () => {
  it('seeds only an enabled, one-way, supported calendar made by this run, with nothing known or pending, never refused before', () => {
    expect(maySeedCalendar(BASE)).toBe(true);
    for (const change of [{ enabled: false }, { twoWay: true }, { createdThisRun: false }, { supported: false }, { refused: true }, { knownObjects: 1 }, { pendingWrites: 1 }]) {
      expect(maySeedCalendar({ ...BASE, ...change }), JSON.stringify(change)).toBe(false);
    }
  });

  it('takes only UIDs Radicale names <uid>.ics', () => {
    expect(isSeedableUid('onoffice-12@onoffice-sync')).toBe(true);
    expect(isSeedableUid('onoffice-12-20261224@example.com')).toBe(true);
    for (const uid of ['.hidden', 'a/b', 'a b', 'ä', 'x.ics', '']) expect(isSeedableUid(uid), uid).toBe(false);
    expect(seededFilename('a@b')).toBe('a@b.ics');
  });
});

describe('a push into an empty calendar (memory target with Radicale semantics)', () => {
  it('seeds it with one request, records every object at <uid>.ics, then updates in place', async () => {
    const { emulator, store, config, target, runtime, close } = await startMemorySync({ appointments: 60, seed: 21, prefix: 'oos-seed-', target: { collectionPut: 'accept' } });
    try {
      const first = await runSync(runtime);
      expect(first.targets[0]!.failed).toEqual([]);
      expect(target.requestCounts.seedCalendar).toBe(1);
      expect(target.requestCounts.createObject).toBe(0);
      const calendarUrl = 'http://calendar.memory.invalid/calendars/user/onoffice/';
      const objects = target.readObjects(calendarUrl);
      expect(objects.length).toBe(first.targets[0]!.created);
      const repository = createCaldavStateRepository(store.db);
      const key = `${config.caldav[0]!.name}:${config.caldav[0]!.calendar}`;
      const known = [...repository.iterateKnownInCalendar(key)];
      expect(known).toHaveLength(objects.length);
      for (const object of known) expect(object.href).toBe(`${calendarUrl}${encodeURIComponent(object.uid)}.ics`);
      // UIDs on the server are unique and each one is ours.
      const uids = objects.map((object) => /^UID:(.*)$/m.exec(object.data!)?.[1]?.trim());
      expect(new Set(uids).size).toBe(uids.length);
      expect(repository.listPendingOutbox(config.caldav[0]!.name)).toEqual([]);
      // The stored token is the one handed out after the seed: the next run reads changes from it, not everything.
      const row = repository.readCalendar(key)!;
      expect(row.syncToken).not.toBeNull();
      // The memory target has no confirmCalendar, so no getctag is read after the seed (Radicale's is, test/e2e/seed-radicale.test.ts).
      expect(row.ctag).toBeNull();

      const id = emulator.data.list().map((record) => record.id).sort((a, b) => a - b)[3]!;
      emulator.data.update(id, { description: 'Edited after the seed.' });
      const second = await runSync(runtime);
      expect(second.targets[0]).toMatchObject({ created: 0, updated: 1, deleted: 0, failed: [] });
      expect(target.requestCounts.seedCalendar).toBe(1);
      expect(target.readObjects(calendarUrl)).toHaveLength(objects.length);
      expect(target.readObjects(calendarUrl).filter((object) => object.data!.includes('Edited after the seed.'))).toHaveLength(1);
    } finally {
      await close();
    }
  });

  it('asks a server that refuses the collection PUT once, before holding back any create, and writes one create per object', async () => {
    const { runtime, target, store, config, close } = await startMemorySync({ appointments: 30, seed: 22, prefix: 'oos-seed-refused-', target: { collectionPut: 'refuse' } });
    try {
      const first = await runSync(runtime);
      expect(first.targets[0]!.failed).toEqual([]);
      expect(createCaldavStateRepository(store.db).listPendingOutbox(config.caldav[0]!.name)).toEqual([]);
      // The probe said no: no seed was built or sent, nothing was journalled for one.
      expect(target.requestCounts.acceptsSeed).toBe(1);
      expect(target.requestCounts.fetchSeedEtag).toBe(0);
      expect(target.requestCounts.seedCalendar).toBe(0);
      expect(target.requestCounts.createObject).toBe(first.targets[0]!.created);
      const objects = target.readObjects('http://calendar.memory.invalid/calendars/user/onoffice/');
      expect(objects).toHaveLength(first.targets[0]!.created);
      // Not asked again by this runtime, even for a calendar that would qualify.
      const second = await runSync(runtime, { full: true });
      expect(second.targets[0]!.failed).toEqual([]);
      expect(target.requestCounts.acceptsSeed).toBe(1);
    } finally {
      await close();
    }
  });

  it('falls back to one create per object when the seed itself is refused, and settles its journal rows', async () => {
    const { runtime, target, store, config, close } = await startMemorySync({ appointments: 30, seed: 25, prefix: 'oos-seed-refused-late-', target: { collectionPut: 'accept' } });
    try {
      target.setFault('seedCalendar', new CaldavRequestError({ method: 'PUT', url: 'http://calendar.memory.invalid/calendars/user/onoffice/', status: 413, detail: 'Payload Too Large' }));
      const first = await runSync(runtime);
      expect(first.targets[0]!.failed).toEqual([]);
      expect(createCaldavStateRepository(store.db).listPendingOutbox(config.caldav[0]!.name)).toEqual([]);
      expect(target.requestCounts.seedCalendar).toBe(1);
      expect(target.requestCounts.createObject).toBe(first.targets[0]!.created);
      expect(target.readObjects('http://calendar.memory.invalid/calendars/user/onoffice/')).toHaveLength(first.targets[0]!.created);
    } finally {
      await close();
    }
  });

  it('leaves a calendar that someone filled after we made it to the per-object path (the ETag is read with the member list)', async () => {
    const calendarUrl = 'http://calendar.memory.invalid/calendars/user/onoffice/';
    const foreign = 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:someone-else\r\nDTSTART:20260101T100000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n';
    let put = false;
    const { runtime, target, close } = await startMemorySync({
      appointments: 20,
      seed: 23,
      prefix: 'oos-seed-busy-',
      target: {
        collectionPut: 'accept',
        // Another client writes into the calendar between our MKCALENDAR and the seed's check.
        onOperation: (operation) => {
          if (operation !== 'fetchSeedEtag' || put) return;
          put = true;
          target.putObjectBehindBack(`${calendarUrl}someone-else.ics`, foreign);
        },
      },
    });
    try {
      const first = await runSync(runtime);
      expect(first.targets[0]!.failed).toEqual([]);
      expect(target.requestCounts.fetchSeedEtag).toBe(1);
      expect(target.requestCounts.seedCalendar).toBe(0);
      const objects = target.readObjects(calendarUrl);
      expect(objects.map((object) => object.href)).toContain(`${calendarUrl}someone-else.ics`);
      expect(objects).toHaveLength(first.targets[0]!.created + 1);
    } finally {
      await close();
    }
  });

  it('never seeds a calendar it did not make, even an empty one (its properties are not ours to drop)', async () => {
    const { runtime, target, close } = await startMemorySync({ appointments: 20, seed: 24, prefix: 'oos-seed-theirs-', target: { collectionPut: 'accept' } });
    try {
      const calendar = await target.ensureCalendar({ path: 'onoffice', displayName: 'Made by the user' });
      const first = await runSync(runtime);
      expect(first.targets[0]!.failed).toEqual([]);
      expect(target.requestCounts.fetchSeedEtag).toBe(0);
      expect(target.requestCounts.seedCalendar).toBe(0);
      expect(target.requestCounts.createObject).toBe(first.targets[0]!.created);
      expect(target.readObjects(calendar.url)).toHaveLength(first.targets[0]!.created);
    } finally {
      await close();
    }
  });
});
