import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/start-emulator.js';
import type { EmulatorElements } from '../../src/emulator/emulator-database.js';
import { readCalendar, sendOne } from './signed-request.js';

type Seed = Partial<EmulatorElements> & { modified: string };

/** A small, hand-made table: each read below names the ids it expects. */
const SEEDS: Seed[] = [
  // 1: Anna (53), viewing, in June
  { start_dt: '2026-06-10 10:00:00', end_dt: '2026-06-10 11:00:00', description: 'Besichtigung Hof', note: 'Code 12, Tor 3', von: 'aschmidt', art: { Besichtigung: 'Besichtigung' }, user_ids: [53], modified: '2026-05-01 08:00:00' },
  // 2: Bernd (55), notary, spans 30 Jun → 2 Jul
  { start_dt: '2026-06-30 22:00:00', end_dt: '2026-07-02 09:00:00', description: 'Notartermin', von: 'bmueller', art: { Notartermin: 'Notartermin' }, user_ids: [55], modified: '2026-05-02 09:30:00' },
  // 3: Jörg (19, group Köln), cancelled
  { start_dt: '2026-07-05 09:00:00', end_dt: '2026-07-05 09:30:00', description: 'Telefonat', von: 'jkoehler', abgesagt: true, status: 'canceled', user_ids: [19], modified: '2026-05-03 10:00:00' },
  // 4: nobody, completed, recurring weekly from May (later occurrences fall into June, the record does not)
  { start_dt: '2026-05-04 08:00:00', end_dt: '2026-05-04 08:30:00', description: 'Jour fixe', von: 'aschmidt', status: 'completed', rp_flag: true, rp_type: 'w', rp_tage: 1, rp_beginn_datum: '2026-05-04', rp_ende_status: '2', user_ids: [], modified: '2026-05-04 11:00:00' },
  // 5: Lena (21) and Paul (25), no type, umlaut note
  { start_dt: '2026-06-15 00:00:00', end_dt: '2026-06-15 23:59:59', ganztags: true, description: 'Übergabe', note: 'Schlüssel; Müller', von: 'lweiss', user_ids: [21, 25], modified: '2026-05-05 12:00:00' },
  // 6: Theo (17, group Aachen), in August
  { start_dt: '2026-08-01 14:00:00', end_dt: '2026-08-01 15:00:00', description: 'Bewertung', von: 'theotest', art: { Bewertung: 'Bewertung' }, user_ids: [17], modified: '2026-05-05 12:00:00' },
];

const ids = (records: Array<{ id: number }>): number[] => records.map((record) => record.id).sort((a, b) => a - b);

