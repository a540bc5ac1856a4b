import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator/start-emulator.js';
import { startRadicale } from '../support/caldav-servers.js';
import { createTestConfig, startEmulator } from '../support/sync-fixture.js';

const MAIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'oos-start-modules-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

// A module loader hook (node:module register) that notes every module the process loads through the
// ES module loader, CommonJS packages imported by ESM included, one URL a line.
const HOOKS = `import { appendFileSync } from 'node:fs';
let file;
export function initialize(data) { file = data.file; }
export async function load(url, context, next) { appendFileSync(file, url + '\\n'); return next(url, context); }`;

/**
 * The module URLs a CLI run loaded, below node_modules/ or dist/ (relative), builtins left out. The run
 * is a child process waited for without blocking, so servers of this process (the emulator) answer it.
 */
async function loadedBy(args: readonly string[], name: string): Promise<string[]> {
  const file = join(work, `${name}.txt`);
  const preload = join(work, `${name}-register.mjs`);
  // Node's own modules as well (process.moduleLoadList), written as the process exits.
  const register =
    `import { register } from 'node:module'; import { writeFileSync } from 'node:fs'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(HOOKS)}`)}, { data: { file: ${JSON.stringify(file)} } });` +
    ` process.on('exit', () => writeFileSync(${JSON.stringify(`${file}.builtins`)}, process.moduleLoadList.join('\\n')));`;
  writeFileSync(preload, register);
  await promisify(execFile)(process.execPath, ['--import', pathToFileURL(preload).href, MAIN, ...args], { encoding: 'utf8', env: { PATH: process.env.PATH } });
  const root = new URL('../..', import.meta.url).href;
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((url) => url.startsWith('file:'))
    .map((url) => url.replace(root, ''))
    .flatMap((url) => [url, ...(BUNDLED[url] ?? []).map((input) => (input.startsWith('node_modules/') ? `${BUNDLED_PACKAGE}${input}` : input))]);
}

const BUNDLED_PACKAGE = 'bundled:';

/**
 * dist/cli/main.js runs the bundle (scripts/bundle-cli.mjs): a chunk loaded stands for the modules it
 * holds, as its build recorded them: those of dist/ by their names, so the checks below see the same
 * names as without it; those of packages as `bundled:node_modules/…`.
 */
const BUNDLED = JSON.parse(readFileSync(fileURLToPath(new URL('../../dist/bundle/meta.json', import.meta.url)), 'utf8')) as Record<string, string[]>;

describe('what the sync command loads before its work', () => {
  it('takes commander as CommonJS, never through its ESM wrapper, and loads no store, CalDAV client or renderer for its help', async () => {
    const loaded = await loadedBy(['sync', '--help'], 'sync-help');
    expect(loaded).toContain('dist/cli/sync-command.js');
    expectCommanderAsCommonJs(loaded);
    for (const heavy of ['better-sqlite3', 'tsdav', 'xml-js', 'ical-generator', 'pino']) {
      expect(loaded.filter((url) => url.includes(`node_modules/${heavy}/`))).toEqual([]);
    }
  });
});

describe('what every command loads for its help', () => {
  it.each(['daemon', 'demo', 'doctor', 'emulator', 'export', 'feed', 'migrate', 'serve', 'status'])('%s takes commander as CommonJS, never through its ESM wrapper', async (name) => {
    const loaded = await loadedBy([name, '--help'], `${name}-help`);
    expect(loaded).toContain(`dist/cli/${name}-command.js`);
    expectCommanderAsCommonJs(loaded);
  });
});

/** Node loads none of commander's files as ES modules; the bundle holds its CommonJS index.js, not its ESM wrapper. */
function expectCommanderAsCommonJs(loaded: readonly string[]): void {
  expect(loaded.filter((url) => url.startsWith('node_modules/commander/'))).toEqual([]);
  expect(loaded).toContain(`${BUNDLED_PACKAGE}node_modules/commander/index.js`);
  expect(loaded.filter((url) => url.includes('commander/esm.mjs'))).toEqual([]);
}

describe('what a one-way sync without feeds or imports loads', () => {
  it('loads none of the way back (two-way, ICS imports) nor the feed cache: neither on the first run nor on a no-change one', async () => {
    const radicale = await startRadicale();
    let emulator: Emulator | undefined;
    try {
      emulator = await startEmulator({ port: 0, appointments: 5, seed: 4 });
      const config = createTestConfig({ emulator, caldavUrl: radicale.url, username: radicale.username, password: radicale.password, stateDb: join(work, 'one-way.db') });
      const file = join(work, 'one-way.json');
      writeFileSync(file, JSON.stringify({ ...config, logLevel: 'error' }), { mode: 0o600 });
      const first = await loadedBy(['sync', '--config', file], 'one-way-first');
      const noChange = await loadedBy(['sync', '--config', file], 'one-way-no-change');
      for (const loaded of [first, noChange]) {
        expect(loaded).toContain('dist/app/run-sync.js');
        // Its requests go out on node:http: fetch's undici (its parser, Response, Headers) is never loaded.
        expect(readFileSync(join(work, `${loaded === first ? 'one-way-first' : 'one-way-no-change'}.txt.builtins`), 'utf8')).not.toContain('undici');
        expect(loaded.filter((url) => url.startsWith('dist/back/') || url.startsWith('dist/feed/'))).toEqual([]);
      }
    } finally {
      await emulator?.close();
      await radicale.stop();
    }
  });
});
