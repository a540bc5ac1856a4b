import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCaldavTarget } from '../../src/caldav/caldav-target.js';
import type { Config } from '../../src/config/config-schema.js';
import { EMULATOR_USERS } from '../../src/emulator/emulator-users.js';
import { planUserCalendarPath, planUserRoutes } from '../../src/push/resolve-user-routes.js';
import { startRadicale, type RestartableServer } from '../support/caldav-servers.js';
import { createTempDir, createTestConfig, startEmulator, syncOnce } from '../support/sync-fixture.js';
import type { Emulator } from '../../src/emulator/start-emulator.js';

let radicale: RestartableServer;
let emulator: Emulator;
let temp: { dir: string; remove(): void };

const ANNA = 53;
const BERND = 55;
const THEO = 17;

function configFor(departedUsers: 'keep' | 'remove'): Config {
  return createTestConfig({
    emulator,
    caldavUrl: radicale.url,
    username: radicale.username,
    password: radicale.password,
    stateDb: join(temp.dir, 'state.db'),
    extra: { routing: 'per-user', autoRoutes: true, departedUsers },
  });
}

let day = 1;
/** An appointment for these users; returns its id. */
function addAppointment(userIds: number[]): number {
  const date = `2026-12-${String(day++).padStart(2, '0')}`;
  return emulator.data.insert({ description: `Termin für ${userIds.join('+') || 'niemand'}`, start_dt: `${date} 10:00:00`, end_dt: `${date} 11:00:00`, user_ids: userIds });
}

/** The ONOFFICE ids in each calendar of the CalDAV home, by display name. */
async function readCalendars(): Promise<Map<string, number[]>> {
  const target = createCaldavTarget({ url: radicale.url, username: radicale.username, password: radicale.password });
  const result = new Map<string, number[]>();
  for (const user of EMULATOR_USERS) {
    const { calendar } = await target.findCalendar({ path: planUserCalendarPath({ id: user.id, username: user.username }), displayName: '' });
    if (!calendar) continue;
    const listed = await target.listObjects(calendar);
    const objects = await target.fetchObjects(calendar, listed.map((object) => object.href));
    const ids = objects.map((object) => Number(/^UID:onoffice-(\d+)@/m.exec(object.data ?? '')?.[1]));
    result.set(calendar.displayName, ids.sort((a, b) => a - b));
  }
  return result;
}

beforeAll(async () => {
  radicale = await startRadicale({ auth: true });
  emulator = await startEmulator({ appointments: 0 });
  temp = createTempDir('oos-per-user-');
  // Only Anna and Bernd work at the agency at first.
  for (const user of EMULATOR_USERS) if (user.id !== ANNA && user.id !== BERND) emulator.data.departedUserIds.add(user.id);
}, 60_000);

afterAll(async () => {
  await emulator?.close();
  await radicale?.stop();
  temp?.remove();
});

describe('routing: per-user with autoRoutes against Radicale', () => {
  it('makes a calendar per active user holding exactly their appointments, picks up a new user, and leaves a departed one alone unless told', async () => {
    const anna = [addAppointment([ANNA]), addAppointment([ANNA])];
    const bernd = [addAppointment([BERND])];
    const both = addAppointment([ANNA, BERND]);
    const theo = addAppointment([THEO]);
    addAppointment([]);

    const first = await syncOnce(configFor('keep'));
    expect(first.summary.failed).toEqual([]);
    expect(await readCalendars()).toEqual(
      new Map([
        ['onOffice – Anna Schmidt', [...anna, both]],
        ['onOffice – Bernd Müller', [...bernd, both]],
      ]),
    );

    // Theo joins: the next run gives him a calendar with his appointment, nobody else's changes.
    emulator.data.departedUserIds.delete(THEO);
    const annaLater = addAppointment([ANNA]);
    expect((await syncOnce(configFor('keep'))).summary.failed).toEqual([]);
    expect(await readCalendars()).toEqual(
      new Map([
        ['onOffice – Anna Schmidt', [...anna, both, annaLater]],
        ['onOffice – Bernd Müller', [...bernd, both]],
        ['onOffice – Theo Test', [theo]],
      ]),
    );

    // Bernd leaves: his calendar keeps what it holds and stays in step with his appointments.
    emulator.data.departedUserIds.add(BERND);
    const berndLater = addAppointment([BERND]);
    const afterLeaving = await syncOnce(configFor('keep'));
    expect(afterLeaving.caldavRequests.filter((request) => request.method === 'DELETE')).toEqual([]);
    expect((await readCalendars()).get('onOffice – Bernd Müller')).toEqual([...bernd, both, berndLater]);

    // Told to remove departed users' calendars' events: emptied, the others untouched.
    expect((await syncOnce(configFor('remove'))).summary.failed).toEqual([]);
    expect(await readCalendars()).toEqual(
      new Map([
        ['onOffice – Anna Schmidt', [...anna, both, annaLater]],
        ['onOffice – Bernd Müller', []],
        ['onOffice – Theo Test', [theo]],
      ]),
    );
  }, 120_000);
});

describe('planUserRoutes', () => {
  const user = (id: number, username: string, firstname = '', lastname = '') => ({ id, username, firstname, lastname, email: '' });
  const now = new Date('2026-12-01T10:00:00Z');

  it('names calendars after the user, skips users with a configured route, and keeps a calendar through a rename', () => {
    const routes = planUserRoutes({ routes: [{ user: 'bmueller', calendar: 'bernd' }] }, [user(53, 'a.Schmidt', 'Anna', 'Schmidt'), user(55, 'bmueller'), user(19, 'jköhler', 'Jörg', '')], [], now);
    expect(routes).toEqual([
      { userId: 19, username: 'jköhler', calendar: 'onoffice-jkohler', displayName: 'onOffice – Jörg', departedAt: null },
      { userId: 53, username: 'a.Schmidt', calendar: 'onoffice-a-schmidt', displayName: 'onOffice – Anna Schmidt', departedAt: null },
    ]);
    const renamed = planUserRoutes({ routes: [] }, [user(53, 'aberger', 'Anna', 'Berger')], routes, now);
    expect(renamed.find((route) => route.userId === 53)).toMatchObject({ calendar: 'onoffice-a-schmidt', departedAt: null });
    expect(renamed.find((route) => route.userId === 19)).toMatchObject({ departedAt: now.toISOString() });
  });

  it('gives a second user with the same calendar path the id as suffix', () => {
    const routes = planUserRoutes({ routes: [] }, [user(1, 'anna'), user(2, 'Anna')], [], now);
    expect(routes.map((route) => route.calendar)).toEqual(['onoffice-anna', 'onoffice-anna-2']);
  });
});
