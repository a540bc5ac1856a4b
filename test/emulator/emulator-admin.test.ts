import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isLoopbackAddress } from '../../src/domain/is-loopback-address.js';
import { startEmulator, type Emulator } from '../../src/emulator/start-emulator.js';
import { createOnOfficeClient } from '../../src/onoffice/onoffice-client.js';

let dir: string;
const running: Emulator[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'oos-emulator-admin-'));
});
afterEach(async () => {
  for (const emulator of running.splice(0)) await emulator.close();
  rmSync(dir, { recursive: true, force: true });
});

async function start(options: Parameters<typeof startEmulator>[0] = {}): Promise<Emulator> {
  const emulator = await startEmulator({ appointments: 5, seed: 3, ...options });
  running.push(emulator);
  return emulator;
}

async function call(emulator: Emulator, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const response = await fetch(`${emulator.adminUrl}${path}`, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, json: text === '' ? undefined : JSON.parse(text) };
}

const clientFor = (emulator: Emulator) => createOnOfficeClient({ url: emulator.url, token: emulator.token, secret: emulator.secret, retries: 0 });

const VIEWING = { data: { description: 'Besichtigung Lindenstraße', start_dt: '2026-12-03 10:00:00', end_dt: '2026-12-03 11:00:00' }, subscribers: { users: [55] } };

describe('emulator admin API over HTTP', () => {
  it('lists, creates, changes and deletes appointments, and the signed API sees each change', async () => {
    const emulator = await start();
    const client = clientFor(emulator);
    const listed = await call(emulator, 'GET', '/appointments');
    expect(listed.status).toBe(200);
    expect(listed.json.appointments.map((record: { id: number }) => record.id)).toEqual([1, 2, 3, 4, 5]);

    const created = await call(emulator, 'POST', '/appointments', VIEWING);
    expect(created.status).toBe(201);
    const id = created.json.id as number;
    expect(created.json.elements).toMatchObject({ description: 'Besichtigung Lindenstraße', user_ids: [55], fuer: ['Müller, Bernd (bmueller)'] });
    expect((await client.readAppointment(id))?.elements).toMatchObject({ description: 'Besichtigung Lindenstraße', start_dt: '2026-12-03 10:00:00' });

    const changed = await call(emulator, 'PATCH', `/appointments/${id}`, { data: { start_dt: '2026-12-03 14:00:00', end_dt: '2026-12-03 15:30:00', abgesagt: true } });
    expect(changed.status).toBe(200);
    expect(changed.json.elements).toMatchObject({ description: 'Besichtigung Lindenstraße', start_dt: '2026-12-03 14:00:00', status: 'canceled' });
    expect((await client.readAppointment(id))?.elements).toMatchObject({ end_dt: '2026-12-03 15:30:00', abgesagt: true });

    // What the way back wrote through the signed API is visible here.
    const fromSync = await client.createAppointment({ data: { description: 'vom Telefon', start_dt: '2026-12-04 09:00:00', end_dt: '2026-12-04 09:30:00' } });
    expect((await call(emulator, 'GET', `/appointments/${fromSync}`)).json.elements.description).toBe('vom Telefon');

    expect((await call(emulator, 'DELETE', `/appointments/${id}`)).status).toBe(204);
    expect(await client.readAppointment(id)).toBeNull();
    expect((await call(emulator, 'GET', `/appointments/${id}`)).status).toBe(404);
  });

  it('answers bad input with 400 naming the problem, and changes nothing', async () => {
    const emulator = await start();
    const before = emulator.data.list();
    const noEnd = await call(emulator, 'POST', '/appointments', { data: { description: 'x', start_dt: '2026-12-03 10:00:00' } });
    expect(noEnd).toMatchObject({ status: 400, json: { error: 'data.end_dt is mandatory' } });
    const typo = await call(emulator, 'PATCH', '/appointments/1', { data: { descripton: 'x' } });
    expect(typo.status).toBe(400);
    expect(typo.json.error).toMatch(/descripton/);
    expect((await call(emulator, 'POST', '/appointments', '{not json')).json.error).toBe('the body is not valid JSON');
    expect((await call(emulator, 'PUT', '/appointments/1', {})).status).toBe(405);
    expect((await call(emulator, 'GET', '/appointments/999')).json.error).toMatch(/no appointment with id 999/);
    expect((await call(emulator, 'GET', '/nothing')).status).toBe(404);
    expect(emulator.data.list()).toEqual(before);
  });

  it('lets a user depart and return, which get users reflects', async () => {
    const emulator = await start();
    const client = clientFor(emulator);
    expect((await client.getUsers()).map((user) => user.id)).toContain(55);
    const departed = await call(emulator, 'PATCH', '/users/55', { active: false });
    expect(departed.json).toMatchObject({ id: 55, username: 'bmueller', active: false });
    expect((await client.getUsers()).map((user) => user.id)).not.toContain(55);
    expect((await call(emulator, 'GET', '/users')).json.users.find((user: { id: number }) => user.id === 55).active).toBe(false);
    expect((await call(emulator, 'PATCH', '/users/55', { active: 'no' })).status).toBe(400);
    await call(emulator, 'PATCH', '/users/55', { active: true });
    expect((await client.getUsers()).map((user) => user.id)).toContain(55);
  });

  it('keeps appointments, users and ids across a restart with --data, in a 0600 file', async () => {
    const file = join(dir, 'emulator.json');
    const first = await start({ dataFile: file });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const created = (await call(first, 'POST', '/appointments', VIEWING)).json.id as number;
    await call(first, 'DELETE', '/appointments/2');
    await call(first, 'PATCH', '/users/19', { active: false });
    const viaApi = await clientFor(first).createAppointment({ data: { description: 'über die API', start_dt: '2026-12-05 09:00:00', end_dt: '2026-12-05 10:00:00' } });
    const before = first.data.list();
    await first.close();
    running.splice(running.indexOf(first), 1);

    const second = await start({ dataFile: file, appointments: 50 });
    expect(second.data.list()).toEqual(before);
    expect(second.data.has(2)).toBe(false);
    expect(second.data.get(viaApi)?.elements.description).toBe('über die API');
    expect((await clientFor(second).getUsers()).map((user) => user.id)).not.toContain(19);
    const next = (await call(second, 'POST', '/appointments', VIEWING)).json.id as number;
    expect(next).toBeGreaterThan(Math.max(created, viaApi));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8')).records).toHaveLength(before.length + 1);
  });

  it('refuses a data file it cannot read, naming it, and leaves the file alone', async () => {
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{"version": 1, "records": ');
    await expect(startEmulator({ dataFile: file })).rejects.toThrow(/emulator data file .*broken\.json: it is not readable JSON.*fix or move the file away/);
    expect(readFileSync(file, 'utf8')).toBe('{"version": 1, "records": ');
  });

  it('counts only loopback peers as loopback', () => {
    for (const address of ['127.0.0.1', '127.5.0.9', '::1', '::ffff:127.0.0.1']) expect(isLoopbackAddress(address)).toBe(true);
    for (const address of ['192.168.1.20', '10.0.0.1', '::ffff:192.168.1.20', 'fe80::1', '1127.0.0.1', undefined]) expect(isLoopbackAddress(address)).toBe(false);
  });
});
