import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import type { Config } from '../../src/config/config-schema.js';
import type { Emulator } from '../../src/emulator/start-emulator.js';
import { runSyncCommand } from '../../src/cli/sync-command.js';
import { createSilentLogger } from '../../src/log/create-logger.js';
import { createTempDir, startEmulator } from '../support/sync-fixture.js';
import { countOnOfficeWrites, createAnswerLosingFetch, dumpState, readStatusOf, syncWith } from './two-way-fixture.js';

/** A booking tool's feed: serves `events` with a strong ETag and answers If-None-Match with 304. */
function startFeedServer(): Promise<{ url: string; events: string[][]; version: number; served: { full: number; notModified: number }; close(): Promise<void>; server: Server }> {
  const state = {
    url: '',
    events: [] as string[][],
    version: 1,
    served: { full: 0, notModified: 0 },
    server: undefined as unknown as Server,
    close: () => new Promise<void>((resolve) => state.server.close(() => resolve())),
  };
  state.server = createServer((request, response) => {
    const etag = `"v${state.version}"`;
    if (request.headers['if-none-match'] === etag) {
      state.served.notModified += 1;
      response.writeHead(304, { etag }).end();
      return;
    }
    state.served.full += 1;
    const body = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Booking Tool//EN', ...state.events.flatMap((lines) => ['BEGIN:VEVENT', ...lines, 'END:VEVENT']), 'END:VCALENDAR', ''].join('\r\n');
    response.writeHead(200, { 'content-type': 'text/calendar; charset=utf-8', etag }).end(body);
  });
  return new Promise((resolve) =>
    state.server.listen(0, '127.0.0.1', () => {
      state.url = `http://127.0.0.1:${(state.server.address() as AddressInfo).port}/feeds/secret-token.ics`;
      resolve(state);
    }),
  );
}

const event = (uid: string, lines: string[]): string[] => [`UID:${uid}`, 'DTSTAMP:20261120T080000Z', ...lines];

