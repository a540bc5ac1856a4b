import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generateAppointments } from '../../src/emulator/generate-appointments.js';
import type { Emulator } from '../../src/emulator/start-emulator.js';
import { findFreePort, startRadicale, type RunningAuthServer } from '../support/caldav-servers.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import { createTempDir, startEmulator } from '../support/sync-fixture.js';
import { createRawConfig, describeResult, findCalendarProblems, readJournal, spawnCli, stopChildren, waitForOutput, writeConfigFile } from '../faults/fault-harness.js';

/** Waits for `condition` (checked every 50 ms); the limit only guards against a hang. */
async function waitUntil(condition: () => boolean, what: string, limitMs = 60_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what} (a hang guard)`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * The service as systemd runs it: a child process, driven by signals and waited on by its log lines
 * (never by the clock). Its schedule never fires during a test: every run here is the one a start or
 * a reload makes.
 */
describe('onoffice-sync daemon as a process', () => {
  let radicale: RunningAuthServer;
  let emulator: Emulator;
  let temp: ReturnType<typeof createTempDir>;
  const NEVER = '0 0 1 1 *';

  beforeAll(async () => {
    radicale = await startRadicale();
    emulator = await startEmulator({ port: 0, seed: 3 });
    emulator.data.insertMany(generateAppointments({ count: 20, seed: 3 }));
    temp = createTempDir('oos-daemon-');
  });

  afterEach(async () => {
    await stopChildren();
  });

  afterAll(async () => {
    await stopChildren();
    await emulator?.close();
    await radicale?.stop();
    temp?.remove();
  });

  const configFor = (name: string, port: number, extra: Record<string, unknown> = {}) => {
    const raw = createRawConfig({ emulator, caldavUrl: radicale.url, username: radicale.username, password: radicale.password, stateDb: `${temp.dir}/${name}.db`, target: { calendar: name }, daemon: { schedule: NEVER, host: '127.0.0.1', port } });
    return writeConfigFile(temp.dir, { ...raw, logLevel: 'info', ...extra }, `${name}.yaml`);
  };

  it('syncs at start, answers /healthz /readyz /metrics, reloads on SIGHUP, keeps running on a bad reload, and exits 0 on SIGTERM', async () => {
    const [first, second] = [await findFreePort(), await findFreePort()];
    const { file, config } = configFor('service', first);
    const daemon = spawnCli(['daemon', '--config', file]);
    await waitForOutput(daemon, /sync run finished/);
    const base = `http://127.0.0.1:${first}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true, lastRunOk: true });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/onoffice_sync_runs_total\{kind="incremental",result="success"\} 1/);
    expect(metrics).toMatch(/onoffice_sync_requests_total\{side="onoffice"\} [1-9]/);
    expect(metrics).toMatch(/onoffice_sync_items_total\{target="default",action="create"\} [1-9]/);
    expect(metrics).toContain('onoffice_sync_lag_seconds');

    // A reload takes the new configuration (here: another port) and syncs what changed meanwhile.
    const record = emulator.data.list().find((candidate) => !candidate.elements.abgesagt)!;
    emulator.data.update(record.id, { description: 'Nach dem Neuladen übertragen' });
    configFor('service', second);
    daemon.child.kill('SIGHUP');
    await waitForOutput(daemon, new RegExp(`"url":"http://127\\.0\\.0\\.1:${second}"[^\\n]*"msg":"configuration reloaded"`));
    await waitForOutput(daemon, /sync run finished[\s\S]*sync run finished/);
    expect((await fetch(`http://127.0.0.1:${second}/healthz`)).status).toBe(200);
    expect(await fetch(`${base}/healthz`).then(() => 'answered', () => 'refused')).toBe('refused');
    const { problems, objects, expected } = await findCalendarProblems(config, emulator);
    expect(problems, problems.join('\n')).toEqual([]);
    expect(objects).toBe(expected);

    // A configuration that cannot be used is refused; the running daemon carries on.
    writeFileSync(file, 'daemon: { port: many }\n');
    daemon.child.kill('SIGHUP');
    await waitForOutput(daemon, /SIGHUP: the configuration cannot be used; keeping the running one/);
    expect((await fetch(`http://127.0.0.1:${second}/healthz`)).status).toBe(200);

    daemon.child.kill('SIGTERM');
    const stopped = await daemon.result;
    expect({ code: stopped.code, signal: stopped.signal }, describeResult(stopped)).toEqual({ code: 0, signal: null });
    expect(stopped.stderr).toContain('daemon stopped');
    expect(readJournal(`${temp.dir}/service.db`)).toMatchObject({ outbox: 0, locks: 0 });
  }, 120_000);

  it('syncs now on SIGUSR1 and on POST /sync with the admin token, and refuses POST /sync without it', async () => {
    const port = await findFreePort();
    const adminToken = randomUUID();
    const raw = createRawConfig({ emulator, caldavUrl: radicale.url, username: radicale.username, password: radicale.password, stateDb: `${temp.dir}/trigger.db`, target: { calendar: 'trigger' }, daemon: { schedule: NEVER, host: '127.0.0.1', port, adminToken } });
    const { file, config } = writeConfigFile(temp.dir, { ...raw, logLevel: 'info' }, 'trigger.yaml');
    const daemon = spawnCli(['daemon', '--config', file]);
    const finished = (count: number) => new RegExp(Array.from({ length: count }, () => 'sync run finished').join('[\\s\\S]*'));
    await waitForOutput(daemon, finished(1));

    const record = emulator.data.list().find((candidate) => !candidate.elements.abgesagt)!;
    emulator.data.update(record.id, { description: 'Auf SIGUSR1 übertragen' });
    daemon.child.kill('SIGUSR1');
    await waitForOutput(daemon, /"source":"SIGUSR1"[^\n]*"msg":"sync triggered: running now"/);
    await waitForOutput(daemon, finished(2));
    expect(daemon.stderr()).not.toContain('Debugger listening');

    const base = `http://127.0.0.1:${port}`;
    expect((await fetch(`${base}/sync`, { method: 'POST' })).status).toBe(401);
    emulator.data.update(record.id, { description: 'Auf POST /sync übertragen' });
    const accepted = await fetch(`${base}/sync`, { method: 'POST', headers: { authorization: `Bearer ${adminToken}` } });
    expect(accepted.status).toBe(202);
    expect(await accepted.json()).toEqual({ queued: true, running: false });
    await waitForOutput(daemon, finished(3));
    const { problems } = await findCalendarProblems(config, emulator);
    expect(problems, problems.join('\n')).toEqual([]);
    expect(await (await fetch(`${base}/metrics`)).text()).toMatch(/onoffice_sync_runs_total\{kind="incremental",result="success"\} 3/);

    daemon.child.kill('SIGTERM');
    const stopped = await daemon.result;
    expect(stopped.code, describeResult(stopped)).toBe(0);
    expect(stopped.stderr).not.toContain(adminToken);
  }, 120_000);

  it('exits 1 naming the address when it cannot listen on its port, and syncs nothing', async () => {
    const other = createServer();
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    try {
      const port = (other.address() as AddressInfo).port;
      const { file } = configFor('taken', port);
      const result = await spawnCli(['daemon', '--config', file]).result;
      expect(result.code, describeResult(result)).toBe(1);
      expect(result.stderr).toContain(`onoffice-sync: daemon: cannot listen on 127.0.0.1:${port} (the port is in use by another process)`);
      expect(result.stderr).not.toContain('sync run');
    } finally {
      await new Promise<void>((resolve) => other.close(() => resolve()));
    }
  }, 60_000);

  it('logs a run cut short by SIGTERM as interrupted, not finished, and exits 0', async () => {
    // PUTs never get an answer: the first run is in its push when SIGTERM comes.
    const proxy = await startFaultProxy({ target: radicale.url, seed: 9, faults: { timeoutRate: 1, afterForwardShare: 0, methods: ['PUT'] } });
    try {
      const raw = createRawConfig({ emulator, caldavUrl: proxy.url, username: radicale.username, password: radicale.password, stateDb: `${temp.dir}/interrupted.db`, target: { calendar: 'interrupted', timeoutMs: 2000, retries: 0 }, daemon: { schedule: NEVER, port: 0 } });
      const { file } = writeConfigFile(temp.dir, { ...raw, logLevel: 'info' }, 'interrupted.yaml');
      const daemon = spawnCli(['daemon', '--config', file]);
      await waitUntil(() => proxy.counts.timeouts > 0, 'the first PUT');
      daemon.child.kill('SIGTERM');
      const stopped = await daemon.result;
      expect(stopped.code, describeResult(stopped)).toBe(0);
      expect(stopped.stderr).toMatch(/sync run interrupted/);
      expect(stopped.stderr).not.toContain('sync run finished');
    } finally {
      await proxy.close();
    }
  }, 60_000);
});
