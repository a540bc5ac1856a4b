import type { Database } from 'better-sqlite3';
import { redactUrl } from '../log/redact-url.js';

export interface Cursor {
  readonly source: string;
  readonly value: string;
  /** Records per second the last run saw, null when unknown. */
  readonly density: number | null;
  readonly updatedAt: string;
}

export interface CursorRepository {
  get(source: string): Cursor | undefined;
  set(source: string, value: string, density?: number | null): void;
  list(): Cursor[];
}

export interface RunRecord {
  readonly id: number;
  readonly kind: string;
  readonly startedAt: string;
  readonly endedAt: string | null;
  readonly counts: Record<string, unknown> | null;
  readonly error: string | null;
}

export interface RunRepository {
  /** Records the start of a run and returns its id. */
  start(kind: string): number;
  finish(id: number, outcome: { counts?: Record<string, unknown>; error?: string | null }): void;
  /** The last `n` runs, newest first. */
  recentRuns(n: number): RunRecord[];
  /** The first sync run that got through (counts recorded, items may have failed), or null. */
  readFirstCompletedRunId(): number | null;
}

export function createCursorRepository(db: Database, now: () => Date): CursorRepository {
  const get = db.prepare('SELECT source, value, density, updated_at FROM cursors WHERE source = ?');
  const list = db.prepare('SELECT source, value, density, updated_at FROM cursors ORDER BY source');
  // COALESCE keeps the last known density when a run could not measure one.
  const set = db.prepare(`INSERT INTO cursors (source, value, density, updated_at) VALUES (?, ?, ?, ?)
    ON CONFLICT (source) DO UPDATE SET value = excluded.value, density = COALESCE(excluded.density, cursors.density),
    updated_at = excluded.updated_at`);
  type Row = { source: string; value: string; density: number | null; updated_at: string };
  const toCursor = (r: Row): Cursor => ({ source: r.source, value: r.value, density: r.density, updatedAt: r.updated_at });
  return {
    get(source) {
      const row = get.get(source) as Row | undefined;
      return row && toCursor(row);
    },
    set(source, value, density = null) {
      set.run(source, value, density, now().toISOString());
    },
    list() {
      return (list.all() as Row[]).map(toCursor);
    },
  };
}

export function createRunRepository(db: Database, now: () => Date): RunRepository {
  const insert = db.prepare('INSERT INTO runs (kind, started_at) VALUES (?, ?)');
  const finish = db.prepare('UPDATE runs SET ended_at = ?, counts_json = ?, error = ? WHERE id = ?');
  const recent = db.prepare('SELECT * FROM runs ORDER BY id DESC LIMIT ?');
  const firstCompleted = db.prepare<[], { id: number | null }>(
    "SELECT min(id) AS id FROM runs WHERE kind NOT LIKE 'poll:%' AND ended_at IS NOT NULL AND counts_json IS NOT NULL",
  );
  type Row = { id: number; kind: string; started_at: string; ended_at: string | null; counts_json: string | null; error: string | null };
  return {
    start(kind) {
      return Number(insert.run(kind, now().toISOString()).lastInsertRowid);
    },
    finish(id, outcome) {
      finish.run(now().toISOString(), outcome.counts ? JSON.stringify(outcome.counts) : null, outcome.error == null ? null : redactUrl(outcome.error), id);
    },
    recentRuns(n) {
      return (recent.all(n) as Row[]).map((r) => ({
        id: r.id,
        kind: r.kind,
        startedAt: r.started_at,
        endedAt: r.ended_at,
        counts: r.counts_json ? (JSON.parse(r.counts_json) as Record<string, unknown>) : null,
        error: r.error,
      }));
    },
    readFirstCompletedRunId() {
      return firstCompleted.get()?.id ?? null;
    },
  };
}
