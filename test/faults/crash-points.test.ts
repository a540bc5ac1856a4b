import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/config-schema.js';
import { generateAppointments } from '../../src/emulator/generate-appointments.js';
import type { Emulator } from '../../src/emulator/start-emulator.js';
import { FAILPOINT_MARKER, FAILPOINTS, type FailpointName } from '../../src/failpoint/reach-failpoint.js';
import { createFeedTokenRepository } from '../../src/feed/feed-token-repository.js';
import { startFeedServer } from '../../src/feed/start-feed-server.js';
import { parseIcsObjects } from '../../src/ical/parse-ics-objects.js';
import { createSilentLogger } from '../../src/log/create-logger.js';
import { readMigrations, readSchemaVersion } from '../../src/store/apply-migrations.js';
import { openStateStore } from '../../src/store/open-state-store.js';
import { startRadicale, type RunningAuthServer } from '../support/caldav-servers.js';
import { createTempDir, readEmulatorAppointments, startEmulator } from '../support/sync-fixture.js';
import { countOnOfficeWrites, openCalendar, renderPhoneEvent } from '../two-way/two-way-fixture.js';
import { REPO_ROOT, createRawConfig, describeResult, findCalendarProblems, readJournal, runCli, spawnCli, stopChildren, writeConfigFile, type CliResult } from './fault-harness.js';

/**
 * Every failpoint, every run, no randomness: `sync` (or the daemon) runs to the named point and dies
 * there with SIGKILL; recovery runs follow (`sync`, then `sync --full`), and the calendar in a real
 * Radicale and the emulator's onOffice state must be exactly right: one correct object per appointment,
 * no duplicate appointment, each confirmation sent once or reported as of unknown outcome.
 */

type Kind = 'push' | 'two-way' | 'import' | 'feed';

interface Case {
  readonly point: FailpointName;
  readonly hit: number;
  readonly kind: Kind;
  readonly command?: 'sync' | 'daemon';
  /** Options of the CalDAV target beyond the case's calendar. */
  readonly target?: Record<string, unknown>;
  /** Brings the state to where the crash run reaches the point (e.g. a first sync, then changes). */
  readonly before?: (context: CaseContext) => Promise<void>;
  /** Checks of the state right after the crash (what the point promises was and was not done). */
  readonly afterCrash?: (context: CaseContext) => void;
  /** The onOffice side after recovery, beyond "no duplicate, confirmations by the rule". */
  readonly check?: (context: CaseContext) => void | Promise<void>;
}

interface CaseContext {
  readonly name: string;
  readonly emulator: Emulator;
  readonly file: string;
  readonly config: Config;
  readonly stateDb: string;
}

const PHONE_EVENTS = [
  { uid: 'A1B2-PHONE-ONE@example.com', summary: 'Besichtigung Lindenweg 3', start: '20270112T100000', end: '20270112T110000' },
  { uid: 'A1B2-PHONE-TWO@example.com', summary: 'Übergabe Kastanienallee 9', start: '20270114T140000', end: '20270114T150000' },
];
const FEED_EVENTS = [
  { uid: 'booking-1@tool.example', summary: 'Buchung Erstgespräch', start: '20270201T090000', end: '20270201T093000' },
  { uid: 'booking-2@tool.example', summary: 'Buchung Bewertung', start: '20270202T090000', end: '20270202T100000' },
  { uid: 'booking-3@tool.example', summary: 'Buchung Notartermin', start: '20270203T110000', end: '20270203T120000' },
];

function renderFeed(): string {
  const events = FEED_EVENTS.flatMap((event) => [
    'BEGIN:VEVENT',
    `UID:${event.uid}`,
    'DTSTAMP:20261120T090000Z',
    `DTSTART;TZID=Europe/Berlin:${event.start}`,
    `DTEND;TZID=Europe/Berlin:${event.end}`,
    `SUMMARY:${event.summary}`,
    'END:VEVENT',
  ]);
  return ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Booking Tool//EN', ...events, 'END:VCALENDAR', ''].join('\r\n');
}

