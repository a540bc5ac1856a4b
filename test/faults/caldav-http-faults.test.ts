import { describe, expect, it } from 'vitest';
import { generateAppointments } from '../../src/emulator/generate-appointments.js';
import { startFaultProxy, type FaultProxyFaults } from '../support/fault-proxy.js';
import { insertFresh } from './mutate-emulator.js';
import { describeResult, runCli, useFaultServers, type CliResult } from './fault-harness.js';

/**
 * A seeded share of the CalDAV requests fails on the way to a real Radicale: 500, 503 with Retry-After,
 * or no answer at all. Half of the faulted requests reach Radicale first, so a write happened while its
 * answer was lost. A run either succeeds (the retries absorbed the faults) or fails loudly naming the
 * fault; once the faults stop, the calendar is exactly right.
 */
describe('CalDAV answering with faults', () => {
  const servers = useFaultServers({ seed: 31, count: 40 });

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
      const proxy = await startFaultProxy({ target: servers.radicale.url, seed: testCase.seed, faults: testCase.faults });
      try {
        const calendar = `faults-${testCase.seed}`;
        const { file } = servers.configFor(calendar, { caldavUrl: proxy.url, target: testCase.target });
        const outcomes: Array<number | null> = [];
        for (const args of [['sync'], ['sync', '--full']]) {
          const result = await runCli([...args, '--config', file]);
          expectLoudOrSuccess(result, testCase.names);
          outcomes.push(result.code);
        }
        expect(proxy.counts[testCase.counted]).toBeGreaterThan(0);
        // A new object appears while the faults go on, and one more after: both must arrive.
        insertFresh(servers.emulator, generateAppointments({ count: 2, seed: 300 + testCase.seed }));

        proxy.clearFaults();
        const recovered = await runCli(['sync', '--full', '--config', file]);
        expect(recovered.code, describeResult(recovered)).toBe(0);
        const objects = await servers.expectExact(calendar);
        console.info(`caldav ${testCase.name}: exits ${outcomes.join(', ')} then 0; proxy ${JSON.stringify(proxy.counts)}; calendar ${objects} objects`);
      } finally {
        await proxy.close();
      }
    }, 120_000);
  }
});
