// The Node.js flags the service runs with: those between /usr/bin/node and main.js in the ExecStart of
// systemd/onoffice-sync.service, which the other units repeat (test/systemd/node-flags.test.ts holds
// them equal). The benches start what a service runs (the daemon, the poller of a backfill, the feed
// server, the nightly reconciliation) with exactly these, so they measure what an installation runs.
// The `onoffice-sync` bin carries none (see that test): CLI rows are measured without them.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const unit = fileURLToPath(new URL('../systemd/onoffice-sync.service', import.meta.url));

/** The flags after /usr/bin/node in the service's ExecStart; [] when it has none. */
export function readServiceNodeFlags() {
  const line = readFileSync(unit, 'utf8').split('\n').find((entry) => entry.startsWith('ExecStart='));
  if (!line) throw new Error(`${unit} has no ExecStart= line`);
  const words = line.slice('ExecStart='.length).split(' ');
  const main = words.findIndex((word) => word.endsWith('/dist/cli/main.js'));
  if (words[0] !== '/usr/bin/node' || main < 0) throw new Error(`${unit}: ExecStart is not "/usr/bin/node [flags] …/dist/cli/main.js …": ${line}`);
  return words.slice(1, main);
}
