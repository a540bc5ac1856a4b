import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateAppointments } from '../../src/emulator/generate-appointments.js';
import type { Emulator } from '../../src/emulator/start-emulator.js';
import { findFreePort, startRadicale, type RunningAuthServer } from '../support/caldav-servers.js';
import { createTempDir, createTestConfig, readCalendarEvents, startEmulator } from '../support/sync-fixture.js';

const MAIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const PERIOD_SECONDS = 2;

/** The service as systemd runs it: a child process on a schedule, stopped with SIGTERM. */
describe('onoffice-sync daemon', () => {
  let radicale: RunningAuthServer;
  let emulator: Emulator;
  let temp: ReturnType<typeof createTempDir>;
  let child: ChildProcess;
  let baseUrl: string;
  let output = '';
  let exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  let configFile: string;

  beforeAll(async () => {
    radicale = await startRadicale();
    emulator = await startEmulator({ port: 0 });
    emulator.data.insertMany(generateAppointments({ count: 60, seed: 3 }));
    temp = createTempDir('oos-daemon-');
    const port = await findFreePort();
    baseUrl = `http://127.0.0.1:${port}`;
    configFile = `${temp.dir}/config.yaml`;
    writeFileSync(
      configFile,
      [
        'poll: { lagSeconds: 0, horizonPastDays: 365 }',
        `daemon: { schedule: "*/${PERIOD_SECONDS} * * * * *", host: 127.0.0.1, port: ${port} }`,
        'logLevel: info',
      ].join('\n'),
    );
    child = spawn(process.execPath, [MAIN, 'daemon', '--config', configFile], {
      env: {
        PATH: process.env.PATH,
        ONOFFICE_API_URL: emulator.url,
        ONOFFICE_TOKEN: emulator.token,
        ONOFFICE_SECRET: emulator.secret,
        CALDAV_URL: radicale.url,
        CALDAV_USERNAME: radicale.username,
        CALDAV_PASSWORD: radicale.password,
        STATE_DB: `${temp.dir}/state.db`,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    exit = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        const response = await fetch(`${baseUrl}/readyz`);
        if (response.status === 200) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`daemon did not become ready:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }, 120_000);

  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await emulator?.close();
    await radicale?.stop();
    temp?.remove();
  });

  it('answers /healthz, /readyz and /metrics', async () => {
    expect((await fetch(`${baseUrl}/healthz`)).status).toBe(200);
    const ready = await fetch(`${baseUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true, lastRunOk: true });
    const metrics = await (await fetch(`${baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/onoffice_sync_runs_total\{kind="incremental",result="success"\} [1-9]/);
    expect(metrics).toMatch(/onoffice_sync_requests_total\{side="onoffice"\} [1-9]/);
    expect(metrics).toMatch(/onoffice_sync_items_total\{target="default",action="create"\} [1-9]/);
    expect(metrics).toContain('onoffice_sync_lag_seconds');
  });

  it('carries a change made in onOffice into Radicale within two schedule periods', async () => {
    const config = createTestConfig({ emulator, caldavUrl: radicale.url, username: radicale.username, password: radicale.password, stateDb: `${temp.dir}/unused.db` });
    const record = emulator.data.list().find((candidate) => !candidate.elements.abgesagt)!;
    emulator.data.update(record.id, { description: 'Vom Daemon übertragen' });
    const changedAt = Date.now();
    let seenAfter: number | null = null;
    while (Date.now() - changedAt < 20_000) {
      const events = await readCalendarEvents(config);
      if (events.some(({ event }) => String(event['ONOFFICE-ID']) === String(record.id) && String(event.summary) === 'Vom Daemon übertragen')) {
        seenAfter = Date.now() - changedAt;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(seenAfter, output).not.toBeNull();
    // Two schedule periods plus the time one run takes against a loaded two-core machine.
    expect(seenAfter!).toBeLessThan(2 * PERIOD_SECONDS * 1000 + 5_000);
  }, 60_000);

  it('exits 0 on SIGTERM, within 10 s', async () => {
    const started = Date.now();
    child.kill('SIGTERM');
    const { code, signal } = await exit;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(output).toContain('daemon stopped');
  }, 20_000);
});
