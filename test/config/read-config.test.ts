import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readConfig } from '../../src/config/read-config.js';
import { ConfigError } from '../../src/config/config-error.js';

function tempFile(name: string, text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'oos-read-config-')), name);
  writeFileSync(file, text);
  return file;
}

describe('readConfig reads a file as JSON or YAML, whatever its name', () => {
  it('reads a JSON object', () => {
    const file = tempFile('config.yaml', JSON.stringify({ timezone: 'Europe/Vienna', poll: { lagSeconds: 0 } }, null, 2));
    expect(readConfig({ file, env: {} })).toMatchObject({ timezone: 'Europe/Vienna', poll: { lagSeconds: 0 } });
  });

  it('reads a YAML flow mapping that is not JSON, and block YAML', () => {
    expect(readConfig({ file: tempFile('a.yaml', '{timezone: Europe/Vienna}\n'), env: {} })).toMatchObject({ timezone: 'Europe/Vienna' });
    expect(readConfig({ file: tempFile('b.yaml', 'timezone: Europe/Vienna\npoll:\n  lagSeconds: 0\n'), env: {} })).toMatchObject({ timezone: 'Europe/Vienna', poll: { lagSeconds: 0 } });
  });

  it('refuses a broken JSON file with the parser message', () => {
    expect(() => readConfig({ file: tempFile('c.json', '{"timezone": "Europe/Vienna",'), env: {} })).toThrow(ConfigError);
  });
});
