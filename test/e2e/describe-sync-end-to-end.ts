import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCaldavTarget } from '../../src/caldav/caldav-target.js';
import { runDoctor } from '../../src/cli/doctor-command.js';
import { runSyncCommand } from '../../src/cli/sync-command.js';
import type { Config } from '../../src/config/config-schema.js';
import type { Appointment } from '../../src/domain/appointment.js';
import { generateAppointments } from '../../src/emulator/generate-appointments.js';
import type { Emulator } from '../../src/emulator/start-emulator.js';
import { createSilentLogger } from '../../src/log/create-logger.js';
import type { RunningServer } from '../support/caldav-servers.js';
import {
  WRITE_METHODS,
  compareEvent,
  createTempDir,
  createTestConfig,
  readCalendarEvents,
  readEmulatorAppointments,
  settleStoredCtag,
  startEmulator,
  syncOnce,
} from '../support/sync-fixture.js';

const APPOINTMENTS = 60;
const ZERO_LENGTH = 6;

/**
 * The emulator with a small generated dataset (series, all-day, cancelled, private) of which some timed
 * appointments, a series among them, start and end at the same second, as onOffice allows.
 */
function seedEmulator(emulator: Emulator): Set<string> {
  const records = generateAppointments({ count: APPOINTMENTS, seed: 12 });
  const timed = records.filter((elements) => !elements.ganztags && !elements.abgesagt);
  const series = timed.find((elements) => elements.rp_flag);
  const singles = timed.filter((elements) => !elements.rp_flag).slice(0, series ? ZERO_LENGTH - 1 : ZERO_LENGTH);
  const zeroLength = new Set(series ? [series, ...singles] : singles);
  for (const elements of zeroLength) elements.end_dt = elements.start_dt;
  const ids = emulator.data.insertMany(records);
  return new Set(records.flatMap((elements, index) => (zeroLength.has(elements) ? [String(ids[index])] : [])));
}

/**
 * `sync` end to end against one real CalDAV server: a first sync of the emulator's dataset with
 * zero-length appointments exits 0 with exactly one correct object per appointment, a second sync writes
 * nothing, and doctor passes before and after.
 */
