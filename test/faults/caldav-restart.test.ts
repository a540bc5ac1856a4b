import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateAppointments } from '../../src/emulator/generate-appointments.js';
import type { Emulator } from '../../src/emulator/start-emulator.js';
import { startRestartableRadicale, type RestartableServer } from '../support/caldav-servers.js';
import { createTempDir, startEmulator } from '../support/sync-fixture.js';
import { insertFresh } from './mutate-emulator.js';
import { createRawConfig, describeResult, findCalendarProblems, readJournal, runCli, sleep, spawnCli, writeConfigFile } from './fault-harness.js';

/**
 * The CalDAV server process dies (SIGKILL) in the middle of a sync and comes back on the same storage;
 * and a sync starts while it is down. Either the run fails naming the unreachable server, or its retries
 * carry it over the gap; the next runs leave the calendar exactly right.
 */
describe('CalDAV server killed and restarted', () => {
  let radicale: RestartableServer;
  let emulator: Emulator;
  let temp: ReturnType<typeof createTempDir>;
  let file: string;
  let check: ReturnType<typeof writeConfigFile>;

  beforeAll(async () => {
    radicale = await startRestartableRadicale();
    emulator = await startEmulator({ port: 0, seed: 41 });
    emulator.data.insertMany(generateAppointments({ count: 150, seed: 41 }));
    temp = createTempDir('oos-caldav-restart-');
    check = writeConfigFile(
      temp.dir,
      createRawConfig({ emulator, caldavUrl: radicale.url, username: radicale.username, password: radicale.password, stateDb: `${temp.dir}/state.db`, target: { retries: 1 } }),
    );
    file = check.file;
  });

  afterAll(async () => {
    await emulator?.close();
    await radicale?.stop();
    temp?.remove();
  });

  const expectExact = async (): Promise<void> => {
    const { problems, objects, expected } = await findCalendarProblems(check.config, emulator);
    expect(problems, problems.join("\n")).toEqual([]);
    expect(objects).toBe(expected);
    expect(readJournal(`${temp.dir}/state.db`)).toMatchObject({ outbox: 0, failures: 0, locks: 0 });
  };

  it('survives the server dying mid-push', async () => {
    const outcomes: string[] = [];
    for (const killAfterMs of [1500, 2500, 3500]) {
      const run = spawnCli(['sync', '--config', file]);
      await sleep(killAfterMs);
      await radicale.kill();
      await sleep(1000);
      await radicale.restart();
      const result = await run.result;
      if (result.code !== 0) {
        expect(result.code, describeResult(result)).not.toBeNull();
        expect(`${result.stdout}\n${result.stderr}`, describeResult(result)).toMatch(/CalDAV server unreachable|ECONNREFUSED|other side closed|socket/i);
      }
      outcomes.push(String(result.code));
      insertFresh(emulator, generateAppointments({ count: 20, seed: killAfterMs }));
    }
    const recovered = await runCli(['sync', '--config', file]);
    expect(recovered.code, describeResult(recovered)).toBe(0);
    const full = await runCli(['sync', '--full', '--config', file]);
    expect(full.code, describeResult(full)).toBe(0);
    await expectExact();
    console.info(`caldav restart mid-push: exits ${outcomes.join(', ')}, then 0, 0`);
  }, 120_000);

  it('fails loudly while the server is down and catches up once it is back', async () => {
    await radicale.kill();
    emulator.data.update(emulator.data.list()[0]!.id, { description: 'changed while the server was down' });
    const down = await runCli(['sync', '--config', file]);
    expect(down.code, describeResult(down)).not.toBe(0);
    expect(`${down.stdout}\n${down.stderr}`, describeResult(down)).toMatch(/CalDAV server unreachable \(connect ECONNREFUSED/);
    await radicale.restart();
    const back = await runCli(['sync', '--config', file]);
    expect(back.code, describeResult(back)).toBe(0);
    await expectExact();
    console.info(`caldav down at start: exit ${down.code}: ${down.stderr.trim().split('\n').pop()}`);
  }, 60_000);
});
