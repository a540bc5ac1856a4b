import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/config-schema.js';
import type { Emulator } from '../../src/emulator/start-emulator.js';
import { startRadicale, type RunningAuthServer } from '../support/caldav-servers.js';
import { createTempDir, createTestConfig, startEmulator } from '../support/sync-fixture.js';
import { countOnOfficeWrites, createAnswerLosingFetch, openCalendar, readStatusOf, renderPhoneEvent, syncWith } from './two-way-fixture.js';

/**
 * The way back against a real Radicale and the emulator over HTTP: a person's events become onOffice
 * appointments once, edits and deletions go both ways, conflicts follow the policy, and nothing loops.
 */
describe('two-way calendar on Radicale', () => {
  let radicale: RunningAuthServer;
  let emulator: Emulator;
  let temp: ReturnType<typeof createTempDir>;
  let config: Config;
  let phone: Awaited<ReturnType<typeof openCalendar>>;
  const uid = '7F1C2A9E-4B6D-4C1E-9A51-PHONE@example.com';
  const seriesLines = [
    'DTSTART;TZID=Europe/Berlin:20270105T093000',
    'DTEND;TZID=Europe/Berlin:20270105T103000',
    'RRULE:FREQ=WEEKLY;UNTIL=20270223T083000Z',
    'EXDATE;TZID=Europe/Berlin:20270119T093000',
    'SUMMARY:Besichtigung Musterstraße',
    'DESCRIPTION:Schlüssel beim Nachbarn',
    'LOCATION:Musterstraße 1\\, 52062 Aachen',
    'BEGIN:VALARM',
    'ACTION:DISPLAY',
    'TRIGGER:-PT15M',
    'DESCRIPTION:Reminder',
    'END:VALARM',
  ];

  const configWith = (extra: Record<string, unknown>): Config =>
    createTestConfig({
      emulator,
      caldavUrl: radicale.url,
      username: radicale.username,
      password: radicale.password,
      stateDb: `${temp.dir}/state.db`,
      extra: { twoWay: true, userId: 53, defaultArt: 'Termin', confirm: true, ...extra },
    });

  const appointmentFor = (eventUid: string) => {
    const objects = readObjects();
    return objects.then((list) => list.find((object) => object.data.includes(`UID:${eventUid}`)));
  };
  const readObjects = () => phone.list();

  beforeAll(async () => {
    radicale = await startRadicale();
    emulator = await startEmulator({ port: 0 });
    temp = createTempDir('oos-two-way-');
    config = configWith({});
    phone = await openCalendar(config);
    const first = await syncWith(config);
    expect(first.summary.failed).toEqual([]);
  }, 60_000);

  afterAll(async () => {
    await emulator?.close();
    await radicale?.stop();
    temp?.remove();
  });

  it('creates one appointment for a new phone event, confirms it once, and does not duplicate it', async () => {
    await phone.put('phone-series.ics', renderPhoneEvent(uid, seriesLines));
    const created = await syncWith(config);
    expect(created.summary.failed).toEqual([]);
    expect(created.summary.twoWay[0]).toMatchObject({ created: 1, conflicts: 0 });

    const records = emulator.data.list();
    expect(records).toHaveLength(1);
    const record = records[0]!;
    expect(record.elements).toMatchObject({
      start_dt: '2027-01-05 09:30:00',
      end_dt: '2027-01-05 10:30:00',
      description: 'Besichtigung Musterstraße',
      note: 'Schlüssel beim Nachbarn',
      ort: 'Musterstraße 1, 52062 Aachen',
      ganztags: false,
      art: { Termin: 'Termin' },
      erinnerung: '15 minutes',
      rp_flag: true,
      rp_type: 'w',
      rp_tage: 1,
      rp_ende_status: '1',
      rp_ende_datum: '2027-02-23',
      rp_exception: ['2027-01-19'],
      user_ids: [53],
    });
    expect(emulator.data.extrasOf(record.id)?.location).toEqual({ sonstiges: 'Musterstraße 1, 52062 Aachen' });
    expect(emulator.data.confirmations.map((confirmation) => confirmation.calendarId)).toEqual([record.id]);

    emulator.log.reset();
    const echo = await syncWith(config);
    expect(echo.summary.failed).toEqual([]);
    expect(emulator.data.list()).toHaveLength(1);
    expect(countOnOfficeWrites(emulator)).toEqual({ 'create:calendar': 0, 'modify:calendar': 0, 'delete:calendar': 0, 'do:appointmentAffirmation': 0 });
    expect(echo.caldavWrites).toEqual([]);
    const objects = await readObjects();
    expect(objects).toHaveLength(1);
    expect(objects[0]!.href).toMatch(/phone-series\.ics$/);
    expect(emulator.data.confirmations).toHaveLength(1);
  }, 60_000);

  it('carries a phone edit to onOffice as a modify of only what changed, without echo writes', async () => {
    const id = emulator.data.list()[0]!.id;
    const edited = seriesLines.map((line) =>
      line.startsWith('SUMMARY') ? 'SUMMARY:Besichtigung Musterstraße (verschoben)' : line.startsWith('DTEND') ? 'DTEND;TZID=Europe/Berlin:20270105T110000' : line,
    );
    await phone.put('phone-series.ics', renderPhoneEvent(uid, edited, '20261121T090000Z'));
    emulator.log.reset();
    const run = await syncWith(config);
    expect(run.summary.twoWay[0]).toMatchObject({ updated: 1, conflicts: 0 });
    expect(countOnOfficeWrites(emulator)['modify:calendar']).toBe(1);
    const modify = emulator.log.received.find((action) => action.actionid.endsWith(':modify'))!;
    expect(Object.keys((modify.parameters as { data: object }).data).sort()).toEqual(['description', 'end_dt', 'ganztags', 'start_dt']);
    expect(run.caldavWrites).toEqual([]);
    expect(emulator.data.get(id)!.elements).toMatchObject({ description: 'Besichtigung Musterstraße (verschoben)', end_dt: '2027-01-05 11:00:00', note: 'Schlüssel beim Nachbarn' });

    emulator.log.reset();
    const echo = await syncWith(config);
    expect(echo.caldavWrites).toEqual([]);
    expect(countOnOfficeWrites(emulator)['modify:calendar']).toBe(0);
  }, 60_000);

  it('carries an onOffice edit into the phone’s event, keeping its UID and href', async () => {
    const id = emulator.data.list()[0]!.id;
    emulator.data.update(id, { note: 'Schlüssel im Büro' });
    const run = await syncWith(config);
    expect(run.summary.targets[0]).toMatchObject({ updated: 1, created: 0, deleted: 0 });
    const object = await appointmentFor(uid);
    expect(object?.href).toMatch(/phone-series\.ics$/);
    expect(object?.data).toContain('DESCRIPTION:Schlüssel im Büro');
    expect(object?.data).toContain('SUMMARY:Besichtigung Musterstraße (verschoben)');
    expect(await readObjects()).toHaveLength(1);
  }, 60_000);

  it('makes no write on either side in ten runs without changes', async () => {
    emulator.log.reset();
    for (let run = 0; run < 10; run += 1) {
      const { summary, caldavWrites } = await syncWith(config);
      expect(summary.failed).toEqual([]);
      expect(caldavWrites).toEqual([]);
    }
    expect(countOnOfficeWrites(emulator)).toEqual({ 'create:calendar': 0, 'modify:calendar': 0, 'delete:calendar': 0, 'do:appointmentAffirmation': 0 });
    expect(emulator.data.confirmations).toHaveLength(1);
  }, 90_000);

  it('resolves a conflict by onoffice-wins: the calendar gets onOffice’s version, onOffice is not written', async () => {
    const id = emulator.data.list()[0]!.id;
    emulator.data.update(id, { description: 'Besichtigung (onOffice)' });
    const current = (await appointmentFor(uid))!;
    await phone.put('phone-series.ics', current.data.replace(/SUMMARY:[^\r\n]*/, 'SUMMARY:Besichtigung (Telefon)'));
    emulator.log.reset();
    const run = await syncWith(config);
    expect(run.summary.twoWay[0]!.conflicts).toBe(1);
    expect(countOnOfficeWrites(emulator)['modify:calendar']).toBe(0);
    expect(emulator.data.get(id)!.elements.description).toBe('Besichtigung (onOffice)');
    expect((await appointmentFor(uid))!.data).toContain('SUMMARY:Besichtigung (onOffice)');
    expect(readStatusOf(config).reports.some((report) => report.kind === 'conflict' && report.appointmentId === id)).toBe(true);
  }, 60_000);

  it('resolves a conflict by caldav-wins: onOffice gets the calendar’s version', async () => {
    config = configWith({ conflictPolicy: 'caldav-wins' });
    const id = emulator.data.list()[0]!.id;
    emulator.data.update(id, { description: 'Besichtigung (onOffice 2)' });
    const current = (await appointmentFor(uid))!;
    await phone.put('phone-series.ics', current.data.replace(/SUMMARY:[^\r\n]*/, 'SUMMARY:Besichtigung (Telefon 2)'));
    const run = await syncWith(config);
    expect(run.summary.twoWay[0]!.conflicts).toBe(1);
    expect(emulator.data.get(id)!.elements.description).toBe('Besichtigung (Telefon 2)');
    expect((await appointmentFor(uid))!.data).toContain('SUMMARY:Besichtigung (Telefon 2)');
    emulator.log.reset();
    const settled = await syncWith(config);
    expect(settled.caldavWrites).toEqual([]);
    expect(countOnOfficeWrites(emulator)['modify:calendar']).toBe(0);
    expect((await appointmentFor(uid))!.data).toContain('SUMMARY:Besichtigung (Telefon 2)');
  }, 60_000);

  it('edits and deletes appointments that came from onOffice, both ways', async () => {
    const fromOnOffice = emulator.data.insert({ start_dt: '2027-02-02 14:00:00', end_dt: '2027-02-02 15:00:00', description: 'Notartermin', user_ids: [53] });
    const other = emulator.data.insert({ start_dt: '2027-02-03 14:00:00', end_dt: '2027-02-03 15:00:00', description: 'Übergabe', user_ids: [53] });
    await syncWith(config);
    const objects = await readObjects();
    const notary = objects.find((object) => object.data.includes(`UID:onoffice-${fromOnOffice}@`))!;
    // The push wrote onOffice's appointment to the calendar, as onOffice holds it.
    expect(notary?.data).toContain('SUMMARY:Notartermin');

    await phone.put(decodeURIComponent(notary.href.slice(notary.href.lastIndexOf('/') + 1)), notary.data.replace('SUMMARY:Notartermin', 'SUMMARY:Notartermin mit Käufer'));
    const edited = await syncWith(config);
    expect(edited.summary.twoWay[0]).toMatchObject({ updated: 1 });
    expect(emulator.data.get(fromOnOffice)!.elements.description).toBe('Notartermin mit Käufer');
    const echo = await syncWith(config);
    expect(echo.caldavWrites).toEqual([]);

    await phone.remove(decodeURIComponent(notary.href.slice(notary.href.lastIndexOf('/') + 1)));
    const deleted = await syncWith(config);
    expect(deleted.summary.twoWay[0]).toMatchObject({ deleted: 1 });
    expect(emulator.data.has(fromOnOffice)).toBe(false);

    emulator.data.remove(other);
    // Two appointments in the horizon: one vanishing is over the mass-delete threshold, so force it.
    const reconciled = await syncWith(config, { full: true, forceDelete: true });
    expect(reconciled.summary.targets[0]!.deleted).toBe(1);
    const left = await readObjects();
    expect(left.some((object) => object.data.includes(`onoffice-${other}@`))).toBe(false);
    expect(left.some((object) => object.data.includes(`onoffice-${fromOnOffice}@`))).toBe(false);
    expect(left).toHaveLength(1);

    emulator.log.reset();
    const quiet = await syncWith(config);
    expect(quiet.caldavWrites).toEqual([]);
    expect(countOnOfficeWrites(emulator)).toEqual({ 'create:calendar': 0, 'modify:calendar': 0, 'delete:calendar': 0, 'do:appointmentAffirmation': 0 });
  }, 90_000);

  it('creates exactly once when the create’s answer is lost, and removes the appointment when the phone deletes the event', async () => {
    const lostUid = 'LOST-ANSWER-1@example.com';
    await phone.put('lost.ics', renderPhoneEvent(lostUid, ['DTSTART;TZID=Europe/Berlin:20270210T080000', 'DTEND;TZID=Europe/Berlin:20270210T083000', 'SUMMARY:Rückruf Interessent']));
    const before = emulator.data.size;
    const lost = await syncWith(config, { onofficeFetch: createAnswerLosingFetch('create') });
    expect(lost.summary.failed.map((item) => item.action)).toEqual(['create']);
    expect(emulator.data.size).toBe(before + 1);
    expect(readStatusOf(config).pendingCreates).toBe(1);

    const recovered = await syncWith(config);
    expect(recovered.summary.failed).toEqual([]);
    expect(recovered.summary.twoWay[0]).toMatchObject({ created: 0, recovered: 1 });
    expect(emulator.data.size).toBe(before + 1);
    expect(readStatusOf(config).pendingCreates).toBe(0);
    const id = emulator.data.list().find((record) => record.elements.description === 'Rückruf Interessent')!.id;
    expect(emulator.data.confirmations.filter((confirmation) => confirmation.calendarId === id)).toHaveLength(1);

    await syncWith(config);
    expect((await readObjects()).filter((object) => object.data.includes(lostUid))).toHaveLength(1);
    await phone.remove('lost.ics');
    await syncWith(config);
    expect(emulator.data.has(id)).toBe(false);
    expect(emulator.data.size).toBe(before);
  }, 90_000);
});
