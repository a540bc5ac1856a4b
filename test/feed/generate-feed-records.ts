import { DateTime } from 'luxon';
import { createSeededRandom } from '../../src/emulator/create-seeded-random.js';
import type { AppointmentRecord } from '../../src/domain/appointment-record.js';

export const FEED_ZONE = 'Europe/Berlin';
export const ARTS = ['Besichtigung', 'Notartermin', 'Kundenbesuch', 'Telefonat'];
const USERS = [
  { id: '53', username: 'A', firstName: 'Anna', lastName: 'Tester', email: 'a@example.com' },
  { id: '55', username: 'B', firstName: 'Bernd', lastName: 'Müller', email: 'b@example.com' },
  { id: '57', username: 'C', firstName: 'Clara', lastName: 'Weiß', email: 'c@example.com' },
];

const format = (date: DateTime): string => date.toFormat('yyyy-MM-dd HH:mm:ss');

/**
 * Records shaped like the read-calendar docs: singles, all-day, series of every frequency with ends and
 * exceptions, private and cancelled ones, text that needs escaping. Spread from `around` − 400 days to
 * + 500 days so a feed window cuts some off on both sides.
 */
export function generateFeedRecords(count: number, around: DateTime, seed = 7): AppointmentRecord[] {
  const random = createSeededRandom(seed);
  const records: AppointmentRecord[] = [];
  for (let i = 0; i < count; i++) {
    const id = 1000 + i;
    const allDay = random.chance(0.1);
    const day = around.setZone(FEED_ZONE).startOf('day').plus({ days: random.integer(-400, 500) });
    const start = allDay ? day : day.set({ hour: random.integer(7, 19), minute: random.pick([0, 15, 30, 45]) });
    const end = allDay ? day.plus({ days: random.integer(0, 2) }).set({ hour: 23, minute: 59, second: 59 }) : start.plus({ minutes: random.pick([15, 30, 60, 90]) });
    const series = random.chance(0.08);
    const rpType = random.pick(['t', 'w', 'm', 'j']);
    const until = random.chance(0.5) ? start.plus({ days: random.integer(20, 300) }) : null;
    const exceptionDay = rpType === 't' ? start.plus({ days: 2 }) : rpType === 'w' ? start.plus({ weeks: 1 }) : start.plus({ months: 1 });
    const users = random.chance(0.9) ? [random.pick(USERS)] : [];
    const art = random.pick(ARTS);
    records.push({
      id,
      type: 'calendar',
      elements: {
        start_dt: format(start),
        end_dt: format(end),
        description: `Termin ${id}: ${art}, Haus; am See`,
        note: random.chance(0.5) ? `Notiz zu ${id}\nzweite Zeile, mit Komma; und Semikolon` : '',
        ort: random.chance(0.7) ? `Beisenweg ${i % 90}, 54646 Bettingen` : '',
        art: { [art]: art },
        fuer: users.map((u) => `${u.lastName}, ${u.firstName} (${u.username})`),
        groups: random.chance(0.1) ? [7] : [],
        emails: Object.fromEntries(users.map((u) => [u.username, u.email])),
        user_ids: users.map((u) => Number(u.id)),
        ressources: random.chance(0.2) ? ['Konferenzraum'] : [],
        ressourcesWithKeys: {},
        erinnerung: random.pick(['', '15 minutes', '1 hours', '1 days']),
        ganztags: allDay,
        rp_flag: series,
        abgesagt: random.chance(0.05),
        status: 'active',
        assignedaddressids: [],
        assignedobjectids: [],
        rp_type: series ? rpType : '',
        rp_tage: series ? random.integer(1, 3) : 0,
        rp_beginn_datum: series ? start.toISODate()! : '0000-00-00',
        rp_ende_datum: series && until ? until.toISODate()! : '0000-00-00',
        rp_ende_status: series ? (until ? '1' : '2') : '0',
        allowTransitTime: false,
        transitTime: null,
        transitTimePre: '00:00:00',
        transitTimePost: '00:00:00',
        rp_exception: series && random.chance(0.5) ? [exceptionDay.toISODate()!] : [],
        ProjektNr: null,
        von: 'robert',
        private: random.chance(0.1) ? '1' : '0',
        modified: format(around.toUTC().minus({ days: random.integer(1, 600), seconds: random.integer(0, 86_399) })),
        users,
      },
    });
  }
  return records;
}
