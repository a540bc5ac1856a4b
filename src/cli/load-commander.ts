import { createRequire } from 'node:module';

/**
 * commander as the CommonJS module it is. `import { Command } from 'commander'` goes through its ESM
 * wrapper (esm.mjs), and Node scans index.js for its exports before the wrapper can run: about a tenth
 * of what `--help` costs beyond Node's own start, paid again by every command module that imports it
 * that way. The classes are the same ones (one module instance in require's cache). The CLI's bundle
 * (scripts/bundle-cli.mjs) holds this module as a require() of the same index.js, bundled with it.
 */
export function loadCommander(): typeof import('commander') {
  return createRequire(import.meta.url)('commander') as typeof import('commander');
}
