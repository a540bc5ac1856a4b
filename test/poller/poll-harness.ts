import { pollSchema, type PollConfig } from '../../src/config/config-schema.js';
import { generateAppointments, GENERATOR_REFERENCE } from '../../src/emulator/generate-appointments.js';
import { startEmulator, type Emulator } from '../../src/emulator/start-emulator.js';
import type { EmulatorRecord } from '../../src/emulator/emulator-database.js';
import { createOnOfficeClient, type OnOfficeClient } from '../../src/onoffice/onoffice-client.js';
import { pollChanges, type PollChangesOptions, type PollResult } from '../../src/onoffice/poll-changes.js';
import { formatDay, parseDay } from '../../src/onoffice/plan-windows.js';
import { openStateStore, type StateStore } from '../../src/store/open-state-store.js';

export const ZONE = 'Europe/Berlin';

/** The emulator, a real client over HTTP and a fresh store, sharing one movable clock. */
export interface PollHarness {
  readonly emulator: Emulator;
  readonly client: OnOfficeClient;
  store: StateStore;
  readonly config: { timezone: string; poll: PollConfig };
  /** Epoch ms of the shared clock. */
  clock: number;
  readonly now: () => Date;
  poll(extra?: Partial<PollChangesOptions>): Promise<PollResult>;
  /** Moves the clock forward. */
  advance(seconds: number): void;
  close(): Promise<void>;
}

export async function startPollHarness(options: {
  count?: number;
  seed?: number;
  burst?: { size: number; modified: string };
  capMode?: 'arbitrary' | 'sorted';
  poll?: Partial<PollConfig>;
  storePath?: string;
} = {}): Promise<PollHarness> {
  let clock = GENERATOR_REFERENCE;
  const now = (): Date => new Date(clock);
  const emulator = await startEmulator({ port: 0, seed: options.seed ?? 7, capMode: options.capMode ?? 'arbitrary', now: () => clock });
  if (options.count) {
    emulator.data.insertMany(
      generateAppointments({ count: options.count, seed: options.seed ?? 7, timezone: ZONE, ...(options.burst ? { burst: options.burst } : {}) }),
    );
  }
  const client = createOnOfficeClient({ url: emulator.url, token: emulator.token, secret: emulator.secret, now: () => clock, retries: 2 });
  const config = { timezone: ZONE, poll: pollSchema.parse(options.poll ?? {}) };
  const harness: PollHarness = {
    emulator,
    client,
    store: openStateStore(options.storePath ?? ':memory:', { now }),
    config,
    get clock() {
      return clock;
    },
    set clock(value: number) {
      clock = value;
    },
    now,
    poll: (extra = {}) => pollChanges({ client, store: harness.store, config, now, ...extra }),
    advance(seconds) {
      clock += seconds * 1000;
    },
    async close() {
      harness.store.close();
      await emulator.close();
    },
  };
  return harness;
}

/** The horizon's first and last local day for the harness clock, as the poller computes it. */
export function horizonOf(harness: PollHarness): { first: string; last: string } {
  const today = parseDay(new Date(harness.clock + 3600_000).toISOString().slice(0, 10));
  return { first: formatDay(today - harness.config.poll.horizonPastDays), last: formatDay(today + harness.config.poll.horizonFutureDays) };
}

/** Whether a date sweep over the horizon must return this record: its own dates overlap the horizon. */
export function isInHorizon(record: EmulatorRecord, horizon: { first: string; last: string }): boolean {
  const start = record.elements.start_dt.slice(0, 10);
  const end = (record.elements.end_dt || record.elements.start_dt).slice(0, 10);
  return start <= horizon.last && end >= horizon.first;
}

/** Emulator records whose current version the store must hold, and what the store holds. */
export function compareWithEmulator(harness: PollHarness, expected: EmulatorRecord[]): { missing: number[]; stale: number[]; extra: number[] } {
  const stored = new Map(harness.store.appointments.listByStatus('active', 'cancelled').map((a) => [a.id, a]));
  const missing: number[] = [];
  const stale: number[] = [];
  for (const record of expected) {
    const mine = stored.get(record.id);
    if (!mine) missing.push(record.id);
    else if (JSON.stringify(mine.record.elements) !== JSON.stringify(record.elements)) stale.push(record.id);
    stored.delete(record.id);
  }
  return { missing, stale, extra: [...stored.keys()] };
}