/** Two phone events in the two-way calendar; the crash run carries them to onOffice. */
const putPhoneEvents = async (context: CaseContext): Promise<void> => {
  expectExit(await runCli(['sync', '--config', context.file]), 0);
  const phone = await openCalendar(context.config);
  for (const event of PHONE_EVENTS) {
    await phone.put(`${event.uid.split('@')[0]}.ics`, renderPhoneEvent(event.uid, [`DTSTART;TZID=Europe/Berlin:${event.start}`, `DTEND;TZID=Europe/Berlin:${event.end}`, `SUMMARY:${event.summary}`]));
  }
};

/** A first full sync, then four cancellations: the crash run deletes their objects. */
const cancelFour = async (context: CaseContext): Promise<void> => {
  expectExit(await runCli(['sync', '--config', context.file]), 0);
  const active = context.emulator.data.list().filter((record) => !record.elements.abgesagt);
  for (const record of active.slice(0, 4)) context.emulator.data.cancel(record.id);
};

const readCreations = (stateDb: string): Array<{ uid: string; state: string; appointment_id: number | null; confirmation: string }> => {
  const db = new Database(stateDb, { readonly: true });
  try {
    return db.prepare('SELECT uid, state, appointment_id, confirmation FROM two_way_creations ORDER BY uid').all() as Array<{ uid: string; state: string; appointment_id: number | null; confirmation: string }>;
  } finally {
    db.close();
  }
};

const confirmationsOf = (emulator: Emulator, appointmentId: number): number => emulator.data.confirmations.filter((sent) => sent.calendarId === appointmentId).length;

const PER_OBJECT = { seedEmptyCalendars: false };

const CASES: readonly Case[] = [
  {
    point: 'store.migration-before-version',
    hit: 5,
    kind: 'push',
    afterCrash: ({ stateDb }) => {
      const db = new Database(stateDb);
      try {
        // The fifth migration's statements ran in its transaction; the kill rolled them back with it.
        expect(readSchemaVersion(db)).toBe(readMigrations(join(REPO_ROOT, 'migrations'))[3]!.version);
      } finally {
        db.close();
      }
    },
  },
  { point: 'sync.after-poll', hit: 1, kind: 'push' },
  // Without the seed, which would take every create of the new calendar into one request.
  { point: 'push.before-put', hit: 5, kind: 'push', target: PER_OBJECT, afterCrash: ({ stateDb }) => expect(readJournal(stateDb).outbox).toBeGreaterThan(0) },
  { point: 'push.after-put', hit: 5, kind: 'push', target: PER_OBJECT, afterCrash: ({ stateDb }) => expect(readJournal(stateDb).outbox).toBeGreaterThan(0) },
  { point: 'push.after-put', hit: 3, kind: 'push', command: 'daemon', target: PER_OBJECT },
  // The seed's objects are journalled at <uid>.ics before the PUT on the calendar: the next run writes each there once.
  { point: 'push.before-seed', hit: 1, kind: 'push', afterCrash: ({ stateDb }) => expect(readJournal(stateDb).outbox).toBeGreaterThan(10) },
  { point: 'push.after-seed', hit: 1, kind: 'push', afterCrash: ({ stateDb }) => expect(readJournal(stateDb).outbox).toBeGreaterThan(10) },
  { point: 'push.before-delete', hit: 2, kind: 'push', before: cancelFour },
  { point: 'push.after-delete', hit: 2, kind: 'push', before: cancelFour },
  {
    point: 'back.create-before-settle',
    hit: 1,
    kind: 'two-way',
    before: putPhoneEvents,
    afterCrash: ({ stateDb, emulator }) => {
      expect(emulator.data.list()).toHaveLength(1);
      expect(readCreations(stateDb).map((creation) => creation.state)).toEqual(['pending']);
    },
  },
  { point: 'back.create-before-record', hit: 1, kind: 'two-way', before: putPhoneEvents },
  {
    point: 'back.confirmation-before-send',
    hit: 1,
    kind: 'two-way',
    before: putPhoneEvents,
    check: ({ emulator, stateDb }) => {
      // The crash came before the request: never sent, reported as unknown, never resent.
      const creations = readCreations(stateDb);
      expect(creations.map((creation) => creation.confirmation).sort()).toEqual(['sent', 'unknown']);
      const unknown = creations.find((creation) => creation.confirmation === 'unknown')!;
      expect(confirmationsOf(emulator, unknown.appointment_id!)).toBe(0);
    },
  },
  {
    point: 'back.confirmation-after-send',
    hit: 1,
    kind: 'two-way',
    before: putPhoneEvents,
    check: ({ emulator, stateDb }) => {
      // The crash came after the request: sent once, reported as unknown (it cannot be looked up), not resent.
      const creations = readCreations(stateDb);
      expect(creations.map((creation) => creation.confirmation).sort()).toEqual(['sent', 'unknown']);
      for (const creation of creations) expect(confirmationsOf(emulator, creation.appointment_id!)).toBe(1);
    },
  },
  { point: 'back.create-before-settle', hit: 2, kind: 'import' },
  { point: 'import.before-save', hit: 2, kind: 'import' },
  { point: 'feed.cache-warm', hit: 1, kind: 'feed' },
];

