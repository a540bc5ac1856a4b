// The CLI as a few ES modules instead of tsc's one per source file: Node resolves, reads, compiles and
// links every module it loads, and that machinery, not our code, was most of what a command paid before
// its work (issue 17; bench/startup-bench.mjs measures it). Run by `npm run build` after tsc, from tsc's
// JavaScript, so the bundle holds exactly the code the tests exercise under dist/.
//
// - dist/bundle/: the entry and its chunks. `splitting` keeps every lazy import() lazy: a chunk holds
//   only modules all of its importers need, so a command loads no more than it did before.
// - BUNDLED_PACKAGES go into the chunks too: the pure-JS packages a sync imports before its first
//   request (zod alone is ten ES modules; xml-js a CommonJS one that Node scans for its exports). The
//   others stay in node_modules, loaded as before: better-sqlite3 (a native addon), pino through
//   createRequire (pino finds its worker-thread transports' files beside its own), tsdav. commander,
//   which every command loads, is bundled too (commanderInBundle).
// - The chunks sit two levels below the package root, as dist/<dir>/<module>.js did:
//   `new URL('../../migrations/', import.meta.url)` still finds the migrations, createRequire the packages.
// - dist/cli/main.js (the package's bin, what the systemd units run) keeps tsc's first line (the
//   shebang) and loads the bundle's entry.
// - dist/bundle/meta.json: which modules (of dist/ and of the bundled packages) each chunk holds
//   (test/cli/sync-start-modules.test.ts reads it to tell which of them a command loaded).
import { build } from 'esbuild';
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const main = join(root, 'dist', 'cli', 'main.js');
const outdir = join(root, 'dist', 'bundle');

const compiled = readFileSync(main, 'utf8');
if (compiled.includes("import '../bundle/main.js'")) throw new Error(`${main} is this script's own output: run tsc first (npm run build)`);
const BUNDLED_PACKAGES = new Set(['commander', 'zod', 'luxon', 'ical-generator', 'timezones-ical-library', 'xml-js']);
const { dependencies } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
/**
 * loadCommander takes commander through createRequire (commander's ESM wrapper made Node scan its
 * index.js for exports), which esbuild cannot follow: in the bundle it is a require() of the same
 * CommonJS index.js that esbuild bundles, so commander's seven files need no resolving, reading and
 * compiling one by one.
 */
const commanderInBundle = {
  name: 'commander-in-bundle',
  setup(builder) {
    builder.onLoad({ filter: /[\\/]dist[\\/]cli[\\/]load-commander\.js$/ }, () => ({
      contents: "const commander = require('commander');\nexport function loadCommander() {\n  return commander;\n}\n",
      loader: 'js',
    }));
  },
};
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
  external: Object.keys(dependencies).filter((name) => !BUNDLED_PACKAGES.has(name)),
  // Bundled CommonJS (xml-js, sax) requires Node's own modules.
  banner: { js: "import { createRequire as __bundleCreateRequire } from 'node:module'; const require = __bundleCreateRequire(import.meta.url);" },
  plugins: [commanderInBundle],
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
