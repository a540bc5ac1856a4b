import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDoctor } from '../../src/cli/doctor-command.js';
import { createCaldavTarget } from '../../src/caldav/caldav-target.js';
import type { Config } from '../../src/config/config-schema.js';
import type { Emulator } from '../../src/emulator/start-emulator.js';
import { createSilentLogger } from '../../src/log/create-logger.js';
import { openStateStore } from '../../src/store/open-state-store.js';
import { startRadicale, type RunningAuthServer } from '../support/caldav-servers.js';
import { createTempDir, createTestConfig, readCalendarEvents, startEmulator, syncOnce } from '../support/sync-fixture.js';

describe('onoffice-sync doctor: state database and CalDAV', () => {
  let radicale: RunningAuthServer;
  let emulator: Emulator;
  let temp: ReturnType<typeof createTempDir>;
  let config: Config;

  const doctor = async (use: Config): Promise<{ code: number; output: string }> => {
    let output = '';
    const code = await runDoctor(() => ({ config: use, logger: createSilentLogger() }), { write: (text: string) => (output += text) });
    return { code, output };
  };

  beforeAll(async () => {
    radicale = await startRadicale();
    emulator = await startEmulator({ port: 0, appointments: 5 });
    temp = createTempDir('oos-doctor-');
    config = createTestConfig({ emulator, caldavUrl: radicale.url, username: radicale.username, password: radicale.password, stateDb: `${temp.dir}/state.db` });
  });

  afterAll(async () => {
    await emulator?.close();
    await radicale?.stop();
    temp?.remove();
  });

  it('passes before the first sync and says what will be created, creating nothing', async () => {
    const { code, output } = await doctor(config);
    expect(code, output).toBe(0);
    expect(output).toMatch(/✓ state database: .*state\.db will be created by the first sync/);
    expect(output).toMatch(/✓ CalDAV default: onoffice: signed in at .*; calendar .*onoffice\/ \("onOffice"\) will be created by the first sync/);
    const { calendar } = await createCaldavTarget({ url: radicale.url, username: radicale.username, password: radicale.password }).findCalendar({ path: 'onoffice', displayName: 'onOffice' });
    expect(calendar).toBeNull();
  });

  it('after a sync finds the calendar, proves write permission and leaves no probe behind', async () => {
    await syncOnce(config);
    const before = (await readCalendarEvents(config)).length;
    const { code, output } = await doctor(config);
    expect(code, output).toBe(0);
    expect(output).toMatch(/✓ state database: .*schema version \d+/);
    expect(output).toMatch(/✓ CalDAV default: onoffice: calendar .* found; a test event was written and deleted/);
    expect((await readCalendarEvents(config)).length).toBe(before);
  });

  it('exits 2 with the fix for a wrong CalDAV password', async () => {
    const wrong = createTestConfig({ emulator, caldavUrl: radicale.url, username: radicale.username, password: 'wrong', stateDb: `${temp.dir}/state.db` });
    const { code, output } = await doctor(wrong);
    expect(code).toBe(2);
    expect(output).toMatch(/✗ CalDAV default: onoffice: /);
    expect(output).toContain('check CALDAV_USERNAME / CALDAV_PASSWORD');
    expect(output).not.toContain('wrong');
  });

  it('fails for a state database written by a newer onoffice-sync', async () => {
    const store = openStateStore(`${temp.dir}/newer.db`);
    store.db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, ?, ?)').run('future', new Date().toISOString());
    store.close();
    const { code, output } = await doctor({ ...config, stateDb: `${temp.dir}/newer.db` });
    expect(code).toBe(1);
    expect(output).toMatch(/✗ state database: .*newer\.db is at schema version 999/);
    expect(output).toContain('upgrade onoffice-sync');
  });
});