function expectExit(result: CliResult, code: number): void {
  expect(result.code, describeResult(result)).toBe(code);
}

describe('a run killed at each failpoint', () => {
  let radicale: RunningAuthServer;
  let feedServer: Server;
  let feedUrl: string;
  let temp: ReturnType<typeof createTempDir>;
  const emulators: Emulator[] = [];
  const visited = new Set<FailpointName>();

  beforeAll(async () => {
    radicale = await startRadicale();
    temp = createTempDir('oos-crash-points-');
    feedServer = createServer((_request, response) => response.writeHead(200, { 'content-type': 'text/calendar' }).end(renderFeed()));
    await new Promise<void>((resolve) => feedServer.listen(0, '127.0.0.1', resolve));
    feedUrl = `http://127.0.0.1:${(feedServer.address() as AddressInfo).port}/booking.ics`;
  });

  afterEach(async () => {
    await stopChildren();
    for (const emulator of emulators.splice(0)) await emulator.close();
  });

  afterAll(async () => {
    await stopChildren();
    await new Promise<void>((resolve) => feedServer?.close(() => resolve()));
    await radicale?.stop();
    temp?.remove();
  });

  const createCase = async (testCase: Case, index: number): Promise<CaseContext> => {
    const name = `crash-${index}`;
    const emulator = await startEmulator({ port: 0, seed: 80 + index });
    emulators.push(emulator);
    if (testCase.kind !== 'two-way') emulator.data.insertMany(generateAppointments({ count: 12, seed: 80 + index }));
    const stateDb = `${temp.dir}/${name}.db`;
    const target: Record<string, unknown> = { calendar: name, ...testCase.target };
    if (testCase.kind === 'two-way') Object.assign(target, { twoWay: true, userId: 53, defaultArt: 'Termin', confirm: true });
    const raw = createRawConfig({ emulator, caldavUrl: radicale.url, username: radicale.username, password: radicale.password, stateDb, target, daemon: { schedule: '0 0 1 1 *' } });
    if (testCase.kind === 'import') raw.imports = [{ name: 'booking', url: feedUrl }];
    if (testCase.kind === 'feed') raw.feeds = [{ name: 'team', pastDays: 3650, futureDays: 3650, privateAppointments: 'full' }];
    const { file, config } = writeConfigFile(temp.dir, raw, `${name}.yaml`);
    return { name, emulator, file, config, stateDb };
  };

  /** Exactly one object per active appointment; for a two-way calendar the phone's two events stay the only objects. */
  const expectExactCalendar = async (testCase: Case, context: CaseContext): Promise<void> => {
    if (testCase.kind === 'two-way') {
      const objects = await (await openCalendar(context.config)).list();
      const uids = objects.map((object) => /^UID:(.*)$/m.exec(object.data)?.[1]?.trim()).sort();
      expect(uids).toEqual(PHONE_EVENTS.map((event) => event.uid).sort());
      return;
    }
    const { problems, objects, expected } = await findCalendarProblems(context.config, context.emulator);
    expect(problems, problems.join('\n')).toEqual([]);
    expect(objects).toBe(expected);
  };

  /** No duplicate appointment: one per phone or feed event, none written by a push-only run. */
  const expectExactOnOffice = (testCase: Case, context: CaseContext): void => {
    const { emulator } = context;
    if (testCase.kind === 'push' || testCase.kind === 'feed') {
      expect(countOnOfficeWrites(emulator)).toEqual({ 'create:calendar': 0, 'modify:calendar': 0, 'delete:calendar': 0, 'do:appointmentAffirmation': 0 });
      return;
    }
    const events = testCase.kind === 'two-way' ? PHONE_EVENTS : FEED_EVENTS;
    const descriptions = emulator.data.list().map((record) => String(record.elements.description));
    for (const event of events) expect(descriptions.filter((description) => description === event.summary), event.summary).toHaveLength(1);
    const creations = readCreations(context.stateDb);
    expect(creations.map((creation) => creation.state)).toEqual(events.map(() => 'created'));
    expect(new Set(creations.map((creation) => creation.appointment_id)).size).toBe(events.length);
    if (testCase.kind !== 'two-way') return;
    // The product's rule: a confirmation is sent at most once; one that may or may not have gone out is 'unknown' (and reported).
    for (const creation of creations) {
      const sent = confirmationsOf(emulator, creation.appointment_id!);
      if (creation.confirmation === 'sent') expect(sent, creation.uid).toBe(1);
      else expect([creation.confirmation, sent <= 1], creation.uid).toEqual(['unknown', true]);
    }
  };

  /** The cached feed, served from the recovered state, shows exactly the active appointments. */
  const expectExactFeed = async (context: CaseContext): Promise<void> => {
    const store = openStateStore(context.stateDb);
    const server = await startFeedServer({ store, config: context.config, logger: createSilentLogger(), host: '127.0.0.1', port: 0 });
    try {
      const token = createFeedTokenRepository(store.db, () => new Date()).create('team');
      const response = await fetch(`${server.url}/feeds/team.ics?token=${token}`);
      expect(response.status).toBe(200);
      const ids = parseIcsObjects(await response.text()).map((event) => String(event['ONOFFICE-ID']));
      const expected = readEmulatorAppointments(context.emulator).filter((appointment) => !appointment.cancelled).map((appointment) => String(appointment.id));
      expect(ids.sort()).toEqual(expected.sort());
    } finally {
      await server.close();
      store.close();
    }
  };

  CASES.forEach((testCase, index) => {
    it(`${testCase.command ?? 'sync'} killed at ${testCase.point}@${testCase.hit} (${testCase.kind}) recovers exactly`, async () => {
      const context = await createCase(testCase, index);
      await testCase.before?.(context);
      const crash = await runCli([testCase.command ?? 'sync', '--config', context.file], { ONOFFICE_SYNC_FAILPOINT: `${testCase.point}@${testCase.hit}` });
      expect(crash.signal, describeResult(crash)).toBe('SIGKILL');
      expect(crash.stderr).toContain(`${FAILPOINT_MARKER} ${testCase.point} (hit ${testCase.hit})`);
      visited.add(testCase.point);
      testCase.afterCrash?.(context);

      expectExit(await runCli(['sync', '--config', context.file]), 0);
      expectExit(await runCli(['sync', '--full', '--config', context.file]), 0);

      await expectExactCalendar(testCase, context);
      expectExactOnOffice(testCase, context);
      if (testCase.kind === 'feed') await expectExactFeed(context);
      await testCase.check?.(context);
      expect(readJournal(context.stateDb)).toMatchObject({ outbox: 0, failures: 0, locks: 0 });
    }, 120_000);
  });

  it('visited every listed failpoint', () => {
    expect([...new Set(CASES.map((testCase) => testCase.point))].sort()).toEqual([...FAILPOINTS].sort());
    expect([...visited].sort()).toEqual([...FAILPOINTS].sort());
    console.info(`crash points visited: ${[...visited].join(', ')}`);
  });
});
