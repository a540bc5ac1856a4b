import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/config-schema.js';
import { generateAppointments } from '../../src/emulator/generate-appointments.js';
import type { EmulatorElements } from '../../src/emulator/emulator-database.js';
import type { Emulator } from '../../src/emulator/start-emulator.js';
import { startCyrus, type RunningServer } from '../support/caldav-servers.js';
import { createTempDir, createTestConfig, readCalendarEvents, startEmulator, syncOnce } from '../support/sync-fixture.js';

const DAY = 86_400_000;

/**
 * Inputs onOffice lets through that a strict server might refuse, each on a copy of a generated timed
 * appointment or series: Cyrus 3.6 refused zero-length events for good (issue 12); these are the other
 * candidates. What the domain itself refuses (end before start, interval 0) stays in onOffice's quarantine.
 */
function createEdgeRecords(): Record<string, EmulatorElements> {
  const base = generateAppointments({ count: 40, seed: 5 });
  const timed = base.find((elements) => !elements.ganztags && !elements.rp_flag && !elements.abgesagt)!;
  const series = base.find((elements) => elements.rp_flag && !elements.ganztags && !elements.abgesagt)!;
  const dayAfter = (date: string, days: number): string => new Date(Date.parse(date) + days * DAY).toISOString().slice(0, 10);
  return {
    controlCharacters: { ...timed, description: 'Termin \u0001\u0002\u001b[31m rot\u007f', note: 'x\u0000y\u000bz' },
    longNote: { ...timed, note: 'Lorem ipsum dolor sit amet. '.repeat(12_000) },
    longPlace: { ...timed, ort: 'A'.repeat(20_000) },
    longSubject: { ...timed, description: 'Ü'.repeat(5000) },
    loneSurrogates: { ...timed, description: 'Besichtigung \uD83D', note: '\uDC00' },
    bareCarriageReturns: { ...timed, note: 'a\rb\r\nc\n\rd' },
    bidiAndZeroWidth: { ...timed, description: '\u202eTermin\u202c \u200b\ufeff' },
    emptyTexts: { ...timed, description: '', note: '', ort: '' },
    acrossNewYear: { ...timed, start_dt: '2027-12-31 23:30:00', end_dt: '2028-01-01 00:30:00' },
    midnightZeroLengthWithReminder: { ...timed, start_dt: '2027-03-01 00:00:00', end_dt: '2027-03-01 00:00:00', erinnerung: '3 weeks' },
    oddReminder: { ...timed, erinnerung: '99999 weeks' },
    longTransit: { ...timed, allowTransitTime: true, transitTime: '23:59:59', transitTimePre: '23:59:59', transitTimePost: '23:59:59' },
    seriesZeroLength: { ...series, end_dt: series.start_dt },
    seriesExceptionsOutside: { ...series, rp_exception: ['1999-01-01', '2099-12-31', series.rp_beginn_datum] },
    seriesEveryOccurrenceExcepted: { ...series, rp_type: 't', rp_tage: 1, rp_ende_status: '1', rp_ende_datum: series.rp_beginn_datum, rp_exception: [series.rp_beginn_datum] },
    seriesTwoThousandExceptions: {
      ...series,
      rp_type: 't',
      rp_tage: 1,
      rp_ende_status: '2',
      rp_ende_datum: '0000-00-00',
      rp_exception: Array.from({ length: 2000 }, (_, index) => dayAfter(series.rp_beginn_datum, index + 1)),
    },
  };
}

describe('Cyrus IMAP 3.6 and edge inputs', () => {
  let server: RunningServer;
  let emulator: Emulator;
  let temp: ReturnType<typeof createTempDir>;
  let config: Config;
  let edgeIds: Map<string, string>;

  beforeAll(async () => {
    server = await startCyrus();
    emulator = await startEmulator({ port: 0 });
    const edges = createEdgeRecords();
    const ids = emulator.data.insertMany(Object.values(edges));
    edgeIds = new Map(Object.keys(edges).map((name, index) => [String(ids[index]), name]));
    temp = createTempDir('oos-cyrus-edge-');
    config = createTestConfig({ emulator, caldavUrl: server.url, username: server.username, password: server.password, stateDb: `${temp.dir}/state.db` });
  }, 120_000);

  afterAll(async () => {
    await emulator?.close();
    await server?.stop();
    temp?.remove();
  });

  it('accepts every one of them: nothing quarantined on the CalDAV side, one object each', async () => {
    const { summary } = await syncOnce(config);
    expect(summary.failed).toEqual([]);
    expect(summary.targets.flatMap((target) => target.quarantined)).toEqual([]);
    expect(summary.caldavQuarantined).toBe(0);
    expect(summary.quarantined).toBe(0);

    const written = (await readCalendarEvents(config)).map(({ event }) => edgeIds.get(String(event['ONOFFICE-ID'])));
    expect(written.sort()).toEqual([...edgeIds.values()].sort());
  }, 240_000);
});
