import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemoryCalendarTarget, type MemoryCalendarTarget } from '../../src/caldav/memory-calendar-target.js';
import { parseConfig } from '../../src/config/load-config.js';
import type { Config } from '../../src/config/config-schema.js';
import type { Emulator } from '../../src/emulator/start-emulator.js';
import { createSilentLogger } from '../../src/log/create-logger.js';
import { createOnOfficeClient } from '../../src/onoffice/onoffice-client.js';
import { openStateStore } from '../../src/store/open-state-store.js';
import { createTwoWayRepository, readTwoWayStatus } from '../../src/store/two-way-repository.js';
import { runSync, type SyncOptions } from '../../src/app/run-sync.js';
import { createTempDir, startEmulator } from '../support/sync-fixture.js';
import { createAnswerLosingFetch, renderPhoneEvent } from './two-way-fixture.js';

/**
 * Policies that need many variations, against the in-memory calendar (same contract as Radicale, see
 * test/caldav/) and the emulator over HTTP: cancel instead of delete, newest wins, the mass-delete guard,
 * and confirmations left pending by a killed run.
 */
describe('two-way policies', () => {
  let emulator: Emulator;
  let temp: ReturnType<typeof createTempDir>;
  let calendar: MemoryCalendarTarget;
  const home = 'http://calendar.memory.invalid/calendars/user/';
  const calendarUrl = `${home}onoffice/`;

  const configWith = (extra: Record<string, unknown>): Config =>
    parseConfig({
      timezone: 'Europe/Berlin',
      stateDb: `${temp.dir}/state.db`,
      logLevel: 'silent',
      onoffice: { url: emulator.url, token: emulator.token, secret: emulator.secret, retries: 1 },
      poll: { lagSeconds: 0, horizonPastDays: 365 },
      caldav: [{ name: 'phone', url: home, twoWay: true, userId: 53, ...extra }],
    });

  const sync = async (config: Config, options: SyncOptions & { onofficeFetch?: typeof fetch } = {}) => {
    const store = openStateStore(config.stateDb);
    const client = createOnOfficeClient({ url: emulator.url, token: emulator.token, secret: emulator.secret, retries: 0, fetch: options.onofficeFetch });
    try {
      return await runSync({ config, logger: createSilentLogger(), store, client, targets: [{ config: config.caldav[0]!, target: calendar }], now: () => new Date() }, options);
    } finally {
      store.close();
    }
  };

  const putPhoneEvent = (name: string, uid: string, summary: string, stamp?: string): string =>
    calendar.putObjectBehindBack(
      `${calendarUrl}${name}`,
      renderPhoneEvent(uid, ['DTSTART;TZID=Europe/Berlin:20270115T100000', 'DTEND;TZID=Europe/Berlin:20270115T110000', `SUMMARY:${summary}`], stamp),
    );

  beforeEach(async () => {
    emulator = await startEmulator({ port: 0 });
    temp = createTempDir('oos-two-way-policies-');
    calendar = createMemoryCalendarTarget({ homeUrl: home });
  });

  afterEach(async () => {
    await emulator.close();
    temp.remove();
  });

  it('cancels instead of deleting, and does not put the cancelled appointment back (cancelled: keep)', async () => {
    const config = configWith({ deleteAction: 'cancel', cancelled: 'keep' });
    await sync(config);
    putPhoneEvent('a.ics', 'a@phone', 'Termin A');
    await sync(config);
    const id = emulator.data.list()[0]!.id;
    await sync(config);
    calendar.deleteObjectBehindBack(`${calendarUrl}a.ics`);
    const summary = await sync(config);
    expect(summary.twoWay[0]).toMatchObject({ deleted: 1 });
    expect(emulator.data.get(id)!.elements).toMatchObject({ status: 'canceled', abgesagt: true });
    await sync(config);
    await sync(config, { full: true });
    expect(calendar.readObjects(calendarUrl)).toEqual([]);
  });

  it('keeps a person’s event that the target’s filters leave out, and shows it to them in full', async () => {
    const config = configWith({ arts: ['Besichtigung'], defaultArt: 'Termin', private: 'busy-only' });
    await sync(config);
    calendar.putObjectBehindBack(
      `${calendarUrl}p.ics`,
      renderPhoneEvent('p@phone', ['DTSTART;TZID=Europe/Berlin:20270115T100000', 'DTEND;TZID=Europe/Berlin:20270115T110000', 'SUMMARY:Zahnarzt', 'CLASS:PRIVATE']),
    );
    await sync(config);
    expect(emulator.data.list()[0]!.elements).toMatchObject({ art: { Termin: 'Termin' }, private: '1', description: 'Zahnarzt' });
    await sync(config);
    await sync(config, { full: true });
    const objects = calendar.readObjects(calendarUrl);
    expect(objects).toHaveLength(1);
    expect(objects[0]!.data).toContain('SUMMARY:Zahnarzt');
    expect(emulator.data.size).toBe(1);
  });

  it('does not take a touch without a change (an acknowledged alarm) for an edit, even under caldav-wins', async () => {
    const config = configWith({ conflictPolicy: 'caldav-wins' });
    await sync(config);
    const id = emulator.data.insert({ start_dt: '2027-01-20 09:00:00', end_dt: '2027-01-20 10:00:00', description: 'Aus onOffice', user_ids: [53] });
    await sync(config);
    const [object] = calendar.readObjects(calendarUrl);
    emulator.data.update(id, { description: 'Aus onOffice, geändert' });
    calendar.putObjectBehindBack(object!.href, object!.data!.replace('END:VEVENT', 'X-MOZ-LASTACK:20261121T100000Z\r\nEND:VEVENT'));
    const summary = await sync(config);
    expect(summary.twoWay[0]).toMatchObject({ conflicts: 0, updated: 0 });
    expect(emulator.data.get(id)!.elements.description).toBe('Aus onOffice, geändert');
    expect(calendar.readObjects(calendarUrl)[0]!.data).toContain('SUMMARY:Aus onOffice\\, geändert');
  });

  it('lets the newer side win under newest', async () => {
    const config = configWith({ conflictPolicy: 'newest' });
    await sync(config);
    putPhoneEvent('b.ics', 'b@phone', 'Termin B');
    await sync(config);
    await sync(config);
    const id = emulator.data.list()[0]!.id;

    // The calendar's edit carries an older LAST-MODIFIED than onOffice's change: onOffice wins.
    emulator.data.update(id, { description: 'B aus onOffice' });
    putPhoneEvent('b.ics', 'b@phone', 'B vom Telefon (alt)', '20200101T000000Z');
    const older = await sync(config);
    expect(older.twoWay[0]!.conflicts).toBe(1);
    expect(emulator.data.get(id)!.elements.description).toBe('B aus onOffice');
    expect(calendar.readObjects(calendarUrl)[0]!.data).toContain('SUMMARY:B aus onOffice');

    // Now the calendar's edit is newer than onOffice's `modified`: the calendar wins.
    emulator.data.update(id, { description: 'B aus onOffice 2' });
    putPhoneEvent('b.ics', 'b@phone', 'B vom Telefon (neu)', '20300101T000000Z');
    const newer = await sync(config);
    expect(newer.twoWay[0]!.conflicts).toBe(1);
    expect(emulator.data.get(id)!.elements.description).toBe('B vom Telefon (neu)');
  });

  it('stops before deleting in onOffice when a calendar loses most of its events at once', async () => {
    const config = configWith({});
    await sync(config);
    for (let i = 0; i < 5; i += 1) putPhoneEvent(`m${i}.ics`, `m${i}@phone`, `Termin ${i}`);
    await sync(config);
    await sync(config);
    expect(emulator.data.size).toBe(5);
    for (let i = 0; i < 5; i += 1) calendar.deleteObjectBehindBack(`${calendarUrl}m${i}.ics`);
    await expect(sync(config)).rejects.toMatchObject({ name: 'PullMassDeleteError', wouldDelete: 5 });
    expect(emulator.data.size).toBe(5);
    const forced = await sync(config, { forceDelete: true });
    expect(forced.twoWay[0]).toMatchObject({ deleted: 5 });
    expect(emulator.data.size).toBe(0);
  });

  it('removes what a create of unknown outcome made when the event is deleted before the next run', async () => {
    const config = configWith({});
    await sync(config);
    putPhoneEvent('e.ics', 'e@phone', 'Termin E');
    const lost = await sync(config, { onofficeFetch: createAnswerLosingFetch('create') });
    expect(lost.failed.map((item) => item.action)).toEqual(['create']);
    expect(emulator.data.size).toBe(1);
    calendar.deleteObjectBehindBack(`${calendarUrl}e.ics`);
    const settled = await sync(config);
    expect(settled.twoWay[0]).toMatchObject({ deleted: 1, created: 0 });
    expect(emulator.data.size).toBe(0);
    await sync(config);
    expect(emulator.data.size).toBe(0);
    expect(calendar.readObjects(calendarUrl)).toEqual([]);
  });

  it('reports a confirmation a killed run left pending and never sends it again', async () => {
    const config = configWith({ confirm: true });
    await sync(config);
    putPhoneEvent('c.ics', 'c@phone', 'Termin C');
    await sync(config);
    expect(emulator.data.confirmations).toHaveLength(1);
    putPhoneEvent('d.ics', 'd@phone', 'Termin D');
    // A run killed between "about to send" and the answer leaves the row pending.
    const store = openStateStore(config.stateDb);
    const repository = createTwoWayRepository(store.db);
    repository.beginCreation({ source: 'phone:onoffice', uid: 'killed@phone', recurrenceId: '', marker: 'm', href: null, write: { data: {} } });
    repository.completeCreation('phone:onoffice', 'killed@phone', '', 999);
    repository.setConfirmation('phone:onoffice', 'killed@phone', '', 'pending');
    store.close();
    emulator.log.reset();
    await sync(config);
    expect(emulator.log.count('do:appointmentAffirmation')).toBe(1);
    const check = openStateStore(config.stateDb);
    const status = readTwoWayStatus(check.db);
    check.close();
    expect(status.unknownConfirmations).toEqual([expect.objectContaining({ uid: 'killed@phone', appointmentId: 999 })]);
    expect(status.reports.filter((report) => report.kind === 'confirmation')).toHaveLength(1);
  });
});
