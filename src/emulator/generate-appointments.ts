import { DateTime } from 'luxon';
import { createSeededRandom, type SeededRandom } from './create-seeded-random.js';
import { describeUsers, formatUtcTimestamp, type EmulatorElements } from './emulator-database.js';
import { EMULATOR_GROUPS, EMULATOR_USERS, type EmulatorUser } from './emulator-users.js';

/**
 * Seeded test data shaped like onOffice's read answers. The same options always give the same list.
 *
 * Record shapes chosen where the docs show none:
 * - All-day (ganztags true): start_dt 'D 00:00:00', end_dt 'LAST_DAY 23:59:59' (LAST_DAY inclusive).
 * - A recurring series: rp_flag true, rp_type t/w/m/j, rp_tage 1..3, rp_beginn_datum = the start date,
 *   either rp_ende_status "1" with rp_ende_datum = the date of its last occurrence, or "2" (open) with
 *   rp_ende_datum '0000-00-00'. rp_exception holds dates that are real occurrences of the series.
 *   Monthly and yearly series start on day 1..28 so every occurrence exists.
 * - DST: some appointments run across the switch (01:30–03:30 local on the spring and autumn change
 *   days: both wall times exist), some are ordinary on those days, and a weekly series runs from two
 *   weeks before a change to four weeks after it. No generated wall time falls into a skipped hour.
 */

/** The fixed date the default ranges hang off, so a seed means the same data on every day. */
export const GENERATOR_REFERENCE = Date.UTC(2026, 10, 1, 12, 0, 0);

export interface GenerateAppointmentsOptions {
  count: number;
  seed: number;
  /** First local date 'YYYY-MM-DD' an appointment may start on; default 90 days before the reference. */
  from?: string;
  /** Last local start date; default two years after the reference. */
  to?: string;
  /** UTC 'YYYY-MM-DD HH:mm:ss'; default 365 days before the reference. */
  modifiedFrom?: string;
  /** UTC 'YYYY-MM-DD HH:mm:ss'; default the reference. */
  modifiedTo?: string;
  /** `size` of the appointments (chosen by the seed) all get this one `modified` second. */
  burst?: { size: number; modified: string };
  /** Zone of the wall times, for finding the DST change days; default Europe/Berlin. */
  timezone?: string;
  /** Epoch ms the default ranges are relative to; default GENERATOR_REFERENCE. */
  reference?: number;
}

type RepeatType = 't' | 'w' | 'm' | 'j';
type Trait = 'cancelled' | 'private' | 'completed' | 'noUsers' | 'group' | 'transit' | 'reminder' | 'emoji' | 'umlauts' | 'trickyNote';
type Shape =
  | { kind: 'timed' | 'allDay' | 'allDayMulti' | 'multiDay' }
  | { kind: 'dstCrossing' | 'dstDay'; change: 'spring' | 'autumn' }
  | { kind: 'series'; type: RepeatType; end: 'date' | 'open'; exceptions: boolean }
  | { kind: 'seriesAcrossDst' };

interface Plan {
  shape: Shape;
  traits: ReadonlySet<Trait>;
}

const REMINDERS = ['0 minutes', '5 minutes', '15 minutes', '30 minutes', '1 hours', '2 hours', '3 hours', '12 hours', '15 hours', '1 days', '2 days', '3 days', '1 weeks', '3 weeks'];
const TYPES = ['Besichtigung', 'Notartermin', 'Kundenbesuch', 'Telefonat', 'Besprechung'];
const SUBJECTS = ['Besichtigung', 'Notartermin', 'Kundengespräch', 'Bewertung', 'Teammeeting', 'Exposé besprechen', 'Fotos Objekt'];
const UMLAUT_SUBJECTS = ['Übergabe Schlüssel – Größe prüfen', 'Besprechung mit Frau Müller-Lüdenscheidt', 'Ölheizung prüfen, Äußeres begutachten', 'Straßenfest Maß nehmen'];
const EMOJI_SUBJECTS = ['🏠 Besichtigung 🔑', '📅 Notartermin ✅', '☕ Kaffee mit Käufer 🤝', 'Übergabe 🎉 Glückwunsch'];
const PLACES = ['Charlottenburger Allee 200, 52064 Aachen, Deutschland', 'Beisenweg 5, 54646 Bettingen', 'Hohe Straße 1, 50667 Köln', 'Büro', ''];
const NOTES = ['', '', 'Kunde bringt Unterlagen mit.', 'Rückruf vereinbart'];
const TRICKY_NOTES = [
  'Zugang über Hof, links; Code 12,34\\56\nZweite Zeile: Schlüssel beim Nachbarn',
  'Pfad: C:\\Kunden\\Müller; bitte drucken,\nund "Exposé" mitnehmen; Danke',
  'a,b;c\\d\n\ne;f,g\\\\h',
];
const DURATIONS = [15, 30, 45, 60, 90, 120, 180];
const NO_DATE = '0000-00-00';

