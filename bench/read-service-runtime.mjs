// What the service runs node with: the flags between /usr/bin/node and main.js in the ExecStart of
// systemd/onoffice-sync.service, and the Environment= entries that tune the runtime rather than name the
// program's own settings (MALLOC_ARENA_MAX for glibc's allocator; STATE_DB and NODE_ENV are left out, a
// bench names its own state database). The other units repeat both (test/systemd/service-runtime.test.ts
// holds them equal). The benches start what a service runs (the daemon, the poller of a backfill, the
// feed server, the nightly reconciliation) with exactly these, so they measure what an installation runs.
// The `onoffice-sync` bin carries none (see that test): CLI rows are measured without them.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const unit = fileURLToPath(new URL('../systemd/onoffice-sync.service', import.meta.url));
const runtimeVariables = new Set(['MALLOC_ARENA_MAX']);

/** `nodeFlags`: the flags after /usr/bin/node in the service's ExecStart; `env`: its runtime variables. */
export function readServiceRuntime() {
  const lines = readFileSync(unit, 'utf8').split('\n');
  const line = lines.find((entry) => entry.startsWith('ExecStart='));
  if (!line) throw new Error(`${unit} has no ExecStart= line`);
  const words = line.slice('ExecStart='.length).split(' ');
  const main = words.findIndex((word) => word.endsWith('/dist/cli/main.js'));
  if (words[0] !== '/usr/bin/node' || main < 0) throw new Error(`${unit}: ExecStart is not "/usr/bin/node [flags] …/dist/cli/main.js …": ${line}`);
  const env = {};
  for (const entry of lines.filter((candidate) => candidate.startsWith('Environment='))) {
    const [name, ...value] = entry.slice('Environment='.length).split('=');
    if (runtimeVariables.has(name)) env[name] = value.join('=');
  }
  return { nodeFlags: words.slice(1, main), env };
}
