import { readFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runDemo } from '../../src/cli/demo-command.js';
import { writeExport } from '../../src/cli/export-command.js';
import { parseConfig } from '../../src/config/load-config.js';
import { parseIcsObjects } from '../../src/ical/parse-ics-objects.js';
import { openStateStore } from '../../src/store/open-state-store.js';
import { createTempDir } from '../support/sync-fixture.js';

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { stream, text: () => text };
}

describe('onoffice-sync demo and export', () => {
  it('syncs the emulator’s sample data into a state db, an .ics export and a served feed', async () => {
    const temp = createTempDir('oos-demo-');
    try {
      const out = capture();
      const code = await runDemo({ appointments: '120', seed: '5', dir: temp.dir, port: '0' }, out.stream);
      expect(code, out.text()).toBe(0);
      expect(out.text()).toMatch(/synced: 120 appointments read/);
      expect(out.text()).toMatch(/feed: HTTP 200, [1-9]\d* events/);
      expect(out.text()).toMatch(/webcal:\/\/127\.0\.0\.1:\d+\/feeds\/demo\.ics\?token=/);
      const events = parseIcsObjects(readFileSync(`${temp.dir}/onoffice.ics`, 'utf8'));
      expect(events).toHaveLength(120);

      const config = parseConfig({ stateDb: `${temp.dir}/state.db`, onoffice: { token: 't', secret: 's' } });
      const store = openStateStore(config.stateDb);
      try {
        const all = parseIcsObjects(readFileSync(`${temp.dir}/onoffice.ics`, 'utf8'));
        const windowed = writeExport(store, config, { out: `${temp.dir}/window.ics`, from: '2026-11-01', to: '2026-11-30' });
        const inWindow = parseIcsObjects(readFileSync(`${temp.dir}/window.ics`, 'utf8'));
        expect(windowed.events).toBe(inWindow.length);
        expect(inWindow.length).toBeGreaterThan(0);
        expect(inWindow.length).toBeLessThan(all.length);
        for (const event of inWindow) {
          if (!event.rrule) {
            expect(event.end!.getTime()).toBeGreaterThan(Date.parse('2026-10-31T00:00:00Z'));
            expect(event.start.getTime()).toBeLessThan(Date.parse('2026-12-01T12:00:00Z'));
          }
        }
        expect(() => writeExport(store, config, { out: `${temp.dir}/x.ics`, from: '31.12.2026' })).toThrow(/--from must be a date like/);
      } finally {
        store.close();
      }
    } finally {
      temp.remove();
    }
  }, 60_000);
});
