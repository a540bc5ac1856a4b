import type { z } from 'zod';
import { ConfigError } from './config-error.js';
import { configSchema, type Config } from './config-schema.js';
import { readConfig, type RawConfig } from './read-config.js';

/** Validates raw configuration into a frozen Config; the first problem becomes a ConfigError. */
export function parseConfig(raw: RawConfig): Config {
  const result = configSchema.safeParse(raw);
  if (!result.success) throw toConfigError(result.error);
  return deepFreeze(result.data);
}

/** readConfig + parseConfig: what the commands use. */
export function loadConfig(options: { file?: string; env?: NodeJS.ProcessEnv } = {}): Config {
  return parseConfig(readConfig(options));
}

function toConfigError(error: z.ZodError): ConfigError {
  const issue = error.issues[0]!;
  const key = issue.path.length > 0 ? issue.path.join('.') : '(top level)';
  const envHint = ENV_HINTS[key];
  let problem = issue.message;
  if (issue.code === 'invalid_type' && issue.input === undefined) {
    problem = envHint ? `is missing: set ${envHint} or ${key} in the config file` : 'is missing: add it to the config file';
  } else if (issue.code === 'unrecognized_keys') {
    problem = `has unknown option(s) ${issue.keys.join(', ')}: check the spelling against config/onoffice-sync.example.yaml`;
  } else {
    problem = `${issue.message}${envHint ? ` (set by ${envHint} or the config file)` : ''}`;
  }
  return new ConfigError(key, problem);
}

const ENV_HINTS: Record<string, string> = {
  'onoffice.url': 'ONOFFICE_API_URL',
  'onoffice.token': 'ONOFFICE_TOKEN',
  'onoffice.secret': 'ONOFFICE_SECRET',
  stateDb: 'STATE_DB',
  timezone: 'ONOFFICE_SYNC_TIMEZONE',
  'caldav.0.url': 'CALDAV_URL',
};

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
