import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'oos-start-modules-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

// A module loader hook (node:module register) that notes every module the process loads through the
// ES module loader, CommonJS packages imported by ESM included, one URL a line.
const HOOKS = `import { appendFileSync } from 'node:fs';
let file;
export function initialize(data) { file = data.file; }
export async function load(url, context, next) { appendFileSync(file, url + '\\n'); return next(url, context); }`;

/** The module URLs a CLI run loaded, below node_modules/ or dist/ (relative), builtins left out. */
function loadedBy(args: readonly string[], name: string): string[] {
  const file = join(work, `${name}.txt`);
  const preload = join(work, `${name}-register.mjs`);
  const register = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(HOOKS)}`)}, { data: { file: ${JSON.stringify(file)} } });`;
  writeFileSync(preload, register);
  execFileSync(process.execPath, ['--import', pathToFileURL(preload).href, MAIN, ...args], { encoding: 'utf8', env: { PATH: process.env.PATH } });
  const root = new URL('../..', import.meta.url).href;
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((url) => url.startsWith('file:'))
    .map((url) => url.replace(root, ''));
}

describe('what the sync command loads before its work', () => {
  it('takes commander as CommonJS, never through its ESM wrapper, and loads no store, CalDAV client or renderer for its help', () => {
    const loaded = loadedBy(['sync', '--help'], 'sync-help');
    expect(loaded).toContain('dist/cli/sync-command.js');
    expect(loaded.filter((url) => url.includes('node_modules/commander/'))).toEqual([]);
    for (const heavy of ['better-sqlite3', 'tsdav', 'xml-js', 'ical-generator', 'pino']) {
      expect(loaded.filter((url) => url.includes(`node_modules/${heavy}/`))).toEqual([]);
    }
  });
});
