import { describe, expect, it } from 'vitest';
import { generateAppointments } from '../../src/emulator/generate-appointments.js';
import { insertFresh } from './mutate-emulator.js';
import { describeResult, readJournal, runCli, spawnCli, useFaultServers } from './fault-harness.js';

/** Waits until `condition` holds (checked every 20 ms); the limit only guards against a hang. */
async function waitUntil(condition: () => boolean, what: string, limitMs = 60_000): Promise<boolean> {
  const deadline = Date.now() + limitMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what} (a hang guard)`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}

/**
 * The CalDAV server process dies (SIGKILL) in the middle of a sync and comes back on the same storage;
 * and a sync starts while it is down. Either the run fails naming the unreachable server, or its retries
 * carry it over the gap; the next runs leave the calendar exactly right.
 */
describe('CalDAV server killed and restarted', () => {
  const servers = useFaultServers({ seed: 41, count: 40 });

  it('survives the server dying mid-push', async () => {
    const { file, stateDb } = servers.configFor('restart', { target: { retries: 1 } });
    const outcomes: string[] = [];
    for (let round = 1; round <= 3; round += 1) {
      const run = spawnCli(['sync', '--config', file]);
      // The server dies once the push has begun (a write is journalled), or, should the run end first, after it.
      let done = false;
      void run.result.then(() => (done = true));
      await waitUntil(() => done || readJournal(stateDb).outbox > 0, 'the push to begin');
      await servers.radicale.kill();
      await servers.radicale.restart();
      const result = await run.result;
      if (result.code !== 0) {
        expect(result.code, describeResult(result)).not.toBeNull();
        expect(`${result.stdout}\n${result.stderr}`, describeResult(result)).toMatch(/CalDAV server unreachable|ECONNREFUSED|other side closed|socket/i);
      }
      outcomes.push(String(result.code));
      insertFresh(servers.emulator, generateAppointments({ count: 20, seed: 500 + round }));
    }
    const recovered = await runCli(['sync', '--config', file]);
    expect(recovered.code, describeResult(recovered)).toBe(0);
    const full = await runCli(['sync', '--full', '--config', file]);
    expect(full.code, describeResult(full)).toBe(0);
    await servers.expectExact('restart');
    console.info(`caldav restart mid-push: exits ${outcomes.join(', ')}, then 0, 0`);
  }, 120_000);

  it('fails loudly while the server is down and catches up once it is back', async () => {
    const { file } = servers.configFor('restart', { target: { retries: 1 } });
    await servers.radicale.kill();
    servers.emulator.data.update(servers.emulator.data.list()[0]!.id, { description: 'changed while the server was down' });
    const down = await runCli(['sync', '--config', file]);
    expect(down.code, describeResult(down)).not.toBe(0);
    expect(`${down.stdout}\n${down.stderr}`, describeResult(down)).toMatch(/CalDAV server unreachable \(connect ECONNREFUSED/);
    await servers.radicale.restart();
    const back = await runCli(['sync', '--config', file]);
    expect(back.code, describeResult(back)).toBe(0);
    await servers.expectExact('restart');
    console.info(`caldav down at start: exit ${down.code}: ${down.stderr.trim().split('\n').pop()}`);
  }, 60_000);
});
