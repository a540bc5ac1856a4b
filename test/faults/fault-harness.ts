import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import type { Config } from '../../src/config/config-schema.js';
import { generateAppointments } from '../../src/emulator/generate-appointments.js';
import type { Emulator } from '../../src/emulator/start-emulator.js';
import { startRestartableRadicale, type RestartableServer } from '../support/caldav-servers.js';
import { compareEvent, createTempDir, readCalendarEvents, readEmulatorAppointments, startEmulator } from '../support/sync-fixture.js';

/**
 * What the fault tests share: the compiled CLI run as a real child process (so it can be SIGKILLed), its
 * config written as a file like a user would, and the check that a calendar holds exactly what the
 * emulator says — listed from the server, never taken from our own state.
 */

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CLI_MAIN = join(REPO_ROOT, 'dist', 'cli', 'main.js');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The environment of a child: ours without anything that would override the config file. */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(ONOFFICE_|CALDAV_|STATE_DB|LOG_LEVEL|CREDENTIALS_DIRECTORY)/.test(key)) continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

const live = new Set<ChildProcess>();

/** Starts the CLI; `stdout()`/`stderr()` are what it printed so far (the last 20,000 characters; the log is on stderr). */
export function spawnCli(args: readonly string[], extraEnv: Record<string, string> = {}): { child: ChildProcess; result: Promise<CliResult>; stdout: () => string; stderr: () => string } {
  if (!existsSync(CLI_MAIN)) throw new Error(`${CLI_MAIN} is missing: run \`npm run build\` (npm test does it in pretest)`);
  const child = spawn(process.execPath, [CLI_MAIN, ...args], { cwd: REPO_ROOT, env: childEnv(extraEnv), stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout = (stdout + chunk.toString('utf8')).slice(-20_000)));
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-20_000)));
  const result = new Promise<CliResult>((resolve) => {
    child.once('close', (code, signal) => {
      live.delete(child);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return { child, result, stdout: () => stdout, stderr: () => stderr };
}

export function runCli(args: readonly string[], extraEnv: Record<string, string> = {}): Promise<CliResult> {
  return spawnCli(args, extraEnv).result;
}

/**
 * Kills (SIGKILL) and awaits every CLI child still running: call it from afterEach/afterAll, so a test
 * that failed or timed out leaves no run behind holding the lock or writing to a calendar.
 */
export async function stopChildren(): Promise<void> {
  const waits = [...live].map(
    (child) =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('close', () => resolve());
        child.kill('SIGKILL');
      }),
  );
  await Promise.all(waits);
  live.clear();
}

/**
 * Resolves with the first match of `pattern` in what `read()` returns, checked whenever the child
 * writes; rejects when the child exits first, or after `limitMs` (a guard against hangs, not a timing).
 */
export function waitForOutput(run: { child: ChildProcess; stdout: () => string; stderr: () => string }, pattern: RegExp, limitMs = 60_000): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const check = (): boolean => {
      const match = pattern.exec(`${run.stdout()}\n${run.stderr()}`);
      if (!match) return false;
      done();
      resolve(match);
      return true;
    };
    const onExit = (): void => {
      // The last chunks arrive with 'close', not before 'exit'.
      setImmediate(() => {
        if (check()) return;
        done();
        reject(new Error(`the child exited before printing ${pattern}: ${run.stderr().slice(-1200)}`));
      });
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`no ${pattern} within ${limitMs} ms (a hang guard): ${run.stderr().slice(-1200)}`));
    }, limitMs);
    const done = (): void => {
      clearTimeout(timer);
      run.child.stdout?.off('data', onData);
      run.child.stderr?.off('data', onData);
      run.child.off('close', onExit);
    };
    const onData = (): void => void setImmediate(check);
    run.child.stdout?.on('data', onData);
    run.child.stderr?.on('data', onData);
    run.child.once('close', onExit);
    check();
  });
}

export interface RawConfigOptions {
  emulator: Pick<Emulator, 'url' | 'token' | 'secret'>;
  caldavUrl: string;
  username?: string;
  password?: string;
  stateDb: string;
  target?: Record<string, unknown>;
  onoffice?: Record<string, unknown>;
  daemon?: Record<string, unknown>;
}

/**
 * The config as a user writes it. The generator dates appointments from its fixed reference day, so the
 * horizon reaches back a year; tests change the emulator and sync at once, so no lag behind now.
 */
export function createRawConfig(options: RawConfigOptions): Record<string, unknown> {
  return {
    timezone: 'Europe/Berlin',
    stateDb: options.stateDb,
    logLevel: 'warn',
    onoffice: { url: options.emulator.url, token: options.emulator.token, secret: options.emulator.secret, retries: 2, ...options.onoffice },
    poll: { lagSeconds: 0, horizonPastDays: 365 },
    caldav: [{ name: 'default', url: options.caldavUrl, username: options.username ?? '', password: options.password ?? '', ...options.target }],
    daemon: { port: 0, ...options.daemon },
  };
}

/** Writes the config (JSON is YAML) and returns the path and the parsed config for in-process checks. */
export function writeConfigFile(dir: string, raw: Record<string, unknown>, name = 'config.yaml'): { file: string; config: Config } {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(raw, null, 2), { mode: 0o600 });
  return { file, config: parseConfig(raw) };
}

/**
 * Everything wrong with the calendar, compared with the emulator: duplicated ids or UIDs, missing and
 * extra appointments, and for each object start/end/recurrence (compareEvent) and the title.
 */
