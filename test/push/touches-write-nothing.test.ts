import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/config-schema.js';
import { generateAppointments } from '../../src/emulator/generate-appointments.js';
import type { Emulator } from '../../src/emulator/start-emulator.js';
import { startRadicale, type RunningAuthServer } from '../support/caldav-servers.js';
import { WRITE_METHODS, createTempDir, createTestConfig, readCalendarEvents, startEmulator, syncOnce } from '../support/sync-fixture.js';

/**
 * A touch in onOffice (modified moves, no field changes) is no change for anyone reading the calendar:
 * 600 touches must cost no CalDAV write, no new DTSTAMP and no new change_seq (which the feed cache and
 * its ETags are keyed on).
 */
describe('touches in onOffice', () => {
  let radicale: RunningAuthServer;
  let emulator: Emulator;
  let temp: ReturnType<typeof createTempDir>;
  let config: Config;

  beforeAll(async () => {
    radicale = await startRadicale();
    emulator = await startEmulator({ port: 0 });
    emulator.data.insertMany(generateAppointments({ count: 650, seed: 12 }));
    temp = createTempDir('oos-touches-');
    config = createTestConfig({ emulator, caldavUrl: radicale.url, username: radicale.username, password: radicale.password, stateDb: `${temp.dir}/state.db` });
  });

  afterAll(async () => {
    await emulator?.close();
    await radicale?.stop();
    temp?.remove();
  });

  const readChangeSeq = (): number => {
    const db = new Database(config.stateDb, { readonly: true });
    try {
      return db.prepare("SELECT value FROM counters WHERE name = 'change_seq'").pluck().get() as number;
    } finally {
      db.close();
    }
  };

  it('600 touches → 0 PUTs, the same DTSTAMPs and no new change_seq', async () => {
    const first = await syncOnce(config);
    expect(first.summary.failed).toEqual([]);
    const stampsBefore = new Map((await readCalendarEvents(config)).map(({ href, ics }) => [href, /^DTSTAMP:.*$/m.exec(ics)?.[0]]));
    const seqBefore = readChangeSeq();

    const touched = emulator.data.list().slice(0, 600);
    for (const record of touched) emulator.data.update(record.id, {});

    const second = await syncOnce(config);
    expect(second.summary.poll.records).toBeGreaterThanOrEqual(600);
    expect(second.caldavRequests.filter((request) => WRITE_METHODS.has(request.method))).toEqual([]);
    expect(readChangeSeq()).toBe(seqBefore);
    const stampsAfter = new Map((await readCalendarEvents(config)).map(({ href, ics }) => [href, /^DTSTAMP:.*$/m.exec(ics)?.[0]]));
    expect(stampsAfter).toEqual(stampsBefore);

    // A real change still goes out, with a new DTSTAMP.
    emulator.data.update(touched[0]!.id, { description: 'geändert nach dem Antippen' });
    const third = await syncOnce(config);
    expect(third.caldavRequests.filter((request) => request.method === 'PUT')).toHaveLength(1);
  }, 300_000);
});
