import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify as toYaml } from 'yaml';
import { ConfigError } from '../../src/config/config-error.js';
import { loadConfig, parseConfig } from '../../src/config/load-config.js';
import { createFeedTokenRepository } from '../../src/feed/feed-token-repository.js';
import { startFeedServer, type FeedServer } from '../../src/feed/start-feed-server.js';
import { createOnOfficeClient } from '../../src/onoffice/onoffice-client.js';
import { hashAppointmentRecord } from '../../src/domain/hash-appointment-record.js';
import { parseAppointment } from '../../src/onoffice/parse-appointment.js';
import { createCapturedLogger, createFeedTestConfig, openTempStore, storeRecords, type TempStore } from '../feed/feed-test-store.js';
import { generateFeedRecords } from '../feed/generate-feed-records.js';
import { createTempDir } from '../support/sync-fixture.js';

/**
 * Untrusted input at the three doors: configuration files, onOffice answers, raw HTTP requests to the
 * feed server. Each property runs a fixed number of cases, cut short (not failed) by a time limit so a
 * slow machine makes the suite shorter, never red.
 */
const RUNS = { numRuns: 150, interruptAfterTimeLimit: 20_000 } as const;
/** A value made fresh each run, so it can stand for a secret without being one. */
const SECRET = `fuzz-${randomUUID()}`;

const OPTION_NAMES = ['timezone', 'stateDb', 'logLevel', 'onoffice', 'poll', 'caldav', 'feeds', 'imports', 'daemon', 'url', 'token', 'secret', 'retries', 'name', 'twoWay', 'twoway', 'schedule', 'trustedProxies', 'password', 'batchSize'];
const key = fc.oneof(fc.constantFrom(...OPTION_NAMES), fc.string({ maxLength: 8 }));
const leaf = fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant(SECRET), fc.constant(`https://u:${SECRET}@h.example/`));
const tree = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('node'), { maxLength: 4 }), fc.dictionary(key, tie('node'), { maxKeys: 5 })),
})).node;

describe('fuzz: configuration files', () => {
  let temp: ReturnType<typeof createTempDir>;
  beforeAll(() => {
    temp = createTempDir('oos-fuzz-config-');
  });
  afterAll(() => temp.remove());

  it('either loads or throws one ConfigError that repeats no secret value', () => {
    fc.assert(
      fc.property(fc.oneof(tree.map((value) => toYaml(value)), fc.string({ maxLength: 200 })), (text) => {
        const file = join(temp.dir, 'fuzz.yaml');
        writeFileSync(file, text);
        try {
          loadConfig({ file, env: { ONOFFICE_TOKEN: 't', ONOFFICE_SECRET: 's' } });
        } catch (error) {
          expect(error).toBeInstanceOf(ConfigError);
          // The YAML parser may quote the file's text; the validation never does.
          if (!(error as ConfigError).key.startsWith('--config')) expect((error as Error).message).not.toContain(SECRET);
        }
      }),
      RUNS,
    );
  });

  it('validates any parsed value without throwing anything but ConfigError', () => {
    fc.assert(
      fc.property(fc.dictionary(key, tree, { maxKeys: 6 }), (raw) => {
        try {
          parseConfig({ onoffice: { token: 't', secret: 's' }, ...raw });
        } catch (error) {
          expect(error).toBeInstanceOf(ConfigError);
          expect((error as Error).message).not.toContain(SECRET);
        }
      }),
      RUNS,
    );
  });
});

