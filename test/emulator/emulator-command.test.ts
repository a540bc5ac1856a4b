import { describe, expect, it, vi } from 'vitest';
import { createEmulatorCommand, runEmulatorCommand } from '../../src/cli/emulator-command.js';
import { createSilentLogger } from '../../src/log/create-logger.js';
import { EMULATOR_SECRET, EMULATOR_TOKEN } from '../../src/emulator/start-emulator.js';

describe('onoffice-sync emulator', () => {
  it('prints URL and demo credentials, serves seeded appointments and closes cleanly when stopped', async () => {
    let output = '';
    let stop = (): void => undefined;
    const stopped = new Promise<void>((resolve) => {
      stop = resolve;
    });
    const run = runEmulatorCommand(
      { host: '127.0.0.1', port: 0, appointments: 50, seed: 2, timezone: 'Europe/Berlin', capMode: 'arbitrary' },
      { write: (text: string) => (output += text) },
      createSilentLogger(),
      () => stopped,
    );
    await vi.waitFor(() => expect(output).toContain('Stop with Ctrl+C'));
    const url = /listening on (\S+)/.exec(output)?.[1] ?? '';
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/stable\/api\.php$/);
    expect(output).toContain(`token:  ${EMULATOR_TOKEN}`);
    expect(output).toContain(`secret: ${EMULATOR_SECRET}`);
    expect(output).toContain('appointments: 50');
    expect(output).toMatch(/emulator-only demo credentials/);
    expect((await fetch(url)).status).toBe(405);
    stop();
    expect(await run).toBe(0);
    expect(output).toContain('stopped');
    await expect(fetch(url)).rejects.toThrow();
  });

  it('parses its options with sensible defaults and rejects nonsense', () => {
    const command = createEmulatorCommand().exitOverride().configureOutput({ writeErr: () => undefined });
    command.parseOptions(['--port', '9000', '--appointments', '20', '--seed', '5']);
    expect(command.opts()).toMatchObject({ host: '127.0.0.1', port: 9000, appointments: 20, seed: 5, timezone: 'Europe/Berlin', capMode: 'arbitrary' });
    expect(() => createEmulatorCommand().exitOverride().configureOutput({ writeErr: () => undefined }).parse(['--port', 'abc'], { from: 'user' })).toThrow(/--port/);
  });
});
