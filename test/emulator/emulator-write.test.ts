import { afterAll, beforeEach, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/start-emulator.js';
import { ACTION, readCalendar, send, sendOne, type TestAction } from './signed-request.js';

const create = (parameters: Record<string, unknown>): TestAction => ({ actionid: ACTION.create, resourcetype: 'calendar', parameters });
const modify = (id: number | string, parameters: Record<string, unknown>): TestAction => ({ actionid: ACTION.modify, resourcetype: 'calendar', resourceid: id, parameters });
const remove = (id: number | string, resourcetype = 'calendar'): TestAction => ({ actionid: ACTION.delete, resourcetype, resourceid: id, parameters: {} });
const utc = (ms: number): string => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
const base = { start_dt: '2026-09-01 10:00:00', end_dt: '2026-09-01 11:00:00' };

describe('emulator writes: create, modify, delete, appointment confirmation, get users', () => {
  let emulator: Emulator;
  let clock = Date.UTC(2026, 7, 1, 8, 0, 0);

  beforeAll(async () => {
    emulator = await startEmulator({ now: () => clock });
  });
  afterAll(() => emulator.close());
  /** The emulator runs on a fake clock, so requests are signed with that clock's time. */
  const at = () => ({ timestamp: Math.floor(clock / 1000) });
  const one = (action: TestAction) => sendOne(emulator, action, at());
  beforeEach(() => {
    clock += 60_000;
  });

  async function createOne(parameters: Record<string, unknown>): Promise<number> {
    const result = await one(create(parameters));
    expect(result.status).toEqual({ errorcode: 0, message: 'OK' });
    const id = result.data.records[0]?.id;
    if (id === undefined) throw new Error('no id');
    return id;
  }

  it('creates an appointment and answers like the create docs', async () => {
    const result = await one(
      create({
        data: {
          ...base,
          description: 'Besichtigungstermin 🏠',
          art: 'Besichtigung',
          ganztags: false,
          note: 'Notiz, mit; Zeichen\\\nzweite Zeile',
          private: true,
          erinnerung: '15 minutes',
          origin: true,
          ressources: ['Konferenzraum', 'Firmenfahrzeug'],
          allowTransitTime: true,
          transitTimePre: '00:30:00',
          transitTimePost: '00:15:00',
        },
        relatedAddressIds: [1935, 1931],
        relatedEstateId: 608,
        location: { sonstiges: 'Testr.1, 52062 Aachen' },
        subscribers: { users: [55], groups: [231] },
        reminderTypes: ['email', 'popup'],
      }),
    );
    expect(result).toMatchObject({ cacheable: false, resourcetype: 'calendar', data: { meta: { cntabsolute: null } } });
    const record = result.data.records[0];
    expect(record).toMatchObject({ type: 'calendar', elements: [] });
    const stored = emulator.data.get(record?.id ?? 0);
    expect(stored?.elements).toMatchObject({
      ...base,
      description: 'Besichtigungstermin 🏠',
      art: { Besichtigung: 'Besichtigung' },
      note: 'Notiz, mit; Zeichen\\\nzweite Zeile',
      private: '1',
      erinnerung: '15 minutes',
      ort: 'Testr.1, 52062 Aachen',
      ressources: ['Konferenzraum', 'Firmenfahrzeug'],
      ressourcesWithKeys: { Konferenzraum: 'Konferenzraum', Firmenfahrzeug: 'Firmenfahrzeug' },
      assignedaddressids: [1935, 1931],
      assignedobjectids: [608],
      user_ids: [55, 19, 21, 25],
      groups: [231],
      users: [{ id: '55', username: 'bmueller', firstName: 'Bernd', lastName: 'Müller', email: 'bernd.mueller@emulator.invalid' }],
      fuer: ['Müller, Bernd (bmueller)'],
      allowTransitTime: true,
      transitTimePre: '00:30:00',
      von: 'aschmidt',
      status: 'active',
      abgesagt: false,
      rp_flag: false,
      rp_ende_status: '0',
      modified: utc(clock),
    });
    expect(emulator.data.extrasOf(record?.id ?? 0)).toMatchObject({ origin: true, reminderTypes: ['email', 'popup'] });
    const read = await one(readCalendar({}, String(record?.id)));
    expect(read.data.records[0]?.elements.description).toBe('Besichtigungstermin 🏠');
  });

  it('creates a recurring series, storing the #-separated exceptions as an array', async () => {
    const id = await createOne({
      data: { ...base, rp_flag: true, rp_type: 'w', rp_tage: 2, rp_ende_status: 1, rp_ende_datum: '2026-12-01', rp_exception: '#2026-09-29#2026-09-15' },
    });
    expect(emulator.data.get(id)?.elements).toMatchObject({
      rp_flag: true,
      rp_type: 'w',
      rp_tage: 2,
      rp_beginn_datum: '2026-09-01',
      rp_ende_datum: '2026-12-01',
      rp_ende_status: '1',
      rp_exception: ['2026-09-15', '2026-09-29'],
    });
    const open = await createOne({ data: { ...base, rp_flag: true, rp_type: 'j', rp_tage: 1, rp_ende_status: '2' } });
    expect(emulator.data.get(open)?.elements).toMatchObject({ rp_ende_status: '2', rp_ende_datum: '0000-00-00', rp_exception: [] });
  });

  it('validates mandatory times and the rp_* ranges', async () => {
    const invalid = async (parameters: Record<string, unknown>): Promise<string> => {
      const result = await one(create(parameters));
      expect(result.status.errorcode, JSON.stringify(parameters)).toBe(32);
      return result.status.message;
    };
    expect(await invalid({ data: { end_dt: base.end_dt } })).toMatch(/start_dt is mandatory/);
    expect(await invalid({ data: { start_dt: base.start_dt } })).toMatch(/end_dt is mandatory/);
    expect(await invalid({ data: { start_dt: '2026-09-01', end_dt: base.end_dt } })).toMatch(/start_dt/);
    expect(await invalid({ data: { start_dt: base.end_dt, end_dt: base.start_dt } })).toMatch(/before/);
    const series = { ...base, rp_flag: true, rp_type: 't', rp_tage: 1, rp_ende_status: 2 };
    expect(await invalid({ data: { ...series, rp_tage: 0 } })).toMatch(/rp_tage/);
    expect(await invalid({ data: { ...series, rp_tage: 1000 } })).toMatch(/rp_tage/);
    expect(await invalid({ data: { ...series, rp_type: 'x' } })).toMatch(/rp_type/);
    expect(await invalid({ data: { ...series, rp_type: undefined } })).toMatch(/rp_type/);
    expect(await invalid({ data: { ...series, rp_ende_status: 1 } })).toMatch(/rp_ende_datum/);
    expect(await invalid({ data: { ...series, rp_exception: '2026-09-02' } })).toMatch(/rp_exception/);
    expect(await invalid({ data: { ...series, rp_exception: ['2026-09-02'] } })).toMatch(/rp_exception/);
    expect(await invalid({ data: { ...base, erinnerung: '10 minutes' } })).toMatch(/erinnerung/);
    expect(await invalid({ data: { ...base, ort: 'Aachen' } })).toMatch(/no field "ort"/);
    expect(await invalid({ data: base, subscribers: { users: [4242] } })).toMatch(/no user/);
    expect(await invalid({ data: base, reminderTypes: ['email'] })).toMatch(/erinnerung/);
    expect(emulator.data.list().every((record) => record.elements.start_dt !== '')).toBe(true);
  });

  it('modifies an appointment, bumps modified and answers 169 for an unknown id', async () => {
    const id = await createOne({ data: { ...base, description: 'Alt', art: 'Besichtigung' }, subscribers: { users: [53] } });
    const before = emulator.data.get(id)?.elements.modified;
    clock += 5_000;
    const result = await one(modify(id, { data: { description: 'Neu', start_dt: '2026-09-01 10:30:00', art: '' }, location: { 'keine Angaben': '' } }));
    expect(result.status.errorcode).toBe(0);
    expect(result.resourceid).toBe(String(id));
    const after = emulator.data.get(id)?.elements;
    expect(after).toMatchObject({ description: 'Neu', start_dt: '2026-09-01 10:30:00', end_dt: base.end_dt, art: [], ort: '', user_ids: [53] });
    expect(after?.modified).not.toBe(before);
    expect(after?.modified).toBe(utc(clock));
    expect((await one(modify(999_999, { data: { description: 'x' } }))).status.errorcode).toBe(169);
    expect((await one(modify(id, { data: { end_dt: '2026-08-01 00:00:00' } }))).status.errorcode).toBe(32);
  });

  it('cancels and reactivates through abgesagt and status, status winning', async () => {
    const id = await createOne({ data: base });
    await one(modify(id, { data: { abgesagt: true } }));
    expect(emulator.data.get(id)?.elements).toMatchObject({ abgesagt: true, status: 'canceled' });
    await one(modify(id, { data: { abgesagt: false } }));
    expect(emulator.data.get(id)?.elements).toMatchObject({ abgesagt: false, status: 'active' });
    await one(modify(id, { data: { abgesagt: true, status: 'completed' } }));
    expect(emulator.data.get(id)?.elements).toMatchObject({ abgesagt: false, status: 'completed' });
  });

  it('replaces or adds address links on modify, and turns a series into a single appointment', async () => {
    const id = await createOne({ data: { ...base, rp_flag: true, rp_type: 't', rp_tage: 1, rp_ende_status: 2, rp_exception: '#2026-09-03' }, relatedAddressIds: [1] });
    await one(modify(id, { relatedAddressIds: [2] }));
    expect(emulator.data.get(id)?.elements.assignedaddressids).toEqual([1, 2]);
    await one(modify(id, { relatedAddressIds: [3], replaceAddressIds: true }));
    expect(emulator.data.get(id)?.elements.assignedaddressids).toEqual([3]);
    await one(modify(id, { data: { rp_exception: '#2026-09-04#2026-09-05' } }));
    expect(emulator.data.get(id)?.elements.rp_exception).toEqual(['2026-09-04', '2026-09-05']);
    await one(modify(id, { data: { rp_flag: false } }));
    expect(emulator.data.get(id)?.elements).toMatchObject({ rp_flag: false, rp_type: '', rp_tage: 0, rp_ende_status: '0', rp_exception: [] });
  });

  it('deletes for good (resourcetype calendar or appointments); a second delete answers 169', async () => {
    const first = await createOne({ data: base });
    const second = await createOne({ data: base });
    const answer = await send(emulator, [remove(first), remove(second, 'appointments')], at());
    expect(answer.status.errorcode).toBe(0);
    expect(answer.response.results[0]?.data.records[0]?.elements).toEqual({ success: 'success' });
    expect(emulator.data.get(first)).toBeUndefined();
    expect(emulator.data.get(second)).toBeUndefined();
    expect((await one(readCalendar({}, String(first)))).status.errorcode).toBe(169);
    expect((await one(remove(first))).status.errorcode).toBe(169);
  });

  it('records appointment confirmations and checks calendarId', async () => {
    const id = await createOne({ data: base });
    const sendConfirmation = (parameters: Record<string, unknown>) =>
      one({ actionid: ACTION.do, resourcetype: 'appointmentAffirmation', parameters });
    const result = await sendConfirmation({ calendarId: id });
    expect(result.status.errorcode).toBe(0);
    expect(result.cacheable).toBe(false);
    expect(emulator.data.confirmations.at(-1)).toMatchObject({ calendarId: id, useDefaultMailAccount: false });
    await sendConfirmation({ calendarId: String(id), useDefaultMailAccount: true });
    expect(emulator.data.confirmations.at(-1)).toMatchObject({ calendarId: id, useDefaultMailAccount: true });
    const count = emulator.data.confirmations.length;
    expect((await sendConfirmation({})).status.errorcode).toBe(32);
    expect((await sendConfirmation({ calendarId: 987_654 })).status.errorcode).toBe(169);
    expect(emulator.data.confirmations).toHaveLength(count);
  });

  it('lists users like the get-users docs, with the documented filters', async () => {
    const all = await one({ actionid: ACTION.get, resourcetype: 'users' });
    expect(all.data.records).toHaveLength(6);
    expect(all.data.records[0]).toEqual({
      id: 53,
      type: null,
      elements: { id: 53, username: 'aschmidt', firstname: 'Anna', lastname: 'Schmidt', email: 'anna.schmidt@emulator.invalid', meetingurl: '' },
    });
    const own = await one({ actionid: ACTION.get, resourcetype: 'users', parameters: { userfilter: 'onlyOwn' } });
    expect(own.data.records.map((record) => record.id)).toEqual([53]);
    const group = await one({ actionid: ACTION.get, resourcetype: 'users', parameters: { userfilter: 'byGroupId', groupId: 231 } });
    expect(group.data.records.map((record) => record.id)).toEqual([19, 21, 25]);
    const groups = await one({ actionid: ACTION.get, resourcetype: 'groups' });
    expect(groups.data.records.map((record) => record.elements.userIds)).toEqual([[53, 55, 17], [19, 21, 25]]);
  });
});
