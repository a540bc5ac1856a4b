import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DoctorCheck } from '../../src/cli/doctor-check.js';
import { runDoctor } from '../../src/cli/doctor-command.js';
import type { CommandContext } from '../../src/cli/command-context.js';
import { parseConfig } from '../../src/config/load-config.js';
import { startEmulator, type Emulator } from '../../src/emulator/start-emulator.js';
import { createSilentLogger } from '../../src/log/create-logger.js';

/** `onoffice-sync doctor` end to end against a running emulator, its output captured. */

let emulator: Emulator;

beforeEach(async () => {
  emulator = await startEmulator({ port: 0 });
});

afterEach(async () => {
  await emulator.close();
});

function contextFor(onoffice: Record<string, unknown>): () => CommandContext {
  return () => ({ config: parseConfig({ onoffice: { url: emulator.url, token: emulator.token, secret: emulator.secret, ...onoffice } }), logger: createSilentLogger() });
}

async function doctor(load: () => CommandContext, options: Parameters<typeof runDoctor>[2] = {}): Promise<{ code: number; output: string }> {
  let output = '';
  const code = await runDoctor(load, { write: (text: string) => (output += text) }, options);
  return { code, output };
}

describe('onoffice-sync doctor', () => {
  it('exits 0 and ticks every check when all is well', async () => {
    const { code, output } = await doctor(contextFor({}));
    expect(code).toBe(0);
    expect(output).toContain(`✓ configuration: loaded (onOffice endpoint ${emulator.url})`);
    expect(output).toMatch(/✓ onOffice API: signed read calendar accepted/);
    expect(output).toMatch(/✓ clock: offset [+-]?\d+ s/);
    expect(output).toContain('All checks passed.');
    expect(output).not.toContain('✗');
    expect(emulator.log.count('read:calendar')).toBe(1);
    expect(emulator.log.received[0]?.parameters).toMatchObject({ allusers: true });
  });

  it('exits 2 and says the secret/HMAC is wrong for a wrong secret', async () => {
    const { code, output } = await doctor(contextFor({ secret: 'x'.repeat(64) }));
    expect(code).toBe(2);
    expect(output).toMatch(/✗ onOffice API: read calendar: the HMAC was rejected/);
    expect(output).toContain('fix: the secret/HMAC is wrong: check ONOFFICE_SECRET');
    expect(output).toContain('secret 64 chars');
    expect(output).not.toContain('x'.repeat(64));
    expect(output).toContain('check(s) failed.');
  });

  it('exits 2 and reports the clock skew with its offset when the clock is 10 minutes off', async () => {
    emulator.faults.clockOffsetSeconds = 600;
    const { code, output } = await doctor(contextFor({}));
    expect(code).toBe(2);
    expect(output).toMatch(/✗ onOffice API: read calendar: .*clock skew, this machine's clock is (599|600|601) s behind/);
    expect(output).toMatch(/✗ clock: clock skew: offset \+(599|600|601) s/);
    expect(output).toContain('timedatectl');
  });

  it('exits 2 naming the key and the fix when the configuration is incomplete', async () => {
    const { code, output } = await doctor(() => ({ config: parseConfig({ onoffice: { token: 't' } }), logger: createSilentLogger() }));
    expect(code).toBe(2);
    expect(output).toMatch(/✗ configuration: onoffice\.secret is missing: set ONOFFICE_SECRET/);
    expect(emulator.log.httpRequests).toBe(0);
  });

  it('exits 1 when onOffice cannot be reached', async () => {
    const url = emulator.url;
    await emulator.close();
    emulator = await startEmulator({ port: 0 });
    const { code, output } = await doctor(contextFor({ url, retries: 0 }));
    expect(code).toBe(1);
    expect(output).toMatch(/✗ onOffice API: read calendar: POST .* failed: ECONNREFUSED/);
    expect(output).toMatch(/✗ clock: not measured/);
  });

  it('runs the checks it is given, so more can be added', async () => {
    const extra: DoctorCheck = { name: 'state database', run: async () => ({ ok: false, detail: 'not writable', fix: 'chmod it' }) };
    const { code, output } = await doctor(contextFor({}), { createChecks: () => [extra] });
    expect(code).toBe(1);
    expect(output).toContain('✗ state database: not writable\n    fix: chmod it\n');
    expect(emulator.log.httpRequests).toBe(0);
  });
});
