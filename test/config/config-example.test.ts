import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { configSchema } from '../../src/config/config-schema.js';
import { parseConfig } from '../../src/config/load-config.js';

const exampleText = readFileSync(new URL('../../config/onoffice-sync.example.yaml', import.meta.url), 'utf8');

function objectKeys(shape: Record<string, unknown>, prefix = ''): string[] {
  const keys: string[] = [];
  for (const [key, value] of Object.entries(shape)) {
    keys.push(`${prefix}${key}`);
    const inner = unwrapObject(value);
    if (inner) keys.push(...objectKeys(inner, `${prefix}${key}.`));
  }
  return keys;
}

function unwrapObject(schema: unknown): Record<string, unknown> | null {
  let current = schema as { def?: { type?: string; innerType?: unknown; shape?: Record<string, unknown> } };
  while (current?.def?.innerType) current = current.def.innerType as typeof current;
  return current?.def?.type === 'object' ? (current.def.shape ?? null) : null;
}

describe('config/onoffice-sync.example.yaml', () => {
  it('is valid and its values are the schema defaults', () => {
    const raw = parse(exampleText) as Record<string, unknown>;
    const withSecrets = { ...raw, onoffice: { ...(raw.onoffice as object), token: 't', secret: 's' } };
    const fromExample = parseConfig(withSecrets);
    const defaults = parseConfig({ onoffice: { token: 't', secret: 's' } });
    expect(fromExample).toEqual(defaults);
  });

  it('documents every option of the schema', () => {
    const documented = exampleText;
    for (const key of objectKeys(configSchema.shape as Record<string, unknown>)) {
      const leaf = key.split('.').at(-1)!;
      expect(documented, `option ${key}`).toMatch(new RegExp(`\\b${leaf}:`));
    }
    for (const leaf of ['routing', 'routes', 'arts', 'private', 'cancelled', 'concurrency', 'twoWay', 'bearerToken', 'privacy', 'privateAppointments', 'includeCancelled', 'refreshMinutes']) {
      expect(documented, `option ${leaf}`).toMatch(new RegExp(`\\b${leaf}:`));
    }
  });
});
