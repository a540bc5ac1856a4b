import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, type ConfigProblem } from './config-error.js';

// yaml takes longer to load than the rest of the configuration code: loaded (synchronously, it is
// CommonJS) only when there is a file to parse.
const requireLazily = createRequire(import.meta.url);
const loadYaml = (): typeof import('yaml') => requireLazily('yaml') as typeof import('yaml');

/**
 * Reads the raw, untrusted configuration: the optional file (YAML or JSON) overlaid with the
 * environment. Validation is loadConfig's job. This and nothing else reads process.env.
 */
export type RawConfig = Record<string, unknown>;

export interface ReadConfigOptions {
  readonly file?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Told about what was accepted but looks like a mistake (a secret with surrounding whitespace). */
  readonly warn?: (message: string) => void;
}

/** Environment variables that hold secrets may instead name a file (`*_FILE`) or a systemd credential. */
const SECRET_VARIABLES = ['ONOFFICE_TOKEN', 'ONOFFICE_SECRET', 'CALDAV_PASSWORD', 'CALDAV_BEARER_TOKEN', 'ONOFFICE_SYNC_ADMIN_TOKEN'] as const;

export function readConfig(options: ReadConfigOptions = {}): RawConfig {
  const env = options.env ?? process.env;
  const warn = options.warn ?? (() => undefined);
  const problems: ConfigProblem[] = [];
  const raw: RawConfig = options.file ? readConfigFile(options.file) : {};
  const secrets = createSecretReader(env, problems, warn);
  applyEnvironment(raw, env, secrets);
  applyNamedTargetSecrets(raw, secrets);
  takeUrlCredentials(raw, problems);
  if (problems.length > 0) throw ConfigError.fromProblems(problems);
  return raw;
}

function readConfigFile(file: string): RawConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError('--config', `cannot read ${file}: ${(error as Error).message}; check the path`);
  }
  let parsed: unknown;
  try {
    parsed = parseJsonObject(text) ?? loadYaml().parse(text);
  } catch (error) {
    throw new ConfigError('--config', `${file} is not valid YAML/JSON: ${(error as Error).message}`);
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError('--config', `${file} must hold a mapping of options at the top level`);
  }
  return parsed as RawConfig;
}

/**
 * A file holding a JSON object is read as JSON, without loading yaml (which reads it the same, JSON
 * being YAML 1.2, but costs a process tens of milliseconds to load); null for anything else, YAML's job.
 * One difference: a key given twice is refused by YAML and taken as its last value by JSON.parse.
 */
function parseJsonObject(text: string): RawConfig | null {
  if (!text.trimStart().startsWith('{')) return null;
  try {
    return JSON.parse(text) as RawConfig;
  } catch {
    // `{a: 1}` is a YAML flow mapping; YAML also gives the better message for a broken JSON file.
    return null;
  }
}

/**
 * A secret `NAME` comes from the variable itself, from the file `NAME_FILE` names, or from the
 * systemd credential `name` (LoadCredential=). Setting both NAME and NAME_FILE is refused: which one
 * wins would be a guess. Values are trimmed (a pasted newline breaks a signature or a login); an
 * environment value that needed it gets a warning, a file's trailing newline is normal.
 */
function createSecretReader(env: NodeJS.ProcessEnv, problems: ConfigProblem[], warn: (message: string) => void): (name: string) => string | undefined {
  return (name) => {
    const direct = env[name];
    const fileVariable = `${name}_FILE`;
    const named = env[fileVariable];
    if (direct && named) {
      problems.push({ key: name, problem: `and ${fileVariable} are both set: keep one of them` });
      return undefined;
    }
    if (direct) {
      const trimmed = direct.trim();
      if (trimmed !== direct) warn(`${name} had whitespace around it (a pasted newline?); it was trimmed`);
      return trimmed;
    }
    const file = named ?? credentialFile(env, name);
    if (!file) return undefined;
    try {
      return readFileSync(file, 'utf8').trim();
    } catch (error) {
      if (named) problems.push({ key: fileVariable, problem: `cannot read ${file}: ${(error as Error).message}; check the path and that the service user may read it` });
      return undefined;
    }
  };
}

/** systemd LoadCredential=onoffice-secret:/etc/... appears as $CREDENTIALS_DIRECTORY/onoffice-secret. */
function credentialFile(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const dir = env.CREDENTIALS_DIRECTORY;
  return dir ? join(dir, name.toLowerCase().replaceAll('_', '-')) : undefined;
}

function section(raw: RawConfig, key: string): RawConfig {
  const existing = raw[key];
  if (existing && typeof existing === 'object' && !Array.isArray(existing)) return existing as RawConfig;
  const created: RawConfig = {};
  raw[key] = created;
  return created;
}

