// The Node.js flags the product runs with: those of the bin's shebang (`#!/usr/bin/env -S node …` at the
// top of dist/cli/main.js, from src/cli/main.ts), which every systemd unit's ExecStart repeats
// (test/systemd/node-flags.test.ts holds them equal). The benches start the daemon, the CLI and the
// poller's case process with exactly these, so they measure what an installation runs.
import { readFileSync } from 'node:fs';

/** The flags after `node` on the first line of this compiled main.js; [] when it has none. */
export function readShippedNodeFlags(mainJs) {
  const [first] = readFileSync(mainJs, 'utf8').split('\n', 1);
  const match = /^#!\/usr\/bin\/env (?:-S )?node((?: --\S+)*)$/.exec(first);
  if (!match) throw new Error(`${mainJs} does not start with a "#!/usr/bin/env -S node …" line: ${first}`);
  return match[1].split(' ').filter(Boolean);
}
