// Rendering time of 10,000 appointments: renderEventObjects for each, then renderCalendar for all.
// Runs against the compiled output: `npm run build && node bench/render-bench.mjs`
// (DIST_DIR points elsewhere, e.g. DIST_DIR=/tmp/oos-dist node bench/render-bench.mjs; a DIST_DIR outside
// the project needs a node_modules link next to it so the compiled files find their dependencies).
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const distDir = resolve(process.env.DIST_DIR ?? './dist');
const load = (path) => import(pathToFileURL(resolve(distDir, path)).href);
const { parseAppointment } = await load('onoffice/parse-appointment.js');
const { renderEventObjects } = await load('ical/render-event-objects.js');
const { renderCalendar } = await load('ical/render-calendar.js');

const zone = 'Europe/Berlin';
const count = Number(process.env.BENCH_COUNT ?? 10_000);
const pad = (value) => String(value).padStart(2, '0');

function record(id) {
  const day = new Date(Date.UTC(2025, 0, 1) + (id % 730) * 86_400_000);
  const date = `${day.getUTCFullYear()}-${pad(day.getUTCMonth() + 1)}-${pad(day.getUTCDate())}`;
  const hour = 7 + (id % 11);
  const recurring = id % 5 === 0;
  return {
    id,
    type: 'calendar',
    elements: {
      start_dt: `${date} ${pad(hour)}:30:00`,
      end_dt: `${date} ${pad(hour + 1)}:15:00`,
      description: `Besichtigung ${id}, Objekt ${id % 97}`,
      note: 'Schlüssel beim Hausmeister; Parkplatz hinten\nRückruf erbeten',
      ort: 'Charlottenburger Allee 200, 52064 Aachen, Deutschland',
      art: { Besichtigung: 'Besichtigung' },
      ressources: id % 3 === 0 ? ['Firmenwagen'] : [],
      erinnerung: '15 minutes',
      ganztags: id % 17 === 0,
      rp_flag: recurring,
      rp_type: recurring ? ['t', 'w', 'm', 'j'][id % 4] : '',
      rp_tage: recurring ? 1 + (id % 3) : 0,
      rp_ende_status: recurring ? (id % 2 === 0 ? '2' : '1') : '0',
      rp_ende_datum: recurring ? '2027-12-31' : '0000-00-00',
      rp_exception: recurring ? `#${date}` : [],
      status: 'active',
      private: id % 13 === 0 ? '1' : '0',
      allowTransitTime: id % 7 === 0,
      transitTimePre: '00:30:00',
      transitTimePost: '00:15:00',
      modified: '2025-06-01 12:00:00',
      users: [{ id: '53', username: 'A', firstName: 'onOffice', lastName: 'Tester', email: 'tester1@onoffice.de' }],
    },
  };
}

const appointments = [];
for (let id = 1; id <= count; id += 1) {
  const result = parseAppointment(record(id), zone);
  if (!result.ok) throw new Error(`bench record ${id} quarantined: ${result.reason}`);
  appointments.push(result.appointment);
}
const options = { zone, uidDomain: 'bench.example', recurrence: 'rrule', attendees: true, appointmentUrl: 'https://crm.example/{id}' };

let started = performance.now();
let bytes = 0;
for (const appointment of appointments) for (const object of renderEventObjects(appointment, options)) bytes += object.ics.length;
const objectsMs = performance.now() - started;

started = performance.now();
const calendar = renderCalendar(appointments, { ...options, name: 'Bench', refreshMinutes: 60 });
const calendarMs = performance.now() - started;

const line = (label, ms, extra) => console.log(`${label.padEnd(34)} ${ms.toFixed(0).padStart(7)} ms  ${(ms / count).toFixed(3)} ms/appointment  ${extra}`);
console.log(`render bench: ${count} appointments (zone ${zone}, dist ${distDir})`);
line('renderEventObjects (one each)', objectsMs, `${(bytes / 1024 / 1024).toFixed(1)} MiB`);
line('renderCalendar (all in one)', calendarMs, `${(calendar.length / 1024 / 1024).toFixed(1)} MiB`);
