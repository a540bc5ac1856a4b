import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from './config-error.js';

/**
 * Reads the raw, untrusted configuration: the optional file (YAML or JSON) overlaid with the
 * environment. Validation is loadConfig's job. This and nothing else reads process.env.
 */
export type RawConfig = Record<string, unknown>;

/** Environment variables that hold secrets may instead name a file (`*_FILE`) or a systemd credential. */
const SECRET_VARIABLES = ['ONOFFICE_TOKEN', 'ONOFFICE_SECRET', 'CALDAV_PASSWORD', 'CALDAV_BEARER_TOKEN', 'ONOFFICE_SYNC_ADMIN_TOKEN'] as const;

export function readConfig(options: { file?: string; env?: NodeJS.ProcessEnv } = {}): RawConfig {
  const env = options.env ?? process.env;
  const raw: RawConfig = options.file ? readConfigFile(options.file) : {};
  applyEnvironment(raw, resolveSecrets(env));
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
    parsed = parseYaml(text);
  } catch (error) {
    throw new ConfigError('--config', `${file} is not valid YAML/JSON: ${(error as Error).message}`);
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError('--config', `${file} must hold a mapping of options at the top level`);
  }
  return parsed as RawConfig;
}

function resolveSecrets(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const resolved: NodeJS.ProcessEnv = { ...env };
  for (const name of SECRET_VARIABLES) {
    if (resolved[name]) continue;
    const file = env[`${name}_FILE`] ?? credentialFile(env, name);
    if (!file) continue;
    try {
      resolved[name] = readFileSync(file, 'utf8').trim();
    } catch (error) {
      if (env[`${name}_FILE`]) {
        throw new ConfigError(`${name}_FILE`, `cannot read ${file}: ${(error as Error).message}`);
      }
    }
  }
  return resolved;
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

function applyEnvironment(raw: RawConfig, env: NodeJS.ProcessEnv): void {
  const onoffice = section(raw, 'onoffice');
  if (env.ONOFFICE_API_URL) onoffice.url = env.ONOFFICE_API_URL;
  if (env.ONOFFICE_TOKEN) onoffice.token = env.ONOFFICE_TOKEN;
  if (env.ONOFFICE_SECRET) onoffice.secret = env.ONOFFICE_SECRET;
  if (env.STATE_DB) raw.stateDb = env.STATE_DB;
  if (env.ONOFFICE_SYNC_TIMEZONE) raw.timezone = env.ONOFFICE_SYNC_TIMEZONE;
  if (env.LOG_LEVEL) raw.logLevel = env.LOG_LEVEL;
  if (env.ONOFFICE_SYNC_PORT) raw.daemon = { ...section(raw, 'daemon'), port: Number(env.ONOFFICE_SYNC_PORT) };
  if (env.ONOFFICE_SYNC_ADMIN_TOKEN) raw.daemon = { ...section(raw, 'daemon'), adminToken: env.ONOFFICE_SYNC_ADMIN_TOKEN };

  // CALDAV_* describe the target named "default", created when only the environment is used.
  const hasCaldavEnv = env.CALDAV_URL || env.CALDAV_USERNAME || env.CALDAV_PASSWORD || env.CALDAV_BEARER_TOKEN;
  if (!hasCaldavEnv) return;
  const targets = Array.isArray(raw.caldav) ? (raw.caldav as RawConfig[]) : [];
  let target = targets.find((t) => (t.name ?? 'default') === 'default');
  if (!target) {
    target = { name: 'default' };
    targets.push(target);
  }
  if (env.CALDAV_URL) target.url = env.CALDAV_URL;
  if (env.CALDAV_USERNAME) target.username = env.CALDAV_USERNAME;
  if (env.CALDAV_PASSWORD) target.password = env.CALDAV_PASSWORD;
  if (env.CALDAV_BEARER_TOKEN) target.bearerToken = env.CALDAV_BEARER_TOKEN;
  raw.caldav = targets;
}
