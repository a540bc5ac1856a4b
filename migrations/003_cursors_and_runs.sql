-- Per source (e.g. 'onoffice:modified'): everything up to value has been read and committed.
-- density: records per second seen by the last run, to size the next run's first windows.
CREATE TABLE cursors (
  source     TEXT PRIMARY KEY,
  value      TEXT NOT NULL,
  density    REAL,
  updated_at TEXT NOT NULL
);

CREATE TABLE runs (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  kind        TEXT NOT NULL,
  started_at  TEXT NOT NULL,
  ended_at    TEXT,
  counts_json TEXT,
  error       TEXT
);
CREATE INDEX runs_by_started_at ON runs (started_at);
