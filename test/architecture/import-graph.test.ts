import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

/*
 * The import rules of .dependency-cruiser.cjs over src/: no cycle between files or folders, and the
 * pure core (domain, ical, the planners and renderers) imports no adapter and no I/O module. A fixture
 * tree that breaks each rule once shows that every rule really fires.
 */

const ROOT = resolve(import.meta.dirname, '../..');
const CONFIG = join(ROOT, '.dependency-cruiser.cjs');
const CRUISER = join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');
const RULES = ['no-file-cycle', 'no-folder-cycle', 'core-imports-no-adapter', 'core-does-no-io'];

interface Violation {
  readonly rule: { readonly name: string };
  readonly from: string;
  readonly to: string;
  readonly cycle?: ReadonlyArray<{ readonly name: string }>;
}

async function cruise(cwd: string): Promise<{ violations: Violation[]; rules: string[]; modules: number }> {
  const { stdout } = await promisify(execFile)(process.execPath, [CRUISER, 'src', '--config', CONFIG, '--output-type', 'json'], { cwd, maxBuffer: 64 * 1024 * 1024 });
  const result = JSON.parse(stdout) as {
    modules: unknown[];
    summary: { violations: Violation[]; ruleSetUsed: { forbidden: Array<{ name: string }> } };
  };
  return { violations: result.summary.violations, rules: result.summary.ruleSetUsed.forbidden.map((rule) => rule.name), modules: result.modules.length };
}

describe('the import graph of src/', () => {
  it('has no cycle and no adapter or I/O import into the core', async () => {
    const { violations, rules, modules } = await cruise(ROOT);
    expect(rules).toEqual(RULES);
    expect(modules).toBeGreaterThan(100);
    expect(violations.map((violation) => `${violation.rule.name}: ${violation.from} → ${violation.to}`)).toEqual([]);
  });

  it('fails on each kind of violation (a fixture tree breaking every rule once)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'oos-import-graph-'));
    const write = (path: string, text: string): void => {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    };
    try {
      write('tsconfig.json', JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true }, include: ['src/**/*.ts'] }));
      // Two files of one folder that import each other.
      write('src/push/apply-a.ts', "import { b } from './apply-b.js';\nexport const a = (): number => b + 1;\n");
      write('src/push/apply-b.ts', "import { a } from './apply-a.js';\nexport const b = 1;\nexport const c = (): number => a();\n");
      // Two folders that import each other through different files: no file cycle, a folder cycle.
      write('src/store/read-state.ts', "import { b } from '../push/apply-b.js';\nexport const state = b;\n");
      write('src/push/push-state.ts', "import { other } from '../store/other.js';\nexport const pushed = other;\n");
      write('src/store/other.ts', 'export const other = 2;\n');
      // The core importing an adapter, and doing I/O.
      write('src/caldav/caldav-target.ts', 'export const target = 3;\n');
      write('src/domain/appointment.ts', "import { target } from '../caldav/caldav-target.js';\nexport const appointment = target;\n");
      write('src/back/plan-pull.ts', "import { readFileSync } from 'node:fs';\nexport const read = (path: string): string => readFileSync(path, 'utf8');\n");
      const { violations } = await cruise(dir);
      const found = (rule: string): string[] => violations.filter((violation) => violation.rule.name === rule).map((violation) => `${violation.from} → ${violation.to}`);
      expect(found('no-file-cycle')).toHaveLength(1);
      expect(found('no-file-cycle')[0]).toMatch(/^src\/push\/apply-[ab]\.ts → src\/push\/apply-[ab]\.ts$/);
      expect(found('no-folder-cycle').sort()).toEqual(['src/push → src/store', 'src/store → src/push']);
      expect(found('core-imports-no-adapter')).toEqual(['src/domain/appointment.ts → src/caldav/caldav-target.ts']);
      expect(found('core-does-no-io')).toHaveLength(1);
      expect(found('core-does-no-io')[0]).toMatch(/^src\/back\/plan-pull\.ts → (node:)?fs$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
