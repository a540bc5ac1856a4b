import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { WRITE_METHODS, readCalendarEvents, syncOnce, useRadicaleSync } from '../support/sync-fixture.js';

/**
 * A touch in onOffice (modified moves, no field changes) is no change for anyone reading the calendar:
 * 600 touches must cost no CalDAV write, no new DTSTAMP and no new change_seq (which the feed cache and
 * its ETags are keyed on).
 */
describe('touches in onOffice', () => {
  const sync = useRadicaleSync({ count: 650, seed: 12, prefix: 'oos-touches-' });

  const readChangeSeq = (): number => {
    const db = new Database(sync.config.stateDb, { readonly: true });
    try {
      return db.prepare("SELECT value FROM counters WHERE name = 'change_seq'").pluck().get() as number;
    } finally {
      db.close();
    }
  };

  it('600 touches → 0 PUTs, the same DTSTAMPs and no new change_seq', async () => {
    const first = await syncOnce(sync.config);
    expect(first.summary.failed).toEqual([]);
    const stampsBefore = new Map((await readCalendarEvents(sync.config)).map(({ href, ics }) => [href, /^DTSTAMP:.*$/m.exec(ics)?.[0]]));
    const seqBefore = readChangeSeq();

    const touched = sync.emulator.data.list().slice(0, 600);
    for (const record of touched) sync.emulator.data.update(record.id, {});

    const second = await syncOnce(sync.config);
    expect(second.summary.poll.records).toBeGreaterThanOrEqual(600);
    expect(second.caldavRequests.filter((request) => WRITE_METHODS.has(request.method))).toEqual([]);
    expect(readChangeSeq()).toBe(seqBefore);
    const stampsAfter = new Map((await readCalendarEvents(sync.config)).map(({ href, ics }) => [href, /^DTSTAMP:.*$/m.exec(ics)?.[0]]));
    expect(stampsAfter).toEqual(stampsBefore);

    // A real change still goes out, with a new DTSTAMP.
    sync.emulator.data.update(touched[0]!.id, { description: 'geändert nach dem Antippen' });
    const third = await syncOnce(sync.config);
    expect(third.caldavRequests.filter((request) => request.method === 'PUT')).toHaveLength(1);
  }, 300_000);
});
