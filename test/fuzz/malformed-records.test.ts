import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryCalendarTarget } from '../../src/caldav/memory-calendar-target.js';
import { formatUtcTimestamp, type EmulatorElements } from '../../src/emulator/emulator-database.js';
import { generateAppointments } from '../../src/emulator/generate-appointments.js';
import type { Emulator } from '../../src/emulator/start-emulator.js';
import { parseIcsObjects } from '../../src/ical/parse-ics-objects.js';
import { createSilentLogger } from '../../src/log/create-logger.js';
import { createOnOfficeClient } from '../../src/onoffice/onoffice-client.js';
import { openStateStore } from '../../src/store/open-state-store.js';
import { readStatus } from '../../src/cli/status-command.js';
import { runSync, type SyncRuntime } from '../../src/app/run-sync.js';
import { createRawConfig, describeResult, runCli, writeConfigFile } from '../faults/fault-harness.js';
import { compareEvent, createTempDir, readEmulatorAppointments, startEmulator } from '../support/sync-fixture.js';

/**
 * Malformed onOffice records next to good ones, served by the emulator over HTTP: impossible dates, an
 * end before the start, unknown or out-of-range recurrence fields, garbage exceptions, wrong types, huge
 * strings, emoji and control characters. No run may crash or fail; each record either lands in the
 * calendar (the in-memory target) exactly as parsed, or sits in quarantine with a reason.
 */

type Patch = Record<string, unknown>;
/** 'bad': must be quarantined. 'good': must be synced. 'either': only "no crash, one of the two". */
type Expectation = 'bad' | 'good' | 'either';

const shiftedEnd = (elements: EmulatorElements): string => {
  const start = elements.start_dt;
  return `${start.slice(0, 10)} 00:00:00` < start ? `${start.slice(0, 10)} 00:00:00` : '2000-01-01 00:00:00';
};

const corruption: fc.Arbitrary<{ what: string; expect: Expectation; patch: (elements: EmulatorElements) => Patch }> = fc.oneof(
  fc.constantFrom('0000-00-00 00:00:00', '0000-00-00', '', 'garbage', '2026-02-30 10:00:00', '2026-13-01 10:00:00').map((value) => ({
    what: `start_dt ${JSON.stringify(value)}`,
    expect: 'bad' as const,
    patch: () => ({ start_dt: value }),
  })),
  fc.constantFrom('2026-11-05T10:00:00', '2026-11-05 10:00', ' 2026-11-05 10:00:00').map((value) => ({
    what: `start_dt ${JSON.stringify(value)} (a near miss of the format)`,
    expect: 'either' as const,
    patch: () => ({ start_dt: value }),
  })),
  fc.constant({ what: 'end before start', expect: 'bad' as const, patch: (elements: EmulatorElements) => ({ ganztags: false, end_dt: shiftedEnd(elements) }) }),
  fc.constantFrom('x', 'W', 'täglich', '').map((value) => ({
    what: `rp_type ${JSON.stringify(value)} on a series`,
    expect: 'bad' as const,
    patch: () => ({ rp_flag: true, rp_type: value, rp_tage: 1, rp_ende_status: '2', rp_ende_datum: '0000-00-00' }),
  })),
  fc.constantFrom(0, -1, 1000, 1.5, 'abc').map((value) => ({
    what: `rp_tage ${JSON.stringify(value)} on a series`,
    expect: 'bad' as const,
    patch: () => ({ rp_flag: true, rp_type: 'w', rp_tage: value, rp_ende_status: '2', rp_ende_datum: '0000-00-00' }),
  })),
  fc.constantFrom<unknown>('not a list', ['2026-99-99'], [123], [null], { a: 1 }, ['yesterday']).map((value) => ({
    what: `rp_exception ${JSON.stringify(value)} on a series`,
    expect: 'either' as const,
    patch: () => ({ rp_flag: true, rp_type: 'w', rp_tage: 1, rp_ende_status: '2', rp_ende_datum: '0000-00-00', rp_exception: value }),
  })),
  fc.constantFrom<[string, unknown]>(
    ['ganztags', 'yes'],
    ['abgesagt', 'maybe'],
    ['erinnerung', 'sometimes'],
    ['status', 'exploded'],
    ['user_ids', 'all'],
    ['user_ids', ['x1']],
    ['start_dt', 20261105],
    ['start_dt', null],
  ).map(([field, value]) => ({ what: `${field} ${JSON.stringify(value)}`, expect: 'bad' as const, patch: () => ({ [field]: value }) })),
  fc.constantFrom<[string, unknown]>(['description', 42], ['description', null], ['description', {}], ['note', ['a']], ['ort', false], ['rp_ende_status', 9], ['art', 'Besichtigung']).map(
    ([field, value]) => ({ what: `${field} ${JSON.stringify(value)}`, expect: 'either' as const, patch: () => ({ [field]: value }) }),
  ),
  fc
    .tuple(fc.constantFrom('description', 'note', 'ort'), fc.constantFrom('x'.repeat(200_000), '🏠🔑'.repeat(5000), 'a\u0000b\u0007c\u001bd\r\ne\u2028f', '\ud83d', 'ä\u0301 👩‍👩‍👧 ZWJ\u200d'))
    .map(([field, value]) => ({ what: `${field} of ${value.length} odd characters`, expect: 'good' as const, patch: () => ({ [field]: value }) })),
);

