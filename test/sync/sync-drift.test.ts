import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCaldavTarget } from '../../src/caldav/caldav-target.js';
import type { Config } from '../../src/config/config-schema.js';
import type { Emulator } from '../../src/emulator/start-emulator.js';
import { startRadicale, type RunningAuthServer } from '../support/caldav-servers.js';
import { compareEvent, createTempDir, createTestConfig, readCalendarEvents, readEmulatorAppointments, startEmulator, syncOnce } from '../support/sync-fixture.js';

/** A person (or an admin) changes the calendar behind the daemon's back; onOffice's version comes back. */
describe('drift on Radicale', () => {
  let radicale: RunningAuthServer;
  let emulator: Emulator;
  let temp: ReturnType<typeof createTempDir>;
  let config: Config;

  const expectExact = async (): Promise<void> => {
    const expected = readEmulatorAppointments(emulator).filter((appointment) => !appointment.cancelled);
    const events = await readCalendarEvents(config);
    expect(events.map(({ event }) => String(event['ONOFFICE-ID'])).sort()).toEqual(expected.map((appointment) => String(appointment.id)).sort());
    const byId = new Map(expected.map((appointment) => [String(appointment.id), appointment]));
    expect(events.flatMap(({ event }) => compareEvent(event, byId.get(String(event['ONOFFICE-ID']))!))).toEqual([]);
  };

  beforeAll(async () => {
    radicale = await startRadicale();
    emulator = await startEmulator({ port: 0, appointments: 30, seed: 21 });
    temp = createTempDir('oos-drift-');
    config = createTestConfig({ emulator, caldavUrl: radicale.url, username: radicale.username, password: radicale.password, stateDb: `${temp.dir}/state.db` });
    await syncOnce(config);
  });

  afterAll(async () => {
    await emulator?.close();
    await radicale?.stop();
    temp?.remove();
  });

  it('restores an event deleted and one edited on the phone', async () => {
    const [first, second] = await readCalendarEvents(config);
    const auth = `Basic ${Buffer.from(`${radicale.username}:${radicale.password}`).toString('base64')}`;
    expect((await fetch(first!.href, { method: 'DELETE', headers: { authorization: auth } })).status).toBeLessThan(300);
    const edited = second!.ics.replace(/^SUMMARY:.*$/m, 'SUMMARY:Auf dem Handy geändert');
    expect((await fetch(second!.href, { method: 'PUT', headers: { authorization: auth, 'content-type': 'text/calendar' }, body: edited })).status).toBeLessThan(300);

    const { summary } = await syncOnce(config);
    expect(summary.targets[0]).toMatchObject({ created: 1, updated: 1, driftRepaired: 2 });
    await expectExact();
    expect((await readCalendarEvents(config)).some(({ event }) => String(event.summary) === 'Auf dem Handy geändert')).toBe(false);
  });

  it('re-creates the whole calendar when it was deleted on the server', async () => {
    const target = createCaldavTarget({ url: radicale.url, username: radicale.username, password: radicale.password });
    const { calendar } = await target.findCalendar({ path: 'onoffice', displayName: 'onOffice' });
    const auth = `Basic ${Buffer.from(`${radicale.username}:${radicale.password}`).toString('base64')}`;
    expect((await fetch(calendar!.url, { method: 'DELETE', headers: { authorization: auth } })).status).toBeLessThan(300);

    const { summary } = await syncOnce(config);
    expect(summary.failed).toEqual([]);
    await expectExact();
  });
});
