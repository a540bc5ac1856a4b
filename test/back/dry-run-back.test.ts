import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSyncCommand } from '../../src/cli/sync-command.js';
import type { Config } from '../../src/config/config-schema.js';
import type { Emulator } from '../../src/emulator/start-emulator.js';
import { createSilentLogger } from '../../src/log/create-logger.js';
import { startRadicale, type RunningAuthServer } from '../support/caldav-servers.js';
import { createTempDir, createTestConfig, startEmulator } from '../support/sync-fixture.js';
import { countOnOfficeWrites, dumpState, openCalendar, renderPhoneEvent, syncWith } from '../two-way/two-way-fixture.js';

describe('sync --dry-run on a two-way calendar', () => {
  let radicale: RunningAuthServer;
  let emulator: Emulator;
  let temp: ReturnType<typeof createTempDir>;
  let config: Config;

  beforeAll(async () => {
    radicale = await startRadicale();
    emulator = await startEmulator({ port: 0, appointments: 5, seed: 3 });
    temp = createTempDir('oos-dry-run-back-');
    config = createTestConfig({
      emulator,
      caldavUrl: radicale.url,
      username: radicale.username,
      password: radicale.password,
      stateDb: `${temp.dir}/state.db`,
      extra: { twoWay: true, userId: 53, defaultArt: 'Termin', confirm: true },
    });
    expect((await syncWith(config)).summary.failed).toEqual([]);
  }, 60_000);

  afterAll(async () => {
    await emulator?.close();
    await radicale?.stop();
    temp?.remove();
  });

  it('prints what the way back would send, and writes nothing to onOffice, the calendar or the state database', async () => {
    const phone = await openCalendar(config);
    const uid = 'DRY-RUN-1@phone.example.com';
    await phone.put('dry-run.ics', renderPhoneEvent(uid, ['DTSTART;TZID=Europe/Berlin:20270210T100000', 'DTEND;TZID=Europe/Berlin:20270210T110000', 'SUMMARY:Besichtigung']));
    const [ours] = (await phone.list()).filter((object) => !object.data.includes(`UID:${uid}`));
    await phone.put(ours!.href.slice(ours!.href.lastIndexOf('/') + 1), ours!.data.replace(/^SUMMARY:.*$/m, 'SUMMARY:Auf dem Handy geändert'));

    const calendarBefore = (await phone.list()).map(({ href, etag }) => ({ href, etag })).sort((a, b) => a.href.localeCompare(b.href));
    const stateBefore = dumpState(config.stateDb);
    const writesBefore = countOnOfficeWrites(emulator);
    const recordsBefore = emulator.data.list();

    const out = new PassThrough();
    let text = '';
    out.on('data', (chunk: Buffer) => (text += chunk.toString()));
    expect(await runSyncCommand({ config, logger: createSilentLogger() }, { dryRun: true }, out)).toBe(0);

    expect(text).toContain('back to onOffice from default:onoffice: 2 action(s)');
    expect(text).toMatch(new RegExp(`create +${uid.replace(/[.@]/g, '\\$&')} \\(new event, with confirmation\\)`));
    expect(text).toMatch(/modify +onoffice-\d+@onoffice-sync \(appointment \d+: description\)/);
    expect(countOnOfficeWrites(emulator)).toEqual(writesBefore);
    expect(emulator.data.list()).toEqual(recordsBefore);
    expect((await phone.list()).map(({ href, etag }) => ({ href, etag })).sort((a, b) => a.href.localeCompare(b.href))).toEqual(calendarBefore);
    expect(dumpState(config.stateDb)).toEqual(stateBefore);

    // The plan was the real one: the next real run does exactly that.
    const real = await syncWith(config);
    expect(real.summary.twoWay[0]).toMatchObject({ created: 1, updated: 1, confirmations: 1 });
  });
});
