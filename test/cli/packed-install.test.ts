import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../faults/fault-harness.js';

const run = promisify(execFile);
const NATIVE_ADDON = join('node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');

/**
 * What a user gets from `npm pack` and `npm install -g`: the tarball installs into a prefix of its own,
 * its bin is executable and `--help` and `demo` run from there. The dependencies come from npm's cache
 * where it has them (`--prefer-offline`: `npm ci` of a lockfile fills it with tarballs but not always
 * with the metadata `install -g` resolves by, and then npm asks the registry); better-sqlite3's compile
 * (minutes) is what `npm ci` of the checkout already proved, so the checkout's addon of the same
 * version is reused instead.
 */
describe('npm pack and npm install -g', () => {
  const temp = mkdtempSync(join(tmpdir(), 'oos-packed-'));
  afterAll(() => rmSync(temp, { recursive: true, force: true }));

  it('installs a tarball whose onoffice-sync runs --help and demo', async () => {
    const build = statSync(join(REPO_ROOT, 'dist', 'cli', 'main.js'));
    expect(build.mode & 0o111, 'npm run build leaves dist/cli/main.js executable').not.toBe(0);

    const { stdout: packed } = await run('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', temp], { cwd: REPO_ROOT, timeout: 120_000 });
    const tarball = join(temp, packed.trim().split('\n').at(-1)!);
    const prefix = join(temp, 'prefix');
    await run('npm', ['install', '-g', '--prefix', prefix, '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund', tarball], { cwd: temp, timeout: 240_000 });

    const installed = join(prefix, 'lib', 'node_modules', 'onoffice-sync');
    expect(readdirSync(installed).sort()).toEqual(expect.arrayContaining(['dist', 'migrations', 'package.json']));
    const version = (dir: string): string => (JSON.parse(readFileSync(join(dir, 'node_modules', 'better-sqlite3', 'package.json'), 'utf8')) as { version: string }).version;
    expect(version(installed)).toBe(version(REPO_ROOT));
    mkdirSync(join(installed, NATIVE_ADDON, '..'), { recursive: true });
    copyFileSync(join(REPO_ROOT, NATIVE_ADDON), join(installed, NATIVE_ADDON));

    const bin = join(prefix, 'bin', 'onoffice-sync');
    const help = await run(bin, ['--help'], { cwd: temp, timeout: 30_000 });
    expect(help.stdout).toMatch(/^Usage: onoffice-sync \[options\] \[command\]/);
    expect(help.stdout).toMatch(/\n {2}demo\b/);

    const demoDir = join(temp, 'demo');
    const demo = await run(bin, ['demo', '--dir', demoDir, '--appointments', '30'], { cwd: temp, timeout: 120_000 });
    expect(demo.stdout).toMatch(/synced: 30 appointments read/);
    expect(demo.stdout).toMatch(/feed: HTTP 200/);
    expect(statSync(join(demoDir, 'state.db')).size).toBeGreaterThan(0);
  }, 480_000);
});
