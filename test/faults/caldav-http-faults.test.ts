import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateAppointments } from '../../src/emulator/generate-appointments.js';
import type { Emulator } from '../../src/emulator/start-emulator.js';
import { startRadicale, type RunningAuthServer } from '../support/caldav-servers.js';
import { startFaultProxy, type FaultProxyFaults } from '../support/fault-proxy.js';
import { createTempDir, startEmulator } from '../support/sync-fixture.js';
import { insertFresh } from './mutate-emulator.js';
import { createRawConfig, describeResult, findCalendarProblems, readJournal, runCli, writeConfigFile, type CliResult } from './fault-harness.js';

/**
 * A seeded share of the CalDAV requests fails on the way to a real Radicale: 500, 503 with Retry-After,
 * or no answer at all. Half of the faulted requests reach Radicale first, so a write happened while its
 * answer was lost. A run either succeeds (the retries absorbed the faults) or fails loudly naming the
 * fault; once the faults stop, the calendar is exactly right.
 */
describe('CalDAV answering with faults', () => {
  let radicale: RunningAuthServer;
  let emulator: Emulator;
  let temp: ReturnType<typeof createTempDir>;

  beforeAll(async () => {
    radicale = await startRadicale();
    emulator = await startEmulator({ port: 0, seed: 31 });
    emulator.data.insertMany(generateAppointments({ count: 50, seed: 31 }));
    temp = createTempDir('oos-caldav-faults-');
  });

  afterAll(async () => {
    await emulator?.close();
    await radicale?.stop();
    temp?.remove();
  });

  /** A failed run must say what failed: the per-item lines on stdout or the error on stderr. */
  const expectLoudOrSuccess = (result: CliResult, fault: RegExp): void => {
    if (result.code === 0) return;
    expect(result.code, describeResult(result)).not.toBeNull();
    expect(`${result.stdout}\n${result.stderr}`, describeResult(result)).toMatch(fault);
  };

  const cases: Array<{ name: string; seed: number; faults: Partial<FaultProxyFaults>; target?: Record<string, unknown>; names: RegExp; counted: 'http500' | 'http503' | 'timeouts' }> = [
    { name: '500 on 25% of requests', seed: 1, faults: { http500Rate: 0.25 }, names: /HTTP 500/, counted: 'http500' },
    { name: '503 with Retry-After on 20% of requests', seed: 2, faults: { http503Rate: 0.2, retryAfterSeconds: 1 }, names: /HTTP 503/, counted: 'http503' },
    { name: 'no answer on 15% of requests', seed: 3, faults: { timeoutRate: 0.15 }, target: { timeoutMs: 1500, retries: 2 }, names: /did not answer within 1500 ms/, counted: 'timeouts' },
  ];

  for (const testCase of cases) {
    it(`recovers from ${testCase.name}`, async () => {
      const proxy = await startFaultProxy({ target: radicale.url, seed: testCase.seed, faults: testCase.faults });
      try {
        const calendar = `faults-${testCase.seed}`;
        const stateDb = `${temp.dir}/${calendar}.db`;
        const credentials = { emulator, username: radicale.username, password: radicale.password, stateDb };
        const { file } = writeConfigFile(temp.dir, createRawConfig({ ...credentials, caldavUrl: proxy.url, target: { calendar, ...testCase.target } }), `${calendar}.yaml`);
        const direct = writeConfigFile(temp.dir, createRawConfig({ ...credentials, caldavUrl: radicale.url, target: { calendar } }), `${calendar}-direct.yaml`);

        const outcomes: Array<number | null> = [];
        for (const args of [['sync'], ['sync', '--full']]) {
          const result = await runCli([...args, '--config', file]);
          expectLoudOrSuccess(result, testCase.names);
          outcomes.push(result.code);
        }
        expect(proxy.counts[testCase.counted]).toBeGreaterThan(0);
        // A new object appears while the faults go on, and one more after: both must arrive.
        insertFresh(emulator, generateAppointments({ count: 2, seed: 300 + testCase.seed }));

        proxy.clearFaults();
        const recovered = await runCli(['sync', '--full', '--config', file]);
        expect(recovered.code, describeResult(recovered)).toBe(0);
        const { problems, objects, expected } = await findCalendarProblems(direct.config, emulator);
        expect(problems, problems.join("\n")).toEqual([]);
        expect(objects).toBe(expected);
        expect(readJournal(stateDb)).toMatchObject({ outbox: 0, failures: 0, locks: 0 });
        console.info(`caldav ${testCase.name}: exits ${outcomes.join(', ')} then 0; proxy ${JSON.stringify(proxy.counts)}; calendar ${objects} = ${expected}`);
      } finally {
        await proxy.close();
      }
    }, 120_000);
  }
});
