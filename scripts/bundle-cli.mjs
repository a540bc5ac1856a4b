// The CLI as a few ES modules instead of the ~100 of tsc's output: Node resolves, reads, compiles and
// links every module it loads, and that machinery, not our code, was most of what a command paid before
// its work (issue 17; bench/startup-bench.mjs measures it). Run by `npm run build` after tsc, from tsc's
// JavaScript, so the bundle holds exactly the code the tests exercise under dist/.
//
// - dist/bundle/: the entry and its chunks. `splitting` keeps every lazy import() lazy: a chunk holds
//   only modules all of its importers need, so a command loads no more than it did before.
// - The packages stay external (node_modules, loaded as before: commander and pino through
//   createRequire, better-sqlite3's native addon, pino's own files), so the chunks sit two levels
//   below the package root, as dist/<dir>/<module>.js did: `new URL('../../migrations/', import.meta.url)`
//   still finds the migrations.
// - dist/cli/main.js (the package's bin, what the systemd units run) keeps tsc's first line (the
//   shebang) and loads the bundle's entry.
// - dist/bundle/meta.json: which modules of dist/ each chunk holds (test/cli/sync-start-modules.test.ts
//   reads it to tell which of them a command loaded).
import { build } from 'esbuild';
import { readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const main = join(root, 'dist', 'cli', 'main.js');
const outdir = join(root, 'dist', 'bundle');

const compiled = readFileSync(main, 'utf8');
if (compiled.includes("import '../bundle/main.js'")) throw new Error(`${main} is this script's own output: run tsc first (npm run build)`);
rmSync(outdir, { recursive: true, force: true });
const { metafile } = await build({
  absWorkingDir: root,
  entryPoints: { main },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  chunkNames: 'chunk-[hash]',
  metafile: true,
  logLevel: 'warning',
});
const chunks = Object.fromEntries(
  Object.entries(metafile.outputs)
    .filter(([output]) => output.endsWith('.js'))
    .map(([output, { inputs }]) => [output, Object.keys(inputs)]),
);
writeFileSync(join(outdir, 'meta.json'), `${JSON.stringify(chunks, null, 1)}\n`);

const shebang = compiled.split('\n', 1)[0];
writeFileSync(main, `${shebang.startsWith('#!') ? `${shebang}\n` : ''}import '../bundle/main.js';\n`);
chmodSync(main, 0o755);
