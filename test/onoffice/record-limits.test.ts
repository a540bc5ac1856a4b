import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmulatorElements } from '../../src/emulator/emulator-database.js';
import { startEmulator, type Emulator } from '../../src/emulator/start-emulator.js';
import { createOnOfficeClient } from '../../src/onoffice/onoffice-client.js';
import { hashAppointmentRecord } from '../../src/domain/hash-appointment-record.js';
import { parseAppointment } from '../../src/onoffice/parse-appointment.js';
import { describeResult, runCli } from '../faults/fault-harness.js';
import { createTempDir } from '../support/sync-fixture.js';

function nested(depth: number): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i++) value = { inner: value };
  return value;
}

describe('one onOffice record past the limits', () => {
  let emulator: Emulator;
  let temp: ReturnType<typeof createTempDir>;
  let proxy: Server;
  let proxyUrl: string;
  const DEEP_MARKER = 'deep-record-marker';

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, seed: 5, appointments: 20 });
    temp = createTempDir('oos-limits-');
    // The emulator clones its records (recursively), so the 3,000 levels are put into its answer text.
    const deepText = `${'{"inner":'.repeat(3000)}"bottom"${'}'.repeat(3000)}`;
    proxy = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        void fetch(emulator.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: Buffer.concat(chunks) }).then(async (answer) => {
          const text = (await answer.text()).replaceAll(`"${DEEP_MARKER}"`, deepText);
          res.writeHead(answer.status, { 'content-type': 'application/json', date: answer.headers.get('date') ?? new Date().toUTCString() }).end(text);
        });
      });
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/api/stable/api.php`;
  });

  afterAll(async () => {
    proxy.closeAllConnections();
    await new Promise<void>((resolve) => proxy.close(() => resolve()));
    await emulator.close();
    temp.remove();
  });

  it('is hashed and parsed without recursion, and quarantined', () => {
    const record = { id: 7, type: 'calendar', elements: { start_dt: '2026-11-05 10:00:00', end_dt: '2026-11-05 11:00:00', extra: nested(3000) } } as never;
    expect(hashAppointmentRecord(record)).toMatch(/^[0-9a-f]{64}$/);
    expect(parseAppointment(record, 'Europe/Berlin')).toEqual({ ok: false, reason: expect.stringMatching(/nested more than 32 levels/) });
    const deeper = { id: 7, type: 'calendar', elements: { extra: nested(200_000) } } as never;
    expect(parseAppointment(deeper, 'Europe/Berlin')).toMatchObject({ ok: false });
  });

  it('does not break the run: the others sync, the deep and the huge record sit in quarantine', async () => {
    const [deepId, hugeId] = emulator.data.list().slice(0, 2).map((record) => record.id);
    emulator.data.update(deepId!, { notiz: DEEP_MARKER } as unknown as Partial<EmulatorElements>);
    emulator.data.update(hugeId!, { beschreibung: 'x'.repeat(2 * 1024 * 1024) } as unknown as Partial<EmulatorElements>);
    const env = { ONOFFICE_API_URL: proxyUrl, ONOFFICE_TOKEN: emulator.token, ONOFFICE_SECRET: emulator.secret, STATE_DB: join(temp.dir, 'state.db') };
    const sync = await runCli(['sync', '--config', writeHorizon(temp.dir)], env);
    expect(sync.code, describeResult(sync)).toBe(0);
    const status = await runCli(['status', '--json'], env);
    const report = JSON.parse(status.stdout) as { appointments: { active: number; cancelled: number; quarantined: number }; quarantine: Array<{ id: number; reason: string }> };
    expect(report.quarantine).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: deepId, reason: expect.stringMatching(/nested more than 32 levels/) }),
        expect.objectContaining({ id: hugeId, reason: expect.stringMatching(/larger than 1048576 bytes/) }),
      ]),
    );
    expect(report.appointments.quarantined).toBe(2);
    expect(report.appointments.active + report.appointments.cancelled).toBe(18);
  });
});

function writeHorizon(dir: string): string {
  const file = join(dir, 'config.yaml');
  writeFileSync(file, 'poll:\n  lagSeconds: 0\n  horizonPastDays: 1000\n  horizonFutureDays: 1000\n');
  return file;
}

describe('one onOffice answer past the size limit', () => {
  let server: Server;
  let url: string;
  let declareLength = false;

  beforeAll(async () => {
    server = createServer((_req, res) => {
      const chunk = Buffer.alloc(64 * 1024, 'x');
      res.writeHead(200, { 'content-type': 'application/json', ...(declareLength ? { 'content-length': String(chunk.length * 32) } : {}) });
      let sent = 0;
      const more = (): void => {
        while (sent < 32) {
          sent++;
          if (!res.write(chunk)) return void res.once('drain', more);
        }
        res.end();
      };
      res.on('error', () => undefined);
      more();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/stable/api.php`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('stops with a clear error, streamed or declared', async () => {
    for (const declared of [false, true]) {
      declareLength = declared;
      const client = createOnOfficeClient({ url, token: 't', secret: 's', retries: 0, maxAnswerBytes: 1024 * 1024 });
      await expect(client.getUsers()).rejects.toMatchObject({
        name: 'OnOfficeProtocolError',
        message: expect.stringMatching(/the answer is larger than 1048576 bytes; lower poll.batchSize/),
      });
    }
  });
});
