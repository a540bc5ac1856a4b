import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CaldavAuthError, CaldavConflictError, CaldavError, CaldavNetworkError, CaldavNotFoundError, CaldavPreconditionError, CaldavServerError } from '../../src/caldav/caldav-errors.js';
import { exitCodeFor } from '../../src/cli/exit-code-for.js';
import { ConfigError } from '../../src/config/config-error.js';
import { classifyError, failsEveryItem } from '../../src/domain/classify-error.js';
import { FeedNotFoundError, FeedTokenExistsError } from '../../src/feed/feed-errors.js';
import { IcsImportEmptyFeedError, IcsImportFetchError } from '../../src/back/import-ics-errors.js';
import { PullMassDeleteError } from '../../src/back/pull-mass-delete-error.js';
import { PullWaitsError } from '../../src/back/pull-waits-error.js';
import {
  OnOfficeActionError,
  OnOfficeAuthError,
  OnOfficeClockSkewError,
  OnOfficeNetworkError,
  OnOfficeProtocolError,
  OnOfficeServerError,
  OnOfficeTimeoutError,
} from '../../src/onoffice/onoffice-errors.js';
import { MassDeleteGuardError, PollCapExceededError } from '../../src/onoffice/poll-errors.js';
import { UnresolvedCalendarError } from '../../src/push/unresolved-calendar-error.js';
import { LockHeldError } from '../../src/store/lock-held-error.js';
import { MigrationError } from '../../src/store/migration-error.js';
import { StateDatabaseError } from '../../src/store/state-database-error.js';
import { StateVersionError } from '../../src/store/state-version-error.js';

const SRC = resolve(import.meta.dirname, '../../src');
const request = { method: 'PUT', url: 'https://dav.example.invalid/cal/1.ics' };

function listSources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? listSources(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

describe('one error classifier', () => {
  it('maps each kind to the exit code the CLI has always given it (renaming a class changes nothing)', () => {
    const cases: Array<[Error, string, number]> = [
      [new ConfigError('caldav.url', 'is missing'), 'setup', 2],
      [new OnOfficeAuthError('read calendar', 13, ''), 'setup', 2],
      [new OnOfficeClockSkewError('read calendar', 200), 'setup', 2],
      [new CaldavAuthError({ ...request, status: 401 }), 'setup', 2],
      [new StateVersionError('/state.db', 99, 30), 'setup', 2],
      [new FeedNotFoundError('team', []), 'setup', 2],
      [new LockHeldError('run', { owner: 'sync', pid: 1, hostname: 'host', since: '2026-12-01T00:00:00Z', heartbeatAt: '2026-12-01T00:00:00Z' }), 'locked', 3],
      [new MassDeleteGuardError(10, 20, 0.2), 'guard', 4],
      [new PullMassDeleteError('office:onoffice', 10, 20, 0.2), 'guard', 4],
      [new IcsImportEmptyFeedError('bookings', 3), 'guard', 4],
      [new OnOfficeServerError('read calendar', 'https://api.example.invalid', 503), 'transient', 1],
      [new OnOfficeNetworkError('read calendar', 'https://api.example.invalid', 'ECONNREFUSED', null), 'transient', 1],
      [new OnOfficeTimeoutError('read calendar', 'https://api.example.invalid', 1000), 'transient', 1],
      [new OnOfficeProtocolError('read calendar', 'https://api.example.invalid', 'not JSON'), 'transient', 1],
      [new CaldavServerError({ ...request, status: 503, attempts: 3 }), 'transient', 1],
      [new CaldavNetworkError({ ...request, attempts: 3, cause: new Error('ECONNRESET') }), 'transient', 1],
      [new IcsImportFetchError('bookings', 'https://b.example.invalid', 500, ''), 'transient', 1],
      [new PollCapExceededError('2026-12-01', 600), 'transient', 1],
      [new MigrationError('080_x.sql', 'syntax error'), 'transient', 1],
      [new StateDatabaseError('/state.db', 'SQLITE_FULL', new Error('database or disk is full')), 'transient', 1],
      [new OnOfficeActionError('modify calendar', 169, 'not found'), 'item', 1],
      [new CaldavPreconditionError(request), 'item', 1],
      [new CaldavNotFoundError(request), 'item', 1],
      [new CaldavConflictError({ ...request, status: 409, uidConflict: true }), 'item', 1],
      [new FeedTokenExistsError('team'), 'item', 1],
      [new PullWaitsError(7, 'change'), 'item', 1],
      [new UnresolvedCalendarError('office:onoffice'), 'item', 1],
      [new TypeError('a bug'), 'transient', 1],
    ];
    for (const [error, kind, code] of cases) {
      expect([error.name, classifyError(error), exitCodeFor(error)]).toEqual([error.name, kind, code]);
      expect(failsEveryItem(error)).toBe(kind === 'setup');
    }
    // The kind, not the name, decides: a renamed class keeps its exit code.
    const renamed = Object.assign(new CaldavAuthError({ ...request, status: 403 }), { name: 'SomethingElse' });
    expect(exitCodeFor(renamed)).toBe(2);
    expect(exitCodeFor(Object.assign(new Error('x'), { name: 'CaldavAuthError' }))).toBe(1);
  });

  it('gives the CalDAV errors one base with method and url', () => {
    for (const error of [new CaldavAuthError({ ...request, status: 401 }), new CaldavNotFoundError(request), new CaldavServerError({ ...request, status: 502, attempts: 2 })]) {
      expect(error).toBeInstanceOf(CaldavError);
      expect([error.method, error.url]).toEqual([request.method, request.url]);
      expect(error.message).toContain(`: PUT ${request.url} — `);
    }
  });

  it('leaves no error class without a kind and no plain Error in src/', () => {
    const missing: string[] = [];
    const plain: string[] = [];
    for (const file of listSources(SRC)) {
      const text = readFileSync(file, 'utf8');
      if (/new Error\(/.test(text)) plain.push(file);
      if (!/-errors?\.ts$/.test(file)) continue;
      for (const match of text.matchAll(/export (abstract )?class (\w+) extends \w+ \{([\s\S]*?)\n\}/g)) {
        if (!/readonly kind\b/.test(match[3]!)) missing.push(`${file}: ${match[2]}`);
      }
    }
    expect(missing).toEqual([]);
    expect(plain).toEqual([]);
  });
});
