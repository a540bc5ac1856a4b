import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator/start-emulator.js';
import { findFreePort, startRadicale, type RestartableServer } from '../support/caldav-servers.js';
import { createTempDir, startEmulator } from '../support/sync-fixture.js';
import { CLI_MAIN, REPO_ROOT, createRawConfig, runCli, writeConfigFile } from '../faults/fault-harness.js';

const execFileAsync = promisify(execFile);

/** Each top-level key of one JSON line, in order, duplicates kept (JSON.parse would hide them). */
function listTopLevelKeys(line: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  for (let i = 0; i < line.length; i += 1) {
    const char = line[i];
    if (char === '"') {
      let end = i + 1;
      while (line[end] !== '"') end += line[end] === '\\' ? 2 : 1;
      if (depth === 1 && line[end + 1] === ':') keys.push(JSON.parse(line.slice(i, end + 1)) as string);
      i = end;
    } else if (char === '{' || char === '[') depth += 1;
    else if (char === '}' || char === ']') depth -= 1;
  }
  return keys;
}

/** Runs the CLI on a pseudo-terminal (util-linux `script`), as a person at a shell sees it. */
async function runOnTerminal(args: readonly string[]): Promise<string> {
  const command = [process.execPath, CLI_MAIN, ...args].map((part) => `'${part.replaceAll("'", "'\\''")}'`).join(' ');
  const { stdout } = await execFileAsync('script', ['-qec', command, '/dev/null'], { cwd: REPO_ROOT, timeout: 60_000 });
  // eslint-disable-next-line no-control-regex
  return stdout.replace(/\u001b\[[0-9;]*m/g, '').replaceAll('\r\n', '\n');
}

describe('what the CLI writes on stdout and stderr', () => {
  let emulator: Emulator;
  let radicale: RestartableServer;
  let temp: ReturnType<typeof createTempDir>;
  let configFile: string;

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, appointments: 40, seed: 7 });
    radicale = await startRadicale();
    temp = createTempDir('oos-cli-output-');
    const raw = createRawConfig({ emulator, caldavUrl: radicale.url, username: radicale.username, password: radicale.password, stateDb: `${temp.dir}/state.db` });
    configFile = writeConfigFile(temp.dir, { ...raw, logLevel: 'debug' }).file;
  });

  afterAll(async () => {
    await emulator?.close();
    await radicale?.stop();
    temp?.remove();
  });

  it('sync off a terminal: stdout is the summary alone; stderr is JSON with ISO time, level names and each key once', async () => {
    const result = await runCli(['sync', '--config', configFile]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^sync: read \d+ from onOffice .*\n$/);
    const lines = result.stderr.split('\n').filter((line) => line.startsWith('{'));
    expect(lines.length).toBeGreaterThan(3);
    const modules = new Set<string>();
    for (const line of lines) {
      const entry = JSON.parse(line) as { level: unknown; time: unknown; module?: string };
      expect(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).toContain(entry.level);
      expect(entry.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      const keys = listTopLevelKeys(line);
      expect(keys, line).toEqual([...new Set(keys)]);
      if (entry.module) modules.add(entry.module);
    }
    // The CalDAV target's lines are among them: it once carried its module twice.
    expect(modules).toContain('caldav');
  });

  it('an idle run on a terminal logs one line at info', async () => {
    await runCli(['sync', '--config', configFile]);
    const idleConfig = writeConfigFile(temp.dir, { ...createRawConfig({ emulator, caldavUrl: radicale.url, username: radicale.username, password: radicale.password, stateDb: `${temp.dir}/state.db` }), logLevel: 'info' }, 'info.yaml').file;
    const output = await runOnTerminal(['sync', '--config', idleConfig]);
    const logLines = [...output.matchAll(/\[\d\d:\d\d:\d\d\] (?:INFO|WARN|ERROR): ([^\n]*)/g)].map((match) => match[1]);
    expect(logLines, output).toHaveLength(1);
    expect(logLines[0]).toMatch(/^sync run finished kind=incremental durationMs=\d+$/);
    expect(output).toMatch(/^sync: read 0 from onOffice/m);
  });

  it('doctor with onOffice down: stdout is its ✓/✗ list, the retry warning goes to stderr', async () => {
    const closedPort = await findFreePort();
    const down = createRawConfig({ emulator: { ...emulator, url: `http://127.0.0.1:${closedPort}/api.php` }, caldavUrl: radicale.url, username: radicale.username, password: radicale.password, stateDb: `${temp.dir}/state.db` });
    const file = writeConfigFile(temp.dir, { ...down, logLevel: 'info' }, 'down.yaml').file;
    const result = await runCli(['doctor', '--config', file]);
    expect(result.code).not.toBe(0);
    expect(result.stdout).toMatch(/✗ onOffice API: .*ECONNREFUSED/);
    expect(result.stdout).not.toContain('{');
    for (const line of result.stdout.trim().split('\n')) expect(line, result.stdout).toMatch(/^(✓|✗|    fix:|All checks passed|\d+ check\(s\) failed)/);
    expect(result.stderr).toContain('"msg":"onOffice request failed, retrying"');
  });
});
