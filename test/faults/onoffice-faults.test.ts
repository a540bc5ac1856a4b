import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateAppointments } from '../../src/emulator/generate-appointments.js';
import type { Emulator } from '../../src/emulator/start-emulator.js';
import { startRadicale, type RunningAuthServer } from '../support/caldav-servers.js';
import { createTempDir, startEmulator } from '../support/sync-fixture.js';
import { createRawConfig, describeResult, findCalendarProblems, readJournal, runCli, writeConfigFile, type CliResult } from './fault-harness.js';

/**
 * The onOffice side misbehaves: HTTP 500s, a clock far off (error 136), truncated JSON, failing actions,
 * and a same-second burst bigger than one capped answer. Each run succeeds or fails loudly naming the
 * fault; once the fault is gone the calendar in a real Radicale is exactly right.
 */
describe('onOffice answering with faults', () => {
  let radicale: RunningAuthServer;
  let emulator: Emulator;
  let temp: ReturnType<typeof createTempDir>;

  beforeAll(async () => {
    radicale = await startRadicale();
    emulator = await startEmulator({ port: 0, seed: 51 });
    emulator.data.insertMany(generateAppointments({ count: 60, seed: 51 }));
    temp = createTempDir('oos-onoffice-faults-');
  });

  afterAll(async () => {
    await emulator?.close();
    await radicale?.stop();
    temp?.remove();
  });

  const configFor = (name: string, source: Emulator = emulator) =>
    writeConfigFile(
      temp.dir,
      createRawConfig({ emulator: source, caldavUrl: radicale.url, username: radicale.username, password: radicale.password, stateDb: `${temp.dir}/${name}.db`, target: { calendar: name } }),
      `${name}.yaml`,
    );

  const expectExact = async (name: string, source: Emulator = emulator): Promise<number> => {
    const { problems, objects, expected } = await findCalendarProblems(configFor(name, source).config, source);
    expect(problems, problems.join("\n")).toEqual([]);
    expect(objects).toBe(expected);
    expect(readJournal(`${temp.dir}/${name}.db`)).toMatchObject({ outbox: 0, failures: 0, locks: 0 });
    return objects;
  };

  const expectLoudOrSuccess = (result: CliResult, fault: RegExp): void => {
    if (result.code === 0) return;
    expect(result.code, describeResult(result)).not.toBeNull();
    expect(result.stderr, describeResult(result)).toMatch(fault);
  };

  const faulted: Array<{ name: string; set: () => void; names: RegExp }> = [
    { name: 'http500', set: () => (emulator.faults.http500Rate = 0.4), names: /answered status 500/ },
    { name: 'malformed', set: () => (emulator.faults.malformedJsonRate = 0.4), names: /JSON/ },
    { name: 'actionerror', set: () => emulator.faults.queueActionErrors(500, 'internal error in action', 3), names: /500|internal error in action/ },
  ];

  for (const testCase of faulted) {
    it(`recovers from ${testCase.name}`, async () => {
      const { file } = configFor(testCase.name);
      const codes: Array<number | null> = [];
      try {
        testCase.set();
        for (const args of [['sync'], ['sync', '--full']]) {
          const result = await runCli([...args, '--config', file]);
          expectLoudOrSuccess(result, testCase.names);
          codes.push(result.code);
        }
      } finally {
        emulator.faults.reset();
      }
      const recovered = await runCli(['sync', '--full', '--config', file]);
      expect(recovered.code, describeResult(recovered)).toBe(0);
      const objects = await expectExact(testCase.name);
      console.info(`onoffice ${testCase.name}: exits ${codes.join(', ')} then 0; calendar ${objects} objects`);
    }, 60_000);
  }

  it('stops with exit 2 naming the clock when onOffice answers error 136', async () => {
    const { file } = configFor('clock');
    emulator.faults.clockOffsetSeconds = 900;
    let skewed: CliResult;
    try {
      skewed = await runCli(['sync', '--config', file]);
    } finally {
      emulator.faults.reset();
    }
    expect(skewed.code, describeResult(skewed)).toBe(2);
    expect(skewed.stderr, describeResult(skewed)).toMatch(/clock|timestamp/i);
    const recovered = await runCli(['sync', '--config', file]);
    expect(recovered.code, describeResult(recovered)).toBe(0);
    await expectExact('clock');
    console.info(`onoffice error 136: exit 2: ${skewed.stderr.trim().split('\n').pop()}`);
  }, 60_000);

  it('reads a same-second burst larger than one capped answer', async () => {
    const burstEmulator = await startEmulator({ port: 0, seed: 52 });
    try {
      const modified = '2026-10-20 10:00:00';
      const ids = burstEmulator.data.insertMany(generateAppointments({ count: 1200, seed: 52, burst: { size: 1200, modified } }));
      // Only a few are written to the calendar, but all 1,200 share one `modified` second and must be read.
      for (const id of ids.slice(80)) burstEmulator.data.cancel(id, { modified });
      const { file } = configFor('burst', burstEmulator);
      const result = await runCli(['sync', '--json', '--config', file]);
      expect(result.code, describeResult(result)).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ read: 1200 });
      const objects = await expectExact('burst', burstEmulator);
      console.info(`onoffice capped burst: 1200 records in one second read, ${objects} active written`);
    } finally {
      await burstEmulator.close();
    }
  }, 60_000);
});
