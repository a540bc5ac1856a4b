import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/config-schema.js';
import { generateAppointments } from '../../src/emulator/generate-appointments.js';
import type { Emulator } from '../../src/emulator/start-emulator.js';
import { findFreePort, startRadicale, type RunningAuthServer } from '../support/caldav-servers.js';
import { createTempDir, createTestConfig, readCalendarEvents, startEmulator, syncOnce } from '../support/sync-fixture.js';

const MAIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const SENTENCE = 'DTEND must occur after DTSTART';
const TRIGGER = 'Vom Server verweigert';

async function readBody(stream: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * Radicale behind a proxy that refuses, as Cyrus does, every PUT whose event carries TRIGGER: 403 with
 * CALDAV:valid-calendar-data and the server's sentence. Everything else goes through unchanged.
 */
async function startRefusingProxy(target: string): Promise<{ url: string; refusedPuts: string[]; close(): Promise<void> }> {
  const upstream = new URL(target);
  const refusedPuts: string[] = [];
  const server: Server = createServer((request, response) => {
    void readBody(request).then((body) => {
      if (request.method === 'PUT' && body.toString('utf8').includes(TRIGGER)) {
        refusedPuts.push(request.url ?? '');
        response.writeHead(403, { 'Content-Type': 'application/xml; charset=utf-8' });
        response.end(
          '<?xml version="1.0" encoding="utf-8"?>\n<D:error xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><C:valid-calendar-data/>' +
            `<D:responsedescription>${SENTENCE}</D:responsedescription></D:error>`,
        );
        return;
      }
      const forwarded = httpRequest(
        { host: upstream.hostname, port: upstream.port, method: request.method, path: request.url, headers: { ...request.headers, host: upstream.host, 'content-length': String(body.length) } },
        (answer) => {
          void readBody(answer).then((data) => {
            response.writeHead(answer.statusCode ?? 502, answer.headers);
            response.end(data);
          });
        },
      );
      forwarded.once('error', () => response.destroy());
      forwarded.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${upstream.pathname}`,
    refusedPuts,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

/** The CLI as a child process; async, because the emulator answers from this process's event loop. */
function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MAIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('a CalDAV object the server refuses for good', () => {
  let radicale: RunningAuthServer;
  let proxy: Awaited<ReturnType<typeof startRefusingProxy>>;
  let emulator: Emulator;
  let temp: ReturnType<typeof createTempDir>;
  let config: Config;
  let refusedId: number;

  beforeAll(async () => {
    radicale = await startRadicale();
    proxy = await startRefusingProxy(radicale.url);
    emulator = await startEmulator({ port: 0 });
    emulator.data.insertMany(generateAppointments({ count: 40, seed: 5 }));
    const record = emulator.data.list().find((candidate) => !candidate.elements.abgesagt && !candidate.elements.rp_flag)!;
    refusedId = record.id;
    emulator.data.update(refusedId, { description: TRIGGER });
    temp = createTempDir('oos-caldav-quarantine-');
    config = createTestConfig({ emulator, caldavUrl: proxy.url, username: radicale.username, password: radicale.password, stateDb: `${temp.dir}/state.db` });
  });

  afterAll(async () => {
    await emulator?.close();
    await proxy?.close();
    await radicale?.stop();
    temp?.remove();
  });

  const cliEnv = (): NodeJS.ProcessEnv => ({
    PATH: process.env.PATH,
    ONOFFICE_API_URL: emulator.url,
    ONOFFICE_TOKEN: emulator.token,
    ONOFFICE_SECRET: emulator.secret,
    CALDAV_URL: proxy.url,
    CALDAV_USERNAME: radicale.username,
    CALDAV_PASSWORD: radicale.password,
    STATE_DB: config.stateDb,
  });

  it('is quarantined with the server’s sentence while every other object is written, and not sent again until it changes', async () => {
    const first = await syncOnce(config);
    expect(first.summary.failed).toEqual([]);
    const [held] = first.summary.targets[0]!.quarantined;
    expect(held).toMatchObject({ appointmentId: refusedId, action: 'create' });
    expect(held!.error).toContain(`HTTP 403: "${SENTENCE}"`);
    expect(held!.error).not.toContain('responsedescription');
    expect(first.summary.caldavQuarantined).toBe(1);
    const ids = (await readCalendarEvents(config)).map(({ event }) => Number(event['ONOFFICE-ID']));
    expect(ids).not.toContain(refusedId);
    expect(ids.length).toBe(first.summary.targets[0]!.created);
    // The seed of the empty calendar (one PUT on it, holding the bad object too) was refused first; the
    // fallback wrote the objects one at a time, and only the bad one was refused.
    expect(proxy.refusedPuts).toEqual(['/anna/onoffice/', expect.stringMatching(/\.ics$/)]);

    // Neither the next run nor a full one sends the same refused text again.
    const again = await syncOnce(config);
    const full = await syncOnce(config, { full: true });
    expect(proxy.refusedPuts).toHaveLength(2);
    expect([...again.caldavRequests, ...full.caldavRequests].filter((request) => request.method === 'PUT')).toEqual([]);
    expect(full.summary.failed).toEqual([]);
    expect(full.summary.caldavQuarantined).toBe(1);

    // The CLI: `sync` exits 0 and says so; `status` and `status --json` show the server's sentence.
    const sync = await runCli(['sync'], cliEnv());
    expect(sync.status, sync.stderr).toBe(0);
    expect(sync.stdout).toContain('1 calendar object(s) refused by the server are in quarantine');
    const status = await runCli(['status'], cliEnv());
    expect(status.stdout).toContain(`appointment ${refusedId} (onoffice-${refusedId}@`);
    expect(status.stdout).toContain(`HTTP 403 "${SENTENCE}"`);
    const json = JSON.parse((await runCli(['status', '--json'], cliEnv())).stdout) as {
      caldav: Array<{ quarantined: Array<{ appointmentId: number; status: number; serverText: string }> }>;
    };
    expect(json.caldav[0]!.quarantined).toEqual([expect.objectContaining({ appointmentId: refusedId, status: 403, serverText: SENTENCE })]);

    // Changed in onOffice, it is tried again, written and released.
    emulator.data.update(refusedId, { description: 'Jetzt annehmbar' });
    const changed = await syncOnce(config);
    expect(changed.summary.targets[0]!.created).toBe(1);
    expect(changed.summary.caldavQuarantined).toBe(0);
    expect((await readCalendarEvents(config)).map(({ event }) => Number(event['ONOFFICE-ID']))).toContain(refusedId);
  }, 300_000);

  it('keeps the daemon ready (/readyz 200) and shows the object in /metrics', async () => {
    emulator.data.update(refusedId, { description: `${TRIGGER}, wieder` });
    const port = await findFreePort();
    const configFile = `${temp.dir}/daemon.yaml`;
    writeFileSync(configFile, ['poll: { lagSeconds: 0, horizonPastDays: 365 }', `daemon: { schedule: "*/2 * * * * *", host: 127.0.0.1, port: ${port} }`, 'logLevel: warn'].join('\n'));
    const child = spawn(process.execPath, [MAIN, 'daemon', '--config', configFile], { env: cliEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      const deadline = Date.now() + 90_000;
      let metrics = '';
      for (;;) {
        const ready = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => null);
        if (ready?.status === 200) {
          metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
          if (/onoffice_sync_quarantined_records\{side="caldav"\} 1/.test(metrics)) break;
        }
        if (Date.now() > deadline) throw new Error(`daemon did not report the quarantined object while ready:\n${output}\n${metrics}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(proxy.refusedPuts).toHaveLength(3);
      expect(output).toContain(SENTENCE);
      expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  }, 120_000);
});
