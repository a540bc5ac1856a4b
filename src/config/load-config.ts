import { createRequire } from 'node:module';
import { z } from 'zod/v3';
import { ConfigError, type ConfigProblem } from './config-error.js';
import { configSchema, localConfigSchema, type Config } from './config-schema.js';
import { readConfig, type RawConfig, type ReadConfigOptions } from './read-config.js';

export interface ParseConfigOptions {
  /** false: the command never calls onOffice (status, export), so its token and secret may be missing. */
  readonly needsOnOffice?: boolean;
}

/** Validates raw configuration into a frozen Config; every problem found is listed in one ConfigError. */
export function parseConfig(raw: RawConfig, options: ParseConfigOptions = {}): Config {
  const result = (options.needsOnOffice === false ? localConfigSchema : configSchema).safeParse(raw);
  if (!result.success) throw ConfigError.fromProblems(result.error.issues.flatMap((issue) => describeIssue(issue, raw)));
  return deepFreeze(result.data);
}

/** readConfig + parseConfig: what the commands use. */
export function loadConfig(options: ReadConfigOptions & ParseConfigOptions = {}): Config {
  return parseConfig(readConfig(options), options);
}

/** The problem texts never repeat a value: it may be a secret (a token in the wrong key, a URL). */
function describeIssue(issue: z.ZodIssue, raw: RawConfig): ConfigProblem[] {
  const key = issue.path.length > 0 ? issue.path.join('.') : '(top level)';
  const envHint = ENV_HINTS[key];
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeysAt(issue.path);
    return issue.keys.map((name) => {
      const suggestion = suggestKey(name, known);
      return {
        key: [...issue.path, name].join('.'),
        problem: `is not an option${suggestion ? `: did you mean ${suggestion}?` : ''} (the options are in config/onoffice-sync.example.yaml)`,
      };
    });
  }
  if (issue.code === 'invalid_type') {
    const value = readAt(raw, issue.path);
    if (value === undefined) {
      return [{ key, problem: envHint ? `is missing: set ${envHint} or ${key} in the config file` : 'is missing: add it to the config file' }];
    }
    return [{ key, problem: `must be ${article(issue.expected)}, not ${describeType(value)}${envHint ? ` (set by ${envHint} or the config file)` : ''}` }];
  }
  if (issue.code === 'invalid_enum_value') {
    // zod's own message repeats the value.
    return [{ key, problem: `must be one of ${issue.options.map(String).join(', ')}${envHint ? ` (set by ${envHint} or the config file)` : ''}` }];
  }
  return [{ key, problem: `${issue.message}${envHint ? ` (set by ${envHint} or the config file)` : ''}` }];
}

// Needed only to suggest a key for a typo: loaded then (it is CommonJS, so synchronously).
const requireLazily = createRequire(import.meta.url);

const ENV_HINTS: Record<string, string> = {
  'onoffice.url': 'ONOFFICE_API_URL',
  'onoffice.token': 'ONOFFICE_TOKEN',
  'onoffice.secret': 'ONOFFICE_SECRET',
  stateDb: 'STATE_DB',
  timezone: 'ONOFFICE_SYNC_TIMEZONE',
  'caldav.0.url': 'CALDAV_URL',
};

/** A known key that differs only in case, or by at most a third of its letters (`twoway` → twoWay). */
function suggestKey(name: string, known: readonly string[]): string | null {
  const sameLetters = known.find((candidate) => candidate.toLowerCase() === name.toLowerCase());
  if (sameLetters) return sameLetters;
  if (known.length === 0) return null;
  const { closest, distance } = requireLazily('fastest-levenshtein') as typeof import('fastest-levenshtein');
  const nearest = closest(name.toLowerCase(), known.map((candidate) => candidate.toLowerCase()));
  const match = known.find((candidate) => candidate.toLowerCase() === nearest)!;
  return distance(name.toLowerCase(), nearest) <= Math.max(1, Math.floor(match.length / 3)) ? match : null;
}

/** The option names of the object at `path` in the schema (array indexes skipped). */
function knownKeysAt(path: readonly PropertyKey[]): string[] {
  let schema: z.ZodTypeAny | undefined = configSchema;
  for (const segment of path) {
    schema = unwrap(schema);
    if (schema instanceof z.ZodArray) {
      schema = schema.element as z.ZodTypeAny;
      if (typeof segment === 'number') continue;
      schema = unwrap(schema);
    }
    schema = schema instanceof z.ZodObject ? (schema.shape as Record<string, z.ZodTypeAny>)[String(segment)] : undefined;
    if (!schema) return [];
  }
  schema = unwrap(schema);
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
}

/** Through .default(), .optional() and refinements to the schema that has the shape. */
function unwrap(schema: z.ZodTypeAny): z.ZodTypeAny {
  let current = schema;
  for (;;) {
    if (current instanceof z.ZodDefault) current = current.removeDefault() as z.ZodTypeAny;
    else if (current instanceof z.ZodOptional) current = current.unwrap() as z.ZodTypeAny;
    else if (current instanceof z.ZodEffects) current = current.innerType() as z.ZodTypeAny;
    else return current;
  }
}

function readAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let value = raw;
  for (const segment of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[segment];
  }
  return value;
}

function describeType(value: unknown): string {
  if (value === null) return 'null (empty)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return article(typeof value);
}

function article(type: string): string {
  const names: Record<string, string> = { number: 'a number', string: 'text', boolean: 'true or false', object: 'a mapping', array: 'a list' };
  return names[type] ?? `a ${type}`;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