describe('emulator read calendar', () => {
  let emulator: Emulator;

  beforeAll(async () => {
    emulator = await startEmulator();
    for (const seed of SEEDS) emulator.data.insert(seed);
  });
  afterAll(() => emulator.close());

  const read = (parameters: Record<string, unknown>) => sendOne(emulator, readCalendar(parameters));

  it('reads one appointment by resource id, with every documented field', async () => {
    const result = await sendOne(emulator, readCalendar({}, '1'));
    expect(result.status.errorcode).toBe(0);
    expect(result.data.meta.cntabsolute).toBe(1);
    const record = result.data.records[0];
    expect(record).toMatchObject({ id: 1, type: 'calendar' });
    expect(Object.keys(record?.elements ?? {}).sort()).toEqual(
      [
        'start_dt', 'end_dt', 'description', 'note', 'ort', 'art', 'fuer', 'groups', 'emails', 'user_ids', 'ressources',
        'ressourcesWithKeys', 'erinnerung', 'ganztags', 'rp_flag', 'abgesagt', 'status', 'assignedaddressids',
        'assignedobjectids', 'rp_type', 'rp_tage', 'rp_beginn_datum', 'rp_ende_datum', 'rp_ende_status', 'allowTransitTime',
        'transitTime', 'transitTimePre', 'transitTimePost', 'rp_exception', 'ProjektNr', 'von', 'private', 'modified', 'users',
      ].sort(),
    );
    expect(record?.elements).toMatchObject({
      art: { Besichtigung: 'Besichtigung' },
      users: [{ id: '53', username: 'aschmidt', firstName: 'Anna', lastName: 'Schmidt', email: 'anna.schmidt@emulator.invalid' }],
      fuer: ['Schmidt, Anna (aschmidt)'],
      emails: { aschmidt: 'anna.schmidt@emulator.invalid' },
      rp_ende_status: '0',
      rp_beginn_datum: '0000-00-00',
      private: '0',
      ganztags: false,
    });
  });

  it('reads a cancelled appointment by id too, and answers 169 for an unknown id', async () => {
    expect((await sendOne(emulator, readCalendar({}, '3'))).data.records[0]?.elements.abgesagt).toBe(true);
    const missing = await sendOne(emulator, readCalendar({}, '4711'));
    expect(missing.status).toEqual({ errorcode: 169, message: 'appointment not found: 4711' });
    expect(missing.data.records).toEqual([]);
  });

  it('reads a period by overlapping dates, ignoring the time part, ordered by start', async () => {
    const june = await read({ datestart: '2026-06-01 13:00:00', dateend: '2026-06-30 01:00:00', allusers: true });
    expect(june.data.records.map((record) => record.id)).toEqual([1, 5, 2]);
    expect(june.data.meta.cntabsolute).toBe(3);
    const july = await read({ datestart: '2026-07-01', dateend: '2026-07-31', allusers: true });
    expect(ids(july.data.records)).toEqual([2]);
  });

  it('matches a recurring series by its own start_dt/end_dt, not by later occurrences', async () => {
    const may = await read({ datestart: '2026-05-04', dateend: '2026-05-04', allusers: true });
    expect(ids(may.data.records)).toEqual([4]);
    const june = await read({ datestart: '2026-06-01', dateend: '2026-06-30', allusers: true });
    expect(ids(june.data.records)).not.toContain(4);
  });

  it('reads by modified window (UTC, both ends inclusive, each end alone)', async () => {
    expect(ids((await read({ modifiedstart: '2026-05-02 09:30:00', modifiedend: '2026-05-04 11:00:00', allusers: true })).data.records)).toEqual([2, 4]);
    expect(ids((await read({ modifiedstart: '2026-05-04 11:00:00', allusers: true })).data.records)).toEqual([4, 5, 6]);
    expect(ids((await read({ modifiedend: '2026-05-01 08:00:00', allusers: true })).data.records)).toEqual([1]);
    expect(ids((await read({ modifiedstart: '2026-05-05', modifiedend: '2026-05-05', allusers: true })).data.records)).toEqual([5, 6]);
  });

  it('ignores the modified window when datestart and dateend are given', async () => {
    const result = await read({ datestart: '2026-08-01', dateend: '2026-08-01', modifiedstart: '2030-01-01 00:00:00', allusers: true });
    expect(ids(result.data.records)).toEqual([6]);
  });

  it('reads everything without period or window, leaving out cancelled ones unless showcancelled', async () => {
    expect(ids((await read({ allusers: true })).data.records)).toEqual([1, 2, 4, 5, 6]);
    expect(ids((await read({ allusers: true, showcancelled: true })).data.records)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(ids((await read({ allusers: true, showcancelled: false })).data.records)).toEqual([1, 2, 4, 5, 6]);
  });

  it('selects by users, by groups, by allusers and by default the API user and his groups', async () => {
    const all = { showcancelled: true };
    expect(ids((await read({ ...all, users: [55] })).data.records)).toEqual([2]);
    expect(ids((await read({ ...all, users: [55, 21] })).data.records)).toEqual([2, 5]);
    // Köln: 19, 21, 25
    expect(ids((await read({ ...all, groups: [231] })).data.records)).toEqual([3, 5]);
    expect(ids((await read({ ...all, users: [17], groups: [231] })).data.records)).toEqual([3, 5, 6]);
    // allusers wins over users and is the only way to get appointment 4 (no participants)
    expect(ids((await read({ ...all, users: [55], allusers: true })).data.records)).toEqual([1, 2, 3, 4, 5, 6]);
    // Default: Anna (53) and her group Aachen (53, 55, 17)
    expect(ids((await read(all)).data.records)).toEqual([1, 2, 6]);
    // users apply with a period as documented, and with a modified window too
    expect(ids((await read({ ...all, users: [55], datestart: '2026-06-01', dateend: '2026-08-31' })).data.records)).toEqual([2]);
    expect(ids((await read({ ...all, users: [17], modifiedstart: '2026-05-01 00:00:00' })).data.records)).toEqual([6]);
  });

  const period = { datestart: '2026-01-01', dateend: '2026-12-31', allusers: true, showcancelled: true };
  const filtered = async (filter: Record<string, unknown>) => {
    const result = await read({ ...period, filter });
    expect(result.status).toEqual({ errorcode: 0, message: 'OK' });
    return ids(result.data.records);
  };

  it('filters with is/= and != / <> (case-insensitive operators and text)', async () => {
    expect(await filtered({ art: [{ op: '=', val: 'Notartermin' }] })).toEqual([2]);
    expect(await filtered({ art: [{ op: 'IS', val: 'notartermin' }] })).toEqual([2]);
    expect(await filtered({ von: [{ op: '!=', val: 'aschmidt' }] })).toEqual([2, 3, 5, 6]);
    expect(await filtered({ von: [{ op: '<>', val: 'aschmidt' }] })).toEqual([2, 3, 5, 6]);
    expect(await filtered({ rp_flag: [{ op: '=', val: true }] })).toEqual([4]);
    expect(await filtered({ rp_flag: [{ op: '=', val: 0 }] })).toEqual([1, 2, 3, 5, 6]);
    expect(await filtered({ erledigt: [{ op: '=', val: 1 }] })).toEqual([4]);
  });

  it('filters start_dt/end_dt with >, <, >=, <= by comparing the wall-time strings', async () => {
    expect(await filtered({ start_dt: [{ op: '>', val: '2026-06-30 22:00:00' }] })).toEqual([3, 6]);
    expect(await filtered({ start_dt: [{ op: '>=', val: '2026-06-30 22:00:00' }] })).toEqual([2, 3, 6]);
    expect(await filtered({ end_dt: [{ op: '<', val: '2026-06-10 11:00:00' }] })).toEqual([4]);
    expect(await filtered({ end_dt: [{ op: '<=', val: '2026-06-10 11:00:00' }] })).toEqual([1, 4]);
  });

  it('filters with between, like, not like, in and not in, combining expressions with AND', async () => {
    expect(await filtered({ start_dt: [{ op: 'between', val: ['2026-06-01 00:00:00', '2026-07-05 09:00:00'] }] })).toEqual([1, 2, 3, 5]);
    expect(await filtered({ description: [{ op: 'like', val: 'Besicht%' }] })).toEqual([1]);
    expect(await filtered({ note: [{ op: 'like', val: '%, tor%' }] })).toEqual([1]);
    expect(await filtered({ description: [{ op: 'NOT LIKE', val: '%A%' }] })).toEqual([1, 4, 6]);
    expect(await filtered({ art: [{ op: 'IN', val: ['Besichtigung', 'Notartermin'] }] })).toEqual([1, 2]);
    expect(await filtered({ art: [{ op: 'not in', val: ['Besichtigung', 'Notartermin'] }] })).toEqual([3, 4, 5, 6]);
    expect(
      await filtered({
        art: [{ op: 'in', val: ['Besichtigung', 'Notartermin', 'Bewertung'] }],
        start_dt: [{ op: '<', val: '2026-08-01' }, { op: '>', val: '2026-06-01' }],
      }),
    ).toEqual([1, 2]);
  });

  it('answers 241 for a filter with neither a period nor a modified window, and 32 for an unknown field or operator', async () => {
    const noPeriod = await read({ allusers: true, filter: { art: [{ op: '=', val: 'Notartermin' }] } });
    expect(noPeriod.status.errorcode).toBe(241);
    // Beside a modified window the filter narrows it (the docs restrict only modifiedstart/-end beside a period).
    const modifiedSince = { allusers: true, showcancelled: true, modifiedstart: '2026-01-01 00:00:00' };
    const withModified = await read({ ...modifiedSince, filter: { art: [{ op: '=', val: 'Notartermin' }] } });
    expect(withModified.status.errorcode).toBe(0);
    expect(ids((await read(modifiedSince)).data.records).length).toBeGreaterThan(1);
    expect(ids(withModified.data.records)).toEqual([2]);
    expect((await read({ ...period, filter: { ort: [{ op: '=', val: 'x' }] } })).status.errorcode).toBe(32);
    expect((await read({ ...period, filter: { art: [{ op: '~', val: 'x' }] } })).status.errorcode).toBe(32);
    expect((await read({ ...period, filter: { art: [{ op: 'between', val: 'x' }] } })).status.errorcode).toBe(32);
  });

  it('rejects half a period and undocumented parameters', async () => {
    expect((await read({ datestart: '2026-01-01', allusers: true })).status.errorcode).toBe(32);
    expect((await read({ listlimit: 10, allusers: true })).status.errorcode).toBe(32);
  });
});

describe('emulator read calendar: the 500 cap', () => {
  let emulator: Emulator;
  let sorted: Emulator;
  const COUNT = 1200;
  const fill = (target: Emulator): void => {
    for (let i = 0; i < COUNT; i += 1) {
      const day = String(1 + (i % 28)).padStart(2, '0');
      target.data.insert({ start_dt: `2026-03-${day} 10:00:00`, end_dt: `2026-03-${day} 11:00:00`, description: `Termin ${i}`, user_ids: [53] }, { modified: '2026-02-01 00:00:00' });
    }
  };

  beforeAll(async () => {
    emulator = await startEmulator({ seed: 7 });
    sorted = await startEmulator({ capMode: 'sorted' });
    fill(emulator);
    fill(sorted);
  });
  afterAll(async () => {
    await emulator.close();
    await sorted.close();
  });

  it('returns exactly 500 with cntabsolute 500, not the first 500 by id or by start', async () => {
    const result = await sendOne(emulator, readCalendar({ allusers: true }));
    expect(result.data.meta.cntabsolute).toBe(500);
    expect(result.data.records).toHaveLength(500);
    const returned = result.data.records.map((record) => record.id);
    expect(new Set(returned).size).toBe(500);
    const firstByIds = Array.from({ length: 500 }, (_, index) => index + 1);
    expect(ids(result.data.records)).not.toEqual(firstByIds);
    expect(returned).not.toEqual([...returned].sort((a, b) => a - b));
    expect(Math.max(...returned)).toBeGreaterThan(1000);
  });

  it('picks a different selection on the next request', async () => {
    const first = ids((await sendOne(emulator, readCalendar({ allusers: true }))).data.records);
    const second = ids((await sendOne(emulator, readCalendar({ allusers: true }))).data.records);
    expect(first).not.toEqual(second);
  });

  it('returns everything below the cap with cntabsolute = count', async () => {
    const result = await sendOne(emulator, readCalendar({ allusers: true, datestart: '2026-03-01', dateend: '2026-03-05' }));
    expect(result.data.meta.cntabsolute).toBe(result.data.records.length);
    expect(result.data.records.length).toBeGreaterThan(200);
    expect(result.data.records.length).toBeLessThanOrEqual(500);
  });

  it('in capMode sorted returns the first 500 by id', async () => {
    const result = await sendOne(sorted, readCalendar({ allusers: true }));
    expect(result.data.meta.cntabsolute).toBe(500);
    expect(result.data.records.map((record) => record.id)).toEqual(Array.from({ length: 500 }, (_, index) => index + 1));
  });
});