describe('ICS import from a booking tool', () => {
  let emulator: Emulator;
  let feed: Awaited<ReturnType<typeof startFeedServer>>;
  let temp: ReturnType<typeof createTempDir>;
  let config: Config;
  const idOf = (description: string): number => emulator.data.list().find((record) => record.elements.description === description)!.id;
  const noWrites = { 'create:calendar': 0, 'modify:calendar': 0, 'delete:calendar': 0, 'do:appointmentAffirmation': 0 };

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0 });
    feed = await startFeedServer();
    temp = createTempDir('oos-import-');
    config = parseConfig({
      timezone: 'Europe/Berlin',
      stateDb: `${temp.dir}/state.db`,
      logLevel: 'silent',
      onoffice: { url: emulator.url, token: emulator.token, secret: emulator.secret, retries: 1 },
      poll: { lagSeconds: 0, horizonPastDays: 365 },
      imports: [{ name: 'bookings', url: feed.url, userId: 55, art: 'Besichtigung', confirm: true }],
    });
    feed.events = [
      event('booking-1@tool.example', ['DTSTART:20270112T090000Z', 'DTEND:20270112T100000Z', 'SUMMARY:Besichtigung Lindenallee', 'LOCATION:Lindenallee 4', 'CATEGORIES:Booking']),
      event('booking-2@tool.example', ['DTSTART;TZID=Europe/Berlin:20270111T170000', 'DTEND;TZID=Europe/Berlin:20270111T173000', 'RRULE:FREQ=WEEKLY;COUNT=4;BYDAY=MO,WE', 'SUMMARY:Sprechstunde']),
      event('booking-3@tool.example', ['DTSTART:20261001T070000Z', 'DTEND:20261001T080000Z', 'SUMMARY:Vergangene Besichtigung']),
    ];
  }, 30_000);

  afterAll(async () => {
    await emulator?.close();
    await feed?.close();
    temp?.remove();
  });

  it('creates one appointment per event, marked as ICS import, and reports what onOffice cannot represent', async () => {
    const { summary } = await syncWith(config);
    expect(summary.failed).toEqual([]);
    expect(summary.imports[0]).toMatchObject({ created: 3, unsupported: 1, confirmations: 2 });
    const records = emulator.data.list();
    expect(records).toHaveLength(3);
    for (const record of records) {
      expect(emulator.data.extrasOf(record.id)?.origin).toBe(true);
      expect(record.elements).toMatchObject({ user_ids: [55], art: { Besichtigung: 'Besichtigung' } });
    }
    expect(emulator.data.get(idOf('Besichtigung Lindenallee'))!.elements).toMatchObject({ start_dt: '2027-01-12 10:00:00', end_dt: '2027-01-12 11:00:00', ort: 'Lindenallee 4' });
    // COUNT=4 over Mondays and Wednesdays ends on Wednesday the 20th; the Wednesdays themselves are not representable.
    expect(emulator.data.get(idOf('Sprechstunde'))!.elements).toMatchObject({ rp_flag: true, rp_type: 'w', rp_tage: 1, rp_ende_status: '1', rp_ende_datum: '2027-01-20', start_dt: '2027-01-11 17:00:00' });
    const reports = readStatusOf(config).reports.filter((report) => report.kind === 'unsupported');
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ source: 'import:bookings', uid: 'booking-2@tool.example', appointmentId: idOf('Sprechstunde') });
    expect(reports[0]!.message).toContain('BYDAY=MO,WE');
    expect(reports[0]!.message).toContain('COUNT=4');
    // The past booking is imported but not confirmed.
    expect(emulator.data.confirmations.map((confirmation) => confirmation.calendarId).sort()).toEqual([idOf('Besichtigung Lindenallee'), idOf('Sprechstunde')].sort());
  }, 30_000);

  it('does nothing on 304, nor when a changed ETag brings the same events', async () => {
    emulator.log.reset();
    const notModified = await syncWith(config);
    expect(notModified.summary.imports[0]).toMatchObject({ notModified: true, created: 0, updated: 0, deleted: 0 });
    expect(feed.served.notModified).toBe(1);
    feed.version += 1;
    feed.events = feed.events.map((lines) => lines.map((line) => (line.startsWith('DTSTAMP') ? 'DTSTAMP:20261121T080000Z' : line)));
    const same = await syncWith(config);
    expect(same.summary.imports[0]).toMatchObject({ notModified: false, created: 0, updated: 0, deleted: 0 });
    expect(countOnOfficeWrites(emulator)).toEqual(noWrites);
    expect(emulator.data.size).toBe(3);
  }, 30_000);

  it('writes a changed event as a modify of the changed fields only', async () => {
    const id = idOf('Besichtigung Lindenallee');
    emulator.data.update(id, { note: 'Notiz aus onOffice' });
    feed.version += 1;
    feed.events[0] = feed.events[0]!.map((line) => (line.startsWith('SUMMARY') ? 'SUMMARY:Besichtigung Lindenallee 4' : line));
    emulator.log.reset();
    const { summary } = await syncWith(config);
    expect(summary.imports[0]).toMatchObject({ updated: 1, created: 0 });
    expect(countOnOfficeWrites(emulator)).toEqual({ ...noWrites, 'modify:calendar': 1 });
    expect(emulator.data.get(id)!.elements).toMatchObject({ description: 'Besichtigung Lindenallee 4', note: 'Notiz aus onOffice' });
  }, 30_000);

  it('dry run: prints the import\'s plan and writes nothing to onOffice or the state database', async () => {
    const kept = feed.events;
    feed.version += 1;
    feed.events = [
      feed.events[1]!.map((line) => (line.startsWith('SUMMARY') ? 'SUMMARY:Sprechstunde (verlegt)' : line)),
      feed.events[2]!,
      event('booking-4@tool.example', ['DTSTART:20270301T090000Z', 'DTEND:20270301T100000Z', 'SUMMARY:Neue Buchung']),
    ];
    const stateBefore = dumpState(config.stateDb);
    const recordsBefore = emulator.data.list();
    emulator.log.reset();
    const out = new PassThrough();
    let text = '';
    out.on('data', (chunk: Buffer) => (text += chunk.toString()));
    expect(await runSyncCommand({ config, logger: createSilentLogger() }, { dryRun: true }, out)).toBe(0);

    expect(text).toContain('back to onOffice from import:bookings: 3 action(s)');
    expect(text).toMatch(/create +booking-4@tool\.example \(new event, with confirmation\)/);
    expect(text).toMatch(new RegExp(`modify +booking-2@tool\\.example \\(appointment ${idOf('Sprechstunde')}: description\\)`));
    expect(text).toMatch(new RegExp(`delete +booking-1@tool\\.example \\(appointment ${idOf('Besichtigung Lindenallee 4')}\\)`));
    expect(countOnOfficeWrites(emulator)).toEqual(noWrites);
    expect(emulator.data.list()).toEqual(recordsBefore);
    expect(dumpState(config.stateDb)).toEqual(stateBefore);
    feed.version += 1;
    feed.events = kept;
  }, 30_000);

  it('deletes an upcoming event that vanished and leaves a past one alone', async () => {
    const upcoming = idOf('Besichtigung Lindenallee 4');
    const past = idOf('Vergangene Besichtigung');
    feed.version += 1;
    feed.events = [feed.events[1]!];
    const { summary } = await syncWith(config);
    expect(summary.imports[0]).toMatchObject({ deleted: 1 });
    expect(emulator.data.has(upcoming)).toBe(false);
    expect(emulator.data.has(past)).toBe(true);
    emulator.log.reset();
    feed.version += 1;
    await syncWith(config);
    expect(countOnOfficeWrites(emulator)).toEqual(noWrites);
  }, 30_000);

  it('never resends a confirmation whose answer was lost', async () => {
    feed.version += 1;
    feed.events.push(event('booking-4@tool.example', ['DTSTART:20270301T090000Z', 'DTEND:20270301T100000Z', 'SUMMARY:Erstgespräch']));
    const lost = await syncWith(config, { onofficeFetch: createAnswerLosingFetch('do') });
    expect(lost.summary.imports[0]).toMatchObject({ created: 1, confirmations: 0 });
    const id = idOf('Erstgespräch');
    expect(emulator.data.confirmations.filter((confirmation) => confirmation.calendarId === id)).toHaveLength(1);
    expect(readStatusOf(config).unknownConfirmations).toEqual([expect.objectContaining({ uid: 'booking-4@tool.example', appointmentId: id })]);

    feed.version += 1;
    feed.events[1] = feed.events[1]!.map((line) => (line.startsWith('SUMMARY') ? 'SUMMARY:Erstgespräch (neu)' : line));
    emulator.log.reset();
    await syncWith(config);
    await syncWith(config);
    expect(emulator.log.count('do:appointmentAffirmation')).toBe(0);
    expect(emulator.data.confirmations.filter((confirmation) => confirmation.calendarId === id)).toHaveLength(1);
  }, 30_000);
});