export async function findCalendarProblems(config: Config, emulator: Emulator): Promise<{ problems: string[]; objects: number; expected: number }> {
  const expected = readEmulatorAppointments(emulator).filter((appointment) => !appointment.cancelled);
  const events = await readCalendarEvents(config);
  const problems: string[] = [];
  const seenIds = new Map<string, number>();
  const seenUids = new Set<string>();
  for (const { event } of events) {
    const id = String(event['ONOFFICE-ID']);
    seenIds.set(id, (seenIds.get(id) ?? 0) + 1);
    if (seenUids.has(event.uid)) problems.push(`UID ${event.uid} twice`);
    seenUids.add(event.uid);
  }
  for (const [id, count] of seenIds) if (count > 1) problems.push(`appointment ${id} in ${count} objects`);
  const byId = new Map(expected.map((appointment) => [String(appointment.id), appointment]));
  for (const id of byId.keys()) if (!seenIds.has(id)) problems.push(`appointment ${id} missing`);
  for (const { event } of events) {
    const id = String(event['ONOFFICE-ID']);
    const appointment = byId.get(id);
    if (!appointment) {
      problems.push(`appointment ${id} should not be in the calendar (deleted or cancelled)`);
      continue;
    }
    for (const problem of compareEvent(event, appointment)) problems.push(`${id}: ${problem}`);
    const summary = event.texts?.summary ?? String(event.summary);
    if (summary !== appointment.summary) problems.push(`${id}: title ${JSON.stringify(summary)} vs ${JSON.stringify(appointment.summary)}`);
  }
  return { problems, objects: events.length, expected: expected.length };
}

/** Rows the journal and the lock left in the state database (read-only, so a live run is not disturbed). */
export function readJournal(stateDb: string): { outbox: number; failures: number; locks: number; objects: number } {
  if (!existsSync(stateDb)) return { outbox: 0, failures: 0, locks: 0, objects: 0 };
  const db = new Database(stateDb, { readonly: true, fileMustExist: true });
  try {
    // A run killed while creating the database may leave it without the later migrations' tables.
    const tables = new Set((db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>).map((row) => row.name));
    const count = (table: string): number => (tables.has(table) ? (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n : 0);
    return { outbox: count('caldav_outbox'), failures: count('caldav_failures'), locks: count('run_lock'), objects: count('caldav_objects') };
  } finally {
    db.close();
  }
}

/** A one-line description of a CLI outcome for assertion messages. */
export function describeResult(result: CliResult): string {
  return `exit ${result.code ?? result.signal}; stdout: ${result.stdout.trim().slice(-600)}; stderr: ${result.stderr.trim().slice(-1200)}`;
}

export interface FaultServers {
  /** A real Radicale (it can be killed and restarted on its storage). */
  readonly radicale: RestartableServer;
  /** The emulator over HTTP, holding `count` generated appointments. */
  readonly emulator: Emulator;
  readonly dir: string;
  /** A config file (and its parsed config) for calendar `name` with a state database of its own. */
  configFor(name: string, options?: { caldavUrl?: string; source?: Emulator; target?: Record<string, unknown>; extra?: Record<string, unknown> }): { file: string; config: Config; stateDb: string };
  /** The calendar `name` holds exactly the emulator's active appointments, and its journal is empty. */
  expectExact(name: string, source?: Emulator): Promise<number>;
}

/**
 * The setup every fault test shares, as vitest hooks of the calling describe(): Radicale, the
 * emulator and a temp dir before all tests; after each test the CLI children still running are killed
 * (a failed or timed-out test leaves no run holding the lock); after all, everything is stopped.
 */
export function useFaultServers(options: { seed: number; count: number }): FaultServers {
  let radicale: RestartableServer | undefined;
  let emulator: Emulator | undefined;
  let temp: ReturnType<typeof createTempDir> | undefined;
  beforeAll(async () => {
    temp = createTempDir(`oos-faults-${options.seed}-`);
    radicale = await startRestartableRadicale();
    emulator = await startEmulator({ port: 0, seed: options.seed });
    emulator.data.insertMany(generateAppointments({ count: options.count, seed: options.seed }));
  });
  afterEach(async () => {
    await stopChildren();
  });
  afterAll(async () => {
    await stopChildren();
    await emulator?.close();
    await radicale?.stop();
    temp?.remove();
  });
  const rawFor = (name: string, configOptions: { caldavUrl?: string; source?: Emulator; target?: Record<string, unknown> }): Record<string, unknown> =>
    createRawConfig({
      emulator: configOptions.source ?? emulator!,
      caldavUrl: configOptions.caldavUrl ?? radicale!.url,
      username: radicale!.username,
      password: radicale!.password,
      stateDb: join(temp!.dir, `${name}.db`),
      target: { calendar: name, ...configOptions.target },
    });
  const servers: FaultServers = {
    get radicale() {
      return radicale!;
    },
    get emulator() {
      return emulator!;
    },
    get dir() {
      return temp!.dir;
    },
    configFor(name, configOptions = {}) {
      const stateDb = join(temp!.dir, `${name}.db`);
      const raw = { ...rawFor(name, configOptions), ...configOptions.extra };
      return { ...writeConfigFile(temp!.dir, raw, `${name}${configOptions.caldavUrl ? '-via' : ''}.yaml`), stateDb };
    },
    async expectExact(name, source) {
      // Read straight from Radicale with the calendar's own settings, whatever proxy the runs went through.
      const config = parseConfig(rawFor(name, { source }));
      const stateDb = join(temp!.dir, `${name}.db`);
      const { problems, objects, expected } = await findCalendarProblems(config, source ?? emulator!);
      expect(problems, problems.join('\n')).toEqual([]);
      expect(objects).toBe(expected);
      expect(readJournal(stateDb)).toMatchObject({ outbox: 0, failures: 0, locks: 0 });
      return objects;
    },
  };
  return servers;
}