function applyEnvironment(raw: RawConfig, env: NodeJS.ProcessEnv, readSecret: (name: string) => string | undefined): void {
  const secrets = Object.fromEntries(SECRET_VARIABLES.map((name) => [name, readSecret(name)]));
  const onoffice = section(raw, 'onoffice');
  if (env.ONOFFICE_API_URL) onoffice.url = env.ONOFFICE_API_URL;
  if (secrets.ONOFFICE_TOKEN) onoffice.token = secrets.ONOFFICE_TOKEN;
  if (secrets.ONOFFICE_SECRET) onoffice.secret = secrets.ONOFFICE_SECRET;
  if (env.STATE_DB) raw.stateDb = env.STATE_DB;
  if (env.ONOFFICE_SYNC_TIMEZONE) raw.timezone = env.ONOFFICE_SYNC_TIMEZONE;
  if (env.LOG_LEVEL) raw.logLevel = env.LOG_LEVEL;
  if (env.ONOFFICE_SYNC_PORT) raw.daemon = { ...section(raw, 'daemon'), port: Number(env.ONOFFICE_SYNC_PORT) };
  if (secrets.ONOFFICE_SYNC_ADMIN_TOKEN) raw.daemon = { ...section(raw, 'daemon'), adminToken: secrets.ONOFFICE_SYNC_ADMIN_TOKEN };

  // CALDAV_* describe the target named "default", created when only the environment is used.
  const hasCaldavEnv = env.CALDAV_URL || env.CALDAV_USERNAME || secrets.CALDAV_PASSWORD || secrets.CALDAV_BEARER_TOKEN;
  if (!hasCaldavEnv) return;
  const targets = Array.isArray(raw.caldav) ? (raw.caldav as RawConfig[]) : [];
  let target = targets.find((t) => isRecord(t) && (t.name ?? 'default') === 'default');
  if (!target) {
    target = { name: 'default' };
    targets.push(target);
  }
  if (env.CALDAV_URL) target.url = env.CALDAV_URL;
  if (env.CALDAV_USERNAME) target.username = env.CALDAV_USERNAME;
  if (secrets.CALDAV_PASSWORD) target.password = secrets.CALDAV_PASSWORD;
  if (secrets.CALDAV_BEARER_TOKEN) target.bearerToken = secrets.CALDAV_BEARER_TOKEN;
  raw.caldav = targets;
}

/**
 * A target named e.g. "team-b" takes CALDAV_TEAM_B_PASSWORD / CALDAV_TEAM_B_BEARER_TOKEN (or their
 * *_FILE, or the systemd credentials caldav-team-b-password / caldav-team-b-bearer-token).
 */
export function planTargetSecretVariables(targetName: string): { password: string; bearerToken: string } {
  const stem = `CALDAV_${targetName.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}`;
  return { password: `${stem}_PASSWORD`, bearerToken: `${stem}_BEARER_TOKEN` };
}

function applyNamedTargetSecrets(raw: RawConfig, readSecret: (name: string) => string | undefined): void {
  if (!Array.isArray(raw.caldav)) return;
  for (const target of raw.caldav) {
    if (!isRecord(target) || typeof target.name !== 'string' || target.name === 'default') continue;
    const variables = planTargetSecretVariables(target.name);
    const password = readSecret(variables.password);
    const bearerToken = readSecret(variables.bearerToken);
    if (password) target.password = password;
    if (bearerToken) target.bearerToken = bearerToken;
  }
}

/**
 * `https://user:pass@host/dav` is taken as the target's credentials and removed from the URL, which
 * is then safe to log, store and show. With username/password set as well it is refused: which one
 * is meant cannot be told. The problem text never repeats the URL.
 */
function takeUrlCredentials(raw: RawConfig, problems: ConfigProblem[]): void {
  if (!Array.isArray(raw.caldav)) return;
  raw.caldav.forEach((target: unknown, index) => {
    if (!isRecord(target) || typeof target.url !== 'string') return;
    let url: URL;
    try {
      url = new URL(target.url);
    } catch {
      return;
    }
    if (!url.username && !url.password) return;
    if (target.username || target.password) {
      problems.push({ key: `caldav.${index}.url`, problem: 'holds user:password@ while username/password are set too: remove it from the URL and keep the password in CALDAV_PASSWORD' });
      return;
    }
    target.username = decodeUserinfo(url.username);
    target.password = decodeUserinfo(url.password);
    url.username = '';
    url.password = '';
    target.url = url.href;
  });
}

function decodeUserinfo(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

function isRecord(value: unknown): value is RawConfig {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