export function describeSyncEndToEnd(name: string, start: () => Promise<RunningServer>): void {
  describe(`sync end to end: ${name}`, () => {
    let server: RunningServer;
    let emulator: Emulator;
    let temp: ReturnType<typeof createTempDir>;
    let config: Config;
    let zeroLengthIds: Set<string>;

    beforeAll(async () => {
      server = await start();
      emulator = await startEmulator({ port: 0 });
      zeroLengthIds = seedEmulator(emulator);
      temp = createTempDir('oos-e2e-');
      config = createTestConfig({ emulator, caldavUrl: server.url, username: server.username, password: server.password, stateDb: `${temp.dir}/state.db` });
    });

    afterAll(async () => {
      await emulator?.close();
      await server?.stop();
      temp?.remove();
    });

    const doctor = async (): Promise<{ code: number; output: string }> => {
      let output = '';
      const code = await runDoctor(() => ({ config, logger: createSilentLogger() }), { write: (text: string) => (output += text) });
      return { code, output };
    };

    const expectedAppointments = (): Appointment[] => readEmulatorAppointments(emulator).filter((appointment) => !appointment.cancelled);

    it('doctor passes before the first sync', async () => {
      const { code, output } = await doctor();
      expect(code, output).toBe(0);
    });

    it('a first sync exits 0 with exactly one correct object per appointment, zero-length ones included', async () => {
      let json = '';
      const out = new Writable({
        write(chunk: Buffer, _encoding, done) {
          json += chunk.toString('utf8');
          done();
        },
      });
      const code = await runSyncCommand({ config, logger: createSilentLogger() }, { json: true }, out);
      const summary = JSON.parse(json) as { created: number; failedItems: Array<{ uid: string; error: string }> };

      const expected = expectedAppointments();
      expect(expected.filter((appointment) => zeroLengthIds.has(String(appointment.id)))).toHaveLength(ZERO_LENGTH);
      expect(summary.failedItems).toEqual([]);
      expect(code).toBe(0);
      expect(summary.created).toBe(expected.length);

      const events = await readCalendarEvents(config);
      const ids = events.map(({ event }) => String(event['ONOFFICE-ID']));
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.sort()).toEqual(expected.map((appointment) => String(appointment.id)).sort());
      const byId = new Map(expected.map((appointment) => [String(appointment.id), appointment]));
      const problems = events.flatMap(({ event, ics }) => {
        const id = String(event['ONOFFICE-ID']);
        const appointment = byId.get(id)!;
        if (!zeroLengthIds.has(id)) return compareEvent(event, appointment).map((problem) => `${id}: ${problem}`);
        // A zero-length appointment as rendered for every server (see src/domain/onoffice-readings.ts): its
        // start exact, its end the one second after it that Cyrus needs, and marked as zero-length.
        const found: string[] = [];
        if (event.start.getTime() !== appointment.start.toMillis()) found.push(`${id}: start ${event.start.toISOString()} vs ${appointment.start.toUTC().toISO()}`);
        const length = (event.end?.getTime() ?? event.start.getTime()) - appointment.start.toMillis();
        if (length !== 1000) found.push(`${id}: end ${event.end?.toISOString()} for a zero-length appointment`);
        if (!/^X-ONOFFICE-ZERO-LENGTH:TRUE\r?$/m.test(ics)) found.push(`${id}: not marked X-ONOFFICE-ZERO-LENGTH`);
        return found;
      });
      expect(problems).toEqual([]);
    }, 300_000);

    it('a second sync writes nothing', async () => {
      const { summary, caldavRequests } = await syncOnce(config);
      expect(caldavRequests.filter((request) => WRITE_METHODS.has(request.method))).toEqual([]);
      expect(summary.failed).toEqual([]);
      expect(summary.targets[0]!.plan).toMatchObject({ update: 0, delete: 0 });
    }, 120_000);

    it('touches in onOffice (only modified moves) write nothing', async () => {
      for (const record of emulator.data.list()) emulator.data.update(record.id, {});
      const { summary, caldavRequests } = await syncOnce(config);
      expect(summary.poll.records).toBeGreaterThanOrEqual(APPOINTMENTS);
      expect(caldavRequests.filter((request) => WRITE_METHODS.has(request.method))).toEqual([]);
    }, 120_000);

    it('once the getctag has settled an idle sync sends nothing within idleCheckSeconds, one PROPFIND when it asks, and an edit by someone else moves it and is repaired', async () => {
      await settleStoredCtag(config);
      // The run before checked the calendar; within an interval longer than this suite takes on any
      // machine, an idle run asks it nothing (idleCheckSeconds is not part of the pushed config's hash).
      const withinInterval: Config = { ...config, caldav: [{ ...config.caldav[0]!, idleCheckSeconds: 3600 }] };
      const quiet = await syncOnce(withinInterval);
      expect(quiet.caldavRequests).toEqual([]);
      expect(quiet.summary.failed).toEqual([]);

      // Asked on every run, as once the interval has passed.
      const everyRun: Config = { ...config, caldav: [{ ...config.caldav[0]!, idleCheckSeconds: 0 }] };
      const idle = await syncOnce(everyRun);
      // One PROPFIND (a Digest-only server answers a new process's first request with its challenge: two).
      const methods = idle.caldavRequests.map((request) => request.method);
      expect(methods.filter((method) => method !== 'PROPFIND')).toEqual([]);
      expect(methods.length).toBeLessThanOrEqual(2);

      const writer = createCaldavTarget({ url: server.url, username: server.username, password: server.password });
      const calendar = await writer.ensureCalendar({ path: config.caldav[0]!.calendar, displayName: config.caldav[0]!.displayName });
      const [object] = await writer.fetchObjects(calendar, [(await writer.listObjects(calendar))[0]!.href]);
      await writer.updateObject(calendar, object!.href, object!.data!.replace(/^SUMMARY:.*$/m, 'SUMMARY:Edited by someone else'), object!.etag);
      const moved = await syncOnce(everyRun);
      expect(moved.caldavRequests.length).toBeGreaterThan(1);
      expect(moved.summary.targets[0]).toMatchObject({ driftRepaired: 1, updated: 1 });
      const events = await readCalendarEvents(config);
      expect(events.filter(({ ics }) => ics.includes('Edited by someone else'))).toEqual([]);
    }, 120_000);

    it('doctor passes after the first sync', async () => {
      const { code, output } = await doctor();
      expect(code, output).toBe(0);
    });
  });
}