/**
 * Naive wall-clock arithmetic on epoch-like milliseconds: wall times are plain strings, so UTC serves as
 * a zone without gaps. Plain Date maths keeps generating 100 000 appointments fast (luxon's parser is not).
 */
function wall(date: string, time = '00:00:00'): number {
  return Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10)), Number(time.slice(0, 2)), Number(time.slice(3, 5)), Number(time.slice(6, 8)));
}

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

function formatWall(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function addDays(date: string, days: number): string {
  return isoDate(wall(date) + days * DAY);
}

function findDstChanges(from: string, to: string, timezone: string): { spring: string[]; autumn: string[] } {
  const spring: string[] = [];
  const autumn: string[] = [];
  for (let day = wall(from); day <= wall(to); day += DAY) {
    const date = isoDate(day);
    const before = DateTime.fromISO(`${date}T00:00:00`, { zone: timezone }).offset;
    const after = DateTime.fromISO(`${date}T23:00:00`, { zone: timezone }).offset;
    if (after > before) spring.push(date);
    if (after < before) autumn.push(date);
  }
  return { spring, autumn };
}

const FORCED_TRAITS: Trait[] = ['cancelled', 'private', 'completed', 'noUsers', 'group', 'transit', 'reminder', 'emoji', 'umlauts', 'trickyNote'];

/** One plan per feature, so even a small count covers every kind once (the first `count` of these). */
function createForcedPlans(): Plan[] {
  const none = new Set<Trait>();
  const series: Plan[] = (['t', 'w', 'm', 'j'] as const).flatMap((type, index) => [
    { shape: { kind: 'series' as const, type, end: 'date' as const, exceptions: index % 2 === 0 }, traits: none },
    { shape: { kind: 'series' as const, type, end: 'open' as const, exceptions: index % 2 === 1 }, traits: none },
  ]);
  return [
    ...series,
    { shape: { kind: 'seriesAcrossDst' }, traits: none },
    { shape: { kind: 'allDay' }, traits: none },
    { shape: { kind: 'allDayMulti' }, traits: none },
    { shape: { kind: 'multiDay' }, traits: none },
    { shape: { kind: 'dstCrossing', change: 'spring' }, traits: none },
    { shape: { kind: 'dstCrossing', change: 'autumn' }, traits: none },
    { shape: { kind: 'dstDay', change: 'spring' }, traits: none },
    { shape: { kind: 'dstDay', change: 'autumn' }, traits: none },
    ...FORCED_TRAITS.map((trait): Plan => ({ shape: { kind: 'timed' }, traits: new Set([trait]) })),
  ];
}

const TRAIT_ODDS: ReadonlyArray<readonly [Trait, number]> = [
  ['cancelled', 0.05], ['private', 0.06], ['completed', 0.1], ['noUsers', 0.08], ['group', 0.08],
  ['transit', 0.1], ['reminder', 0.5], ['emoji', 0.05], ['umlauts', 0.15], ['trickyNote', 0.1],
];

function createRandomPlan(random: SeededRandom): Plan {
  const roll = random.next();
  let shape: Shape;
  if (roll < 0.7) shape = { kind: 'timed' };
  else if (roll < 0.77) shape = { kind: 'allDay' };
  else if (roll < 0.79) shape = { kind: 'allDayMulti' };
  else if (roll < 0.82) shape = { kind: 'multiDay' };
  else if (roll < 0.97) {
    shape = { kind: 'series', type: random.pick(['t', 'w', 'm', 'j'] as const), end: random.chance(0.6) ? 'date' : 'open', exceptions: random.chance(0.4) };
  } else if (roll < 0.98) shape = { kind: 'dstCrossing', change: random.chance(0.5) ? 'spring' : 'autumn' };
  else if (roll < 0.99) shape = { kind: 'dstDay', change: random.chance(0.5) ? 'spring' : 'autumn' };
  else shape = { kind: 'seriesAcrossDst' };
  const traits = new Set<Trait>();
  for (const [trait, probability] of TRAIT_ODDS) if (random.chance(probability)) traits.add(trait);
  return { shape, traits };
}

/** The date of the index-th occurrence; monthly/yearly series start on day 1..28, so no month overflows. */
function occurrence(start: string, type: RepeatType, interval: number, index: number): string {
  const step = index * interval;
  if (type === 't') return addDays(start, step);
  if (type === 'w') return addDays(start, step * 7);
  const [year, month, day] = [Number(start.slice(0, 4)), Number(start.slice(5, 7)) - 1, Number(start.slice(8, 10))];
  return isoDate(type === 'm' ? Date.UTC(year, month + step, day) : Date.UTC(year + step, month, day));
}

interface Times {
  start_dt: string;
  end_dt: string;
  ganztags: boolean;
}

function createTimedTimes(random: SeededRandom, date: string): Times {
  const start = wall(date, `${String(random.integer(7, 19)).padStart(2, '0')}:${random.pick(['00', '15', '30', '45'])}:00`);
  return { start_dt: formatWall(start), end_dt: formatWall(start + random.pick(DURATIONS) * MINUTE), ganztags: false };
}

function createAllDayTimes(date: string, days: number): Times {
  return { start_dt: `${date} 00:00:00`, end_dt: `${addDays(date, days - 1)} 23:59:59`, ganztags: true };
}

type Recurrence = Pick<EmulatorElements, 'rp_flag' | 'rp_type' | 'rp_tage' | 'rp_beginn_datum' | 'rp_ende_datum' | 'rp_ende_status' | 'rp_exception'>;

function createRecurrence(random: SeededRandom, start: string, type: RepeatType, interval: number, end: 'date' | 'open', exceptions: boolean): Recurrence {
  const occurrences = random.integer(4, 14);
  const exceptionDates = exceptions
    ? [...new Set([random.integer(1, occurrences - 2), random.integer(1, occurrences - 2)])].sort((a, b) => a - b).map((index) => occurrence(start, type, interval, index))
    : [];
  return {
    rp_flag: true,
    rp_type: type,
    rp_tage: interval,
    rp_beginn_datum: start,
    rp_ende_datum: end === 'date' ? occurrence(start, type, interval, occurrences - 1) : NO_DATE,
    rp_ende_status: end === 'date' ? '1' : '2',
    rp_exception: exceptionDates,
  };
}

function pickUsers(random: SeededRandom, count: number): EmulatorUser[] {
  return random.shuffle(EMULATOR_USERS).slice(0, count);
}

export function generateAppointments(options: GenerateAppointmentsOptions): EmulatorElements[] {
  const random = createSeededRandom(options.seed);
  const reference = DateTime.fromMillis(options.reference ?? GENERATOR_REFERENCE, { zone: 'UTC' });
  const referenceMs = reference.toMillis();
  const timezone = options.timezone ?? 'Europe/Berlin';
  const from = options.from ?? isoDate(referenceMs - 90 * DAY);
  const to = options.to ?? isoDate(reference.plus({ years: 2 }).toMillis());
  const modifiedFrom = options.modifiedFrom === undefined ? referenceMs - 365 * DAY : wall(...splitWall(options.modifiedFrom));
  const modifiedTo = options.modifiedTo === undefined ? referenceMs : wall(...splitWall(options.modifiedTo));
  const spanDays = Math.max(0, Math.round((wall(to) - wall(from)) / DAY));
  const dst = findDstChanges(from, to, timezone);

  const forced = createForcedPlans().slice(0, options.count);
  const plans = random.shuffle([...forced, ...Array.from({ length: options.count - forced.length }, () => createRandomPlan(random))]);

  const appointments = plans.map((plan) => {
    const day = addDays(from, random.integer(0, spanDays));
    const { times, recurrence } = createSchedule(random, plan.shape, day, dst);
    const traits = plan.traits;
    const explicitUsers = traits.has('noUsers') ? [] : pickUsers(random, traits.has('group') ? random.integer(0, 1) : random.integer(1, 2));
    const group = traits.has('group') && !traits.has('noUsers') ? random.pick(EMULATOR_GROUPS) : undefined;
    const userIds = [...new Set([...explicitUsers.map((user) => user.id), ...(group?.userIds ?? [])])];
    const type = random.chance(0.85) ? random.pick(TYPES) : '';
    const subject = traits.has('emoji') ? random.pick(EMOJI_SUBJECTS) : traits.has('umlauts') ? random.pick(UMLAUT_SUBJECTS) : random.pick(SUBJECTS);
    const resources = random.chance(0.1) ? [random.pick(['Konferenzraum', 'Firmenfahrzeug'])] : [];
    const cancelled = traits.has('cancelled');
    const elements: EmulatorElements = {
      ...times,
      description: subject,
      note: traits.has('trickyNote') ? random.pick(TRICKY_NOTES) : random.pick(NOTES),
      ort: random.pick(PLACES),
      art: type === '' ? [] : { [type]: type },
      ...describeUsers(explicitUsers),
      groups: group === undefined ? [] : [group.id],
      user_ids: userIds,
      ressources: resources,
      ressourcesWithKeys: resources.length === 0 ? [] : Object.fromEntries(resources.map((name) => [name, name])),
      erinnerung: traits.has('reminder') ? random.pick(REMINDERS) : '',
      rp_flag: false,
      abgesagt: cancelled,
      status: cancelled ? 'canceled' : traits.has('completed') ? 'completed' : 'active',
      assignedaddressids: Array.from({ length: random.integer(0, 2) }, () => random.integer(100, 5000)),
      assignedobjectids: random.chance(0.3) ? [random.integer(10, 900)] : [],
      rp_type: '',
      rp_tage: 0,
      rp_beginn_datum: NO_DATE,
      rp_ende_datum: NO_DATE,
      rp_ende_status: '0',
      ...(recurrence ?? {}),
      allowTransitTime: traits.has('transit'),
      transitTime: traits.has('transit') ? '00:30:00' : null,
      transitTimePre: traits.has('transit') ? '00:30:00' : '00:00:00',
      transitTimePost: traits.has('transit') ? random.pick(['00:15:00', '00:45:00']) : '00:00:00',
      rp_exception: recurrence?.rp_exception ?? [],
      ProjektNr: null,
      von: random.pick(EMULATOR_USERS).username,
      private: traits.has('private') ? '1' : '0',
      modified: formatUtcTimestamp(modifiedFrom + Math.floor(random.next() * (modifiedTo - modifiedFrom + 1000) / 1000) * 1000),
    };
    return elements;
  });

  if (options.burst !== undefined) {
    const chosen = random.shuffle(appointments.map((_, index) => index)).slice(0, options.burst.size);
    for (const index of chosen) {
      const appointment = appointments[index];
      if (appointment !== undefined) appointment.modified = options.burst.modified;
    }
  }
  return appointments;
}

function splitWall(text: string): [string, string] {
  const [date = '', time = '00:00:00'] = text.split(' ');
  return [date, time];
}

function createSchedule(
  random: SeededRandom,
  shape: Shape,
  day: string,
  dst: { spring: string[]; autumn: string[] },
): { times: Times; recurrence?: Recurrence } {
  switch (shape.kind) {
    case 'timed':
      return { times: createTimedTimes(random, day) };
    case 'allDay':
      return { times: createAllDayTimes(day, 1) };
    case 'allDayMulti':
      return { times: createAllDayTimes(day, random.integer(2, 4)) };
    case 'multiDay':
      return { times: { start_dt: `${day} 14:00:00`, end_dt: `${addDays(day, random.integer(1, 2))} 11:00:00`, ganztags: false } };
    case 'dstCrossing':
    case 'dstDay': {
      const days = dst[shape.change];
      if (days.length === 0) return { times: createTimedTimes(random, day) };
      const date = random.pick(days);
      return shape.kind === 'dstCrossing'
        ? { times: { start_dt: `${date} 01:30:00`, end_dt: `${date} 03:30:00`, ganztags: false } }
        : { times: { start_dt: `${date} 10:00:00`, end_dt: `${date} 11:00:00`, ganztags: false } };
    }
    case 'seriesAcrossDst': {
      const changes = [...dst.spring, ...dst.autumn];
      const change = changes.length === 0 ? undefined : random.pick(changes);
      const start = change === undefined ? day : addDays(change, -14);
      return {
        times: { start_dt: `${start} 10:00:00`, end_dt: `${start} 11:00:00`, ganztags: false },
        recurrence: { rp_flag: true, rp_type: 'w', rp_tage: 1, rp_beginn_datum: start, rp_ende_datum: addDays(start, 42), rp_ende_status: '1', rp_exception: [] },
      };
    }
    case 'series': {
      // Day 1..28 keeps every monthly/yearly occurrence real (no 31st of February, no 29th in odd years).
      const start = shape.type === 'm' || shape.type === 'j' ? `${day.slice(0, 8)}${String(Math.min(Number(day.slice(8)), 28)).padStart(2, '0')}` : day;
      const times = shape.type === 'j' && random.chance(0.5) ? createAllDayTimes(start, 1) : createTimedTimes(random, start);
      return { times, recurrence: createRecurrence(random, start, shape.type, random.integer(1, 3), shape.end, shape.exceptions) };
    }
  }
}
