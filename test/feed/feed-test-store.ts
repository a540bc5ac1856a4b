import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { parseConfig } from '../../src/config/load-config.js';
import type { Config } from '../../src/config/config-schema.js';
import { createLogger } from '../../src/log/create-logger.js';
import { hashAppointmentRecord } from '../../src/domain/hash-appointment-record.js';
import type { AppointmentRecord } from '../../src/domain/appointment-record.js';
import { parseAppointment } from '../../src/onoffice/parse-appointment.js';
import { openStateStore, type StateStore } from '../../src/store/open-state-store.js';
import { FEED_ZONE } from './generate-feed-records.js';

export interface TempStore {
  readonly store: StateStore;
  readonly path: string;
  dispose(): void;
}

export function openTempStore(now: () => Date): TempStore {
  const dir = mkdtempSync(join(tmpdir(), 'oos-feed-'));
  const path = join(dir, 'state.db');
  const store = openStateStore(path, { now });
  return {
    store,
    path,
    dispose() {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Through the store's own write path, as the poller does. */
export function storeRecords(store: StateStore, records: readonly AppointmentRecord[]): void {
  const counts = store.appointments.upsertRecords(
    records.map((record) => ({ record, hash: hashAppointmentRecord(record), outcome: parseAppointment(record, FEED_ZONE) })),
  );
  if (counts.quarantined > 0) throw new Error(`${counts.quarantined} generated records did not parse`);
}

export function createFeedTestConfig(feeds: readonly Record<string, unknown>[], daemon: Record<string, unknown> = {}): Config {
  return parseConfig({
    onoffice: { token: 't', secret: 's' },
    timezone: FEED_ZONE,
    stateDb: ':memory:',
    feeds,
    daemon,
  });
}

/** Log lines as parsed JSON, from a real pino logger. */
export function createCapturedLogger(): { logger: ReturnType<typeof createLogger>; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  return { logger: createLogger({ level: 'debug', destination }), lines };
}
