import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSyncCommand } from '../../src/cli/sync-command.js';
import { createCaldavTarget } from '../../src/caldav/caldav-target.js';
import type { Config } from '../../src/config/config-schema.js';
import type { Emulator } from '../../src/emulator/start-emulator.js';
import { createSilentLogger } from '../../src/log/create-logger.js';
import { openStateStore } from '../../src/store/open-state-store.js';
import { startRadicale, type RunningAuthServer } from '../support/caldav-servers.js';
import { formatUtcTimestamp } from '../../src/emulator/emulator-database.js';
import { generateAppointments } from '../../src/emulator/generate-appointments.js';
import { createTempDir, createTestConfig, readEmulatorAppointments, startEmulator } from '../support/sync-fixture.js';

async function run(config: Config, options: { dryRun?: boolean; json?: boolean }): Promise<{ code: number; text: string }> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const code = await runSyncCommand({ config, logger: createSilentLogger() }, options, out);
  return { code, text };
}

describe('sync --dry-run', () => {
  let radicale: RunningAuthServer;
  let emulator: Emulator;
  let temp: ReturnType<typeof createTempDir>;
  let config: Config;

  beforeAll(async () => {
    radicale = await startRadicale();
    emulator = await startEmulator({ port: 0, appointments: 40, seed: 9 });
    temp = createTempDir('oos-dry-run-');
    config = createTestConfig({ emulator, caldavUrl: radicale.url, username: radicale.username, password: radicale.password, stateDb: `${temp.dir}/state.db` });
  });

  afterAll(async () => {
    await emulator?.close();
    await radicale?.stop();
    temp?.remove();
  });

  it('prints the creates per calendar and writes nothing: no calendar, no cursor in the state', async () => {
    const expected = readEmulatorAppointments(emulator).filter((appointment) => !appointment.cancelled).length;
    const { code, text } = await run(config, { dryRun: true });
    expect(code).toBe(0);
    expect(text).toContain('dry run: read 40 record(s) from onOffice; nothing was written');
    expect(text).toContain(`target default: ${expected} change(s), 0 unchanged`);
    expect(text).toMatch(new RegExp(`: ${expected} create, 0 update, 0 delete`));
    const target = createCaldavTarget({ url: radicale.url, username: radicale.username, password: radicale.password });
    expect((await target.findCalendar({ path: 'onoffice', displayName: 'onOffice' })).calendar).toBeNull();
    const store = openStateStore(config.stateDb);
    expect(store.cursors.get('onoffice:modified')).toBeUndefined();
    expect(store.appointments.counts().active).toBe(0);
    store.close();
  });

  it('after a real sync plans nothing, also as JSON', async () => {
    expect((await run(config, {})).code).toBe(0);
    const { code, text } = await run(config, { dryRun: true, json: true });
    expect(code).toBe(0);
    const report = JSON.parse(text) as { dryRun: boolean; plans: Array<{ target: string; unchanged: number; actions: unknown[] }> };
    expect(report.dryRun).toBe(true);
    expect(report.plans).toEqual([expect.objectContaining({ target: 'default', actions: [] })]);
  });

  it('counts every planned action but lists a bounded sample per calendar, in text and JSON', async () => {
    // After the real sync above, about 70 new appointments: more creates than the 50 a calendar lists.
    const shown = (): number => readEmulatorAppointments(emulator).filter((appointment) => !appointment.cancelled).length;
    const before = shown();
    emulator.data.insertMany(generateAppointments({ count: 70, seed: 21 }), { modified: formatUtcTimestamp(Date.now()) });
    const added = shown() - before;
    expect(added).toBeGreaterThan(50);
    const json = await run(config, { dryRun: true, json: true });
    const report = JSON.parse(json.text) as { plans: Array<{ changes: number; calendars: Array<{ create: number; update: number; delete: number }>; actions: Array<{ kind: string }> }> };
    const [plan] = report.plans;
    expect(plan!.changes).toBe(added);
    expect(plan!.calendars).toEqual([expect.objectContaining({ create: added, update: 0, delete: 0 })]);
    expect(plan!.actions).toHaveLength(50);
    expect(plan!.actions.every((action) => action.kind === 'create')).toBe(true);
    const { text } = await run(config, { dryRun: true });
    expect(text).toContain(`target default: ${added} change(s)`);
    expect(text).toContain(`: ${added} create, 0 update, 0 delete\n`);
    expect(text.match(/^ {4}create /gm)).toHaveLength(50);
    expect(text).toContain(`… and ${added - 50} more`);
  });
});