describe('fuzz: onOffice answers', () => {
  let server: Server;
  let url: string;
  let body = '';
  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/stable/api.php`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const record = fc.record({ id: fc.oneof(fc.integer(), fc.string({ maxLength: 6 }), tree), type: fc.constant('calendar'), elements: fc.oneof(tree, fc.dictionary(fc.constantFrom('start_dt', 'end_dt', 'ganztags', 'rp_flag', 'rp_type', 'rp_tage', 'modified', 'erinnerung', 'status'), tree)) });
  const answer = fc.oneof(
    fc.string({ maxLength: 100 }),
    tree.map((value) => JSON.stringify(value) ?? 'null'),
    fc.record({ results: fc.array(fc.record({ identifier: fc.constantFrom('0', '1', 'x'), data: fc.record({ meta: fc.record({ cntabsolute: fc.oneof(fc.integer(), tree) }), records: fc.array(record, { maxLength: 5 }) }) }), { maxLength: 2 }) }).map((response) =>
      JSON.stringify({ status: { code: 200, errorcode: 0 }, response }),
    ),
  );

  it('are read into pages or refused with an onOffice error, never a crash', async () => {
    const client = createOnOfficeClient({ url, token: 't', secret: 's', retries: 0 });
    await fc.assert(
      fc.asyncProperty(answer, async (text) => {
        body = text;
        try {
          await client.readCalendarBatch([{ modifiedstart: '2026-01-01 00:00:00', modifiedend: '2026-01-02 00:00:00' }]);
        } catch (error) {
          expect((error as Error).name).toMatch(/^OnOffice/);
        }
      }),
      RUNS,
    );
  });

  it('hash and parse any record without throwing', () => {
    fc.assert(
      fc.property(record, (value) => {
        expect(hashAppointmentRecord(value as never)).toMatch(/^[0-9a-f]{64}$/);
        expect(typeof parseAppointment(value as never, 'Europe/Berlin').ok).toBe('boolean');
      }),
      RUNS,
    );
  });
});

describe('fuzz: raw HTTP requests to the feed server', () => {
  let temp: TempStore;
  let server: FeedServer;
  let token: string;
  const captured = createCapturedLogger();
  const now = (): Date => new Date('2026-03-15T09:00:00Z');

  beforeAll(async () => {
    temp = openTempStore(now);
    storeRecords(temp.store, generateFeedRecords(50, DateTime.fromISO('2026-03-15T09:00:00Z')));
    const config = createFeedTestConfig([{ name: 'team' }], { trustedProxies: ['127.0.0.1'] });
    token = createFeedTokenRepository(temp.store.db, now).create('team');
    server = await startFeedServer({ store: temp.store, config, logger: captured.logger, now, host: '127.0.0.1', port: 0, rateLimit: { burst: 1000, perSecond: 100 } });
  });
  afterAll(async () => {
    await server.close();
    temp.dispose();
  });

  function send(raw: string): Promise<string> {
    const { port } = new URL(server.url);
    return new Promise((resolve) => {
      const socket = connect(Number(port), '127.0.0.1');
      let text = '';
      socket.on('data', (chunk) => (text += chunk.toString('latin1')));
      socket.on('close', () => resolve(text));
      socket.on('error', () => resolve(text));
      socket.end(raw);
    });
  }

  const target = fc.oneof(
    fc.string({ maxLength: 40 }).map((s) => `/feeds/${s}`),
    fc.constantFrom('/feeds/team.ics?token=', '/feeds/team/', 'http://[x/feeds/team.ics?token=', '/feeds/%ZZ.ics?token=', '*', '//feeds/team.ics').map((prefix) => `${prefix}${token}`),
    fc.string({ maxLength: 60 }),
  );
  const header = fc.tuple(fc.constantFrom('X-Forwarded-For', 'If-None-Match', 'If-Modified-Since', 'Accept-Encoding', 'Host', 'X'), fc.string({ maxLength: 30 }));
  const request = fc.oneof(
    fc.record({ method: fc.constantFrom('GET', 'HEAD', 'POST', 'DELETE', 'BREW'), target, headers: fc.array(header, { maxLength: 4 }) }).map(
      ({ method, target: path, headers }) => `${method} ${path} HTTP/1.1\r\nHost: x\r\n${headers.map(([name, value]) => `${name}: ${value.replace(/[\r\n]/g, '')}`).join('\r\n')}\r\nConnection: close\r\n\r\n`,
    ),
    fc.string({ maxLength: 120 }),
  );

  it('answers every request with a client status or closes it; never 500, never a token in the log, and keeps serving', async () => {
    await fc.assert(
      fc.asyncProperty(request, async (raw) => {
        const answer = await send(raw);
        const status = /^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1];
        if (status !== undefined) expect(['200', '304', '400', '404', '405', '429', '431', '505']).toContain(status);
      }),
      RUNS,
    );
    expect(await send(`GET /feeds/team.ics?token=${token} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`)).toMatch(/^HTTP\/1\.1 200 /);
    expect(JSON.stringify(captured.lines)).not.toContain(token);
  });
});
