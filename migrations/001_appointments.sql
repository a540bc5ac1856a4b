-- The appointments as onOffice last sent them. raw_json, content_hash and revision describe the last
-- version that parsed (what calendars and feeds show); a version that does not parse goes to quarantine.
-- status 'quarantined' marks a record that has never parsed (so there is nothing to show yet).
CREATE TABLE appointments (
  id           INTEGER PRIMARY KEY,
  raw_json     TEXT    NOT NULL,
  content_hash TEXT    NOT NULL,
  modified     TEXT    NOT NULL,            -- 'YYYY-MM-DD HH:mm:ss' UTC, as onOffice sends it
  status       TEXT    NOT NULL CHECK (status IN ('active', 'cancelled', 'deleted', 'quarantined')),
  start_utc    TEXT,                        -- ISO UTC of the record's own start (a series: its first occurrence)
  end_utc      TEXT,
  first_seen   TEXT    NOT NULL,
  last_seen    TEXT    NOT NULL,
  deleted_at   TEXT,
  revision     INTEGER NOT NULL DEFAULT 0,  -- +1 whenever content_hash changes (iCalendar SEQUENCE)
  change_seq   INTEGER NOT NULL             -- store-wide counter, set on every insert/change/delete
);
CREATE INDEX appointments_by_change_seq ON appointments (change_seq);
CREATE INDEX appointments_by_status ON appointments (status);

-- Store-wide monotonic counters; change_seq never goes back, even when rows are removed.
CREATE TABLE counters (
  name  TEXT PRIMARY KEY,
  value INTEGER NOT NULL
);
INSERT INTO counters (name, value) VALUES ('change_seq', 0);