describe('malformed onOffice records', () => {
  let emulator: Emulator;
  let temp: ReturnType<typeof createTempDir>;
  let runNumber = 0;

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, seed: 81 });
    temp = createTempDir('oos-fuzz-');
  });

  afterAll(async () => {
    await emulator?.close();
    temp?.remove();
  });

  /** Empties the emulator, inserts good and corrupted records, syncs once into a memory target. */
  async function syncMix(goodSeed: number, corrupted: ReadonlyArray<{ what: string; expect: Expectation; patch: (elements: EmulatorElements) => Patch }>) {
    for (const record of emulator.data.list()) emulator.data.remove(record.id);
    const good = emulator.data.insertMany(generateAppointments({ count: 6, seed: goodSeed }));
    runNumber += 1;
    const stateDb = `${temp.dir}/state-${runNumber}.db`;
    const { config } = writeConfigFile(temp.dir, createRawConfig({ emulator, caldavUrl: 'http://memory.test/dav/', stateDb }), `fuzz-${runNumber}.yaml`);
    const logger = createSilentLogger();
    const store = openStateStore(stateDb);
    const target = createMemoryCalendarTarget({ homeUrl: 'http://memory.test/dav/' });
    const runtime: SyncRuntime = {
      config,
      logger,
      store,
      client: createOnOfficeClient({ url: emulator.url, token: emulator.token, secret: emulator.secret, retries: 0, logger }),
      targets: [{ config: config.caldav[0]!, target }],
      now: () => new Date(),
    };
    try {
      // The backfill reads by date range, which a record without a usable date never falls into; changes
      // are read by `modified`, which catches every record however broken its dates are.
      await runSync(runtime);
      const stamp = { modified: formatUtcTimestamp(Date.now()) };
      good.push(...emulator.data.insertMany(generateAppointments({ count: 2, seed: goodSeed + 2 }), stamp));
      const bases = generateAppointments({ count: corrupted.length, seed: goodSeed + 1 });
      const bad = corrupted.map((item, index) => {
        // A plain, active base: series fields only make sense there, and a cancelled base would hide a good record.
        const plain = { ...bases[index]!, abgesagt: false, status: 'active' as const, rp_flag: false, rp_type: '', rp_tage: 0, rp_exception: [], rp_ende_status: '0' };
        return { ...item, id: emulator.data.insert({ ...plain, ...item.patch(plain) } as Partial<EmulatorElements>, stamp) };
      });
      const summary = await runSync(runtime);
      const status = readStatus(store);
      const calendar = await target.ensureCalendar({ path: config.caldav[0]!.calendar, displayName: 'onOffice' });
      const events = target.readObjects(calendar.url).flatMap((object) => parseIcsObjects(object.data ?? ''));
      return { summary, status, events, good, bad, stateDb };
    } finally {
      store.close();
    }
  }

  it('never crashes; quarantines the bad records with a reason and syncs the good ones', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 1_000_000 }), fc.array(corruption, { minLength: 1, maxLength: 5 }), async (goodSeed, corrupted) => {
        const { summary, status, events, good, bad } = await syncMix(goodSeed, corrupted);
        expect(summary.failed).toEqual([]);
        const quarantined = new Map(status.quarantine.map((entry) => [Number(entry.id), entry.reason]));
        const synced = new Map(events.map((event) => [Number(event['ONOFFICE-ID']), event]));
        expect(synced.size).toBe(events.length);
        for (const reason of quarantined.values()) expect(reason.trim()).not.toBe('');

        for (const item of bad) {
          if (item.expect === 'bad') expect(quarantined.has(item.id), `${item.what} must be quarantined`).toBe(true);
          if (item.expect === 'good') expect(quarantined.has(item.id), `${item.what} must not be quarantined: ${quarantined.get(item.id)}`).toBe(false);
          expect(quarantined.has(item.id) && synced.has(item.id), `${item.what}: quarantined and synced at once`).toBe(false);
        }
        // The calendar holds exactly the records that parse and are not cancelled, each one right.
        const expected = readEmulatorAppointments(emulator).filter((appointment) => !appointment.cancelled);
        expect([...synced.keys()].sort((a, b) => a - b)).toEqual(expected.map((appointment) => appointment.id).sort((a, b) => a - b));
        for (const appointment of expected) expect(compareEvent(synced.get(appointment.id)!, appointment)).toEqual([]);
        for (const id of good) expect(quarantined.has(id)).toBe(false);
        for (const item of bad) if (!quarantined.has(item.id) && !expected.some((a) => a.id === item.id)) expect.fail(`${item.what}: neither synced nor quarantined`);
      }),
      { numRuns: 40, seed: 20261121 },
    );
  }, 120_000);

  it('lists quarantined records with their reason in `onoffice-sync status --json`', async () => {
    const { stateDb } = await syncMix(5, [
      { what: 'no date', expect: 'bad', patch: () => ({ start_dt: '0000-00-00 00:00:00' }) },
      { what: 'unknown rp_type', expect: 'bad', patch: () => ({ rp_flag: true, rp_type: 'q', rp_tage: 1, rp_ende_status: '2' }) },
    ]);
    const { file } = writeConfigFile(temp.dir, createRawConfig({ emulator, caldavUrl: 'http://memory.test/dav/', stateDb }), 'status.yaml');
    const result = await runCli(['status', '--json', '--config', file]);
    expect(result.code, describeResult(result)).toBe(0);
    const report = JSON.parse(result.stdout) as { quarantine: Array<{ id: number; reason: string }> };
    expect(report.quarantine).toHaveLength(2);
    expect(report.quarantine.map((entry) => entry.reason).join('\n')).toMatch(/start_dt '0000-00-00 00:00:00'/);
    expect(report.quarantine.map((entry) => entry.reason).join('\n')).toMatch(/rp_type/);
  }, 60_000);
});
