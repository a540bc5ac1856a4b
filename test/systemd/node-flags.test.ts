import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/*
 * The Node.js flags the product runs with are written twice, where nothing can read them from elsewhere:
 * the shebang of src/cli/main.ts (the `onoffice-sync` bin) and each systemd unit's ExecStart. They must
 * be the same flags, or an installation started one way is not what was measured the other way.
 */
const systemdDir = fileURLToPath(new URL('../../systemd/', import.meta.url));
const mainTs = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

function shebangFlags(): string[] {
  const [first] = readFileSync(mainTs, 'utf8').split('\n', 1);
  const match = /^#!\/usr\/bin\/env -S node((?: --\S+)+)$/.exec(first!);
  expect(match, `the first line of src/cli/main.ts: ${first}`).not.toBeNull();
  return match![1]!.trim().split(' ');
}

const services = readdirSync(systemdDir).filter((name) => name.endsWith('.service'));

describe('the Node.js flags of the bin and of the systemd units', () => {
  it('the bin names node with flags, and node accepts them', () => {
    const flags = shebangFlags();
    expect(flags.length).toBeGreaterThan(0);
    const result = spawnSync(process.execPath, [...flags, '-e', ''], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it.each(services)('%s starts node with the flags of the bin', (name) => {
    const execStarts = readFileSync(`${systemdDir}${name}`, 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('ExecStart='));
    expect(execStarts.length).toBeGreaterThan(0);
    for (const line of execStarts) {
      const words = line.slice('ExecStart='.length).split(' ');
      const main = words.indexOf('/opt/onoffice-sync/dist/cli/main.js');
      expect(words[0]).toBe('/usr/bin/node');
      expect(words.slice(1, main)).toEqual(shebangFlags());
    }
  });
});
