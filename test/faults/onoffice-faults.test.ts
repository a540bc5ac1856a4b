import { describe, expect, it } from 'vitest';
import { generateAppointments } from '../../src/emulator/generate-appointments.js';
import type { Emulator } from '../../src/emulator/start-emulator.js';
import { startEmulator } from '../support/sync-fixture.js';
import { describeResult, runCli, useFaultServers, type CliResult } from './fault-harness.js';

/**
 * The onOffice side misbehaves: HTTP 500s, a clock far off (error 136), truncated JSON, failing actions,
 * and a same-second burst bigger than one capped answer. Each run succeeds or fails loudly naming the
 * fault; once the fault is gone the calendar in a real Radicale is exactly right.
 */
describe('onOffice answering with faults', () => {
  const servers = useFaultServers({ seed: 51, count: 40 });
  const configFor = (name: string, source?: Emulator) => servers.configFor(name, { source });
  const expectExact = (name: string, source?: Emulator): Promise<number> => servers.expectExact(name, source);

  const expectLoudOrSuccess = (result: CliResult, fault: RegExp): void => {
    if (result.code === 0) return;
    expect(result.code, describeResult(result)).not.toBeNull();
    expect(result.stderr, describeResult(result)).toMatch(fault);
  };

  const faulted: Array<{ name: string; set: () => void; names: RegExp }> = [
    { name: 'http500', set: () => (servers.emulator.faults.http500Rate = 0.4), names: /answered status 500/ },
    { name: 'malformed', set: () => (servers.emulator.faults.malformedJsonRate = 0.4), names: /JSON/ },
    { name: 'actionerror', set: () => servers.emulator.faults.queueActionErrors(500, 'internal error in action', 3), names: /500|internal error in action/ },
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
        servers.emulator.faults.reset();
      }
      const recovered = await runCli(['sync', '--full', '--config', file]);
      expect(recovered.code, describeResult(recovered)).toBe(0);
      const objects = await expectExact(testCase.name);
      console.info(`onoffice ${testCase.name}: exits ${codes.join(', ')} then 0; calendar ${objects} objects`);
    }, 60_000);
  }

  it('stops with exit 2 naming the clock when onOffice answers error 136', async () => {
    const { file } = configFor('clock');
    servers.emulator.faults.clockOffsetSeconds = 900;
    let skewed: CliResult;
    try {
      skewed = await runCli(['sync', '--config', file]);
    } finally {
      servers.emulator.faults.reset();
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
      const ids = burstEmulator.data.insertMany(generateAppointments({ count: 600, seed: 52, burst: { size: 600, modified } }));
      // Only a few are written to the calendar, but all 600 share one `modified` second (the cap is 500) and must be read.
      for (const id of ids.slice(40)) burstEmulator.data.cancel(id, { modified });
      const { file } = configFor('burst', burstEmulator);
      const result = await runCli(['sync', '--json', '--config', file]);
      expect(result.code, describeResult(result)).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ read: 600 });
      const objects = await expectExact('burst', burstEmulator);
      console.info(`onoffice capped burst: 600 records in one second read, ${objects} active written`);
    } finally {
      await burstEmulator.close();
    }
  }, 60_000);
});
