-- What each CalDAV target holds, as far as we know: one row per written object.
CREATE TABLE caldav_objects (
  calendar_key   TEXT    NOT NULL,  -- "<target>:<calendar path>"
  uid            TEXT    NOT NULL,
  appointment_id INTEGER NOT NULL,
  href           TEXT    NOT NULL,
  etag           TEXT,
  content_hash   TEXT    NOT NULL,  -- sha256 of the iCalendar text we wrote
  written_at     TEXT    NOT NULL,
  PRIMARY KEY (calendar_key, uid)
);
CREATE INDEX caldav_objects_by_appointment ON caldav_objects (appointment_id);
CREATE INDEX caldav_objects_by_href ON caldav_objects (calendar_key, href);

-- Resolved calendar URLs and their sync tokens.
CREATE TABLE caldav_calendars (
  calendar_key TEXT PRIMARY KEY,
  url          TEXT NOT NULL,
  display_name TEXT NOT NULL,
  sync_token   TEXT
);

-- Per target: every appointment change up to pushed_seq has been written or is in caldav_failures.
CREATE TABLE caldav_targets (
  target      TEXT PRIMARY KEY,
  pushed_seq  INTEGER NOT NULL DEFAULT 0,
  config_hash TEXT    NOT NULL DEFAULT ''
);

-- Items that could not be written; retried on the next run.
CREATE TABLE caldav_failures (
  calendar_key   TEXT    NOT NULL,
  uid            TEXT    NOT NULL,
  appointment_id INTEGER NOT NULL,
  action         TEXT    NOT NULL,
  error          TEXT    NOT NULL,
  attempts       INTEGER NOT NULL DEFAULT 1,
  last_attempt   TEXT    NOT NULL,
  PRIMARY KEY (calendar_key, uid)
);

-- The journal: a row is written before a request goes out and removed in the same transaction that
-- records its outcome. Rows left by a killed process name the objects whose remote state is uncertain.
CREATE TABLE caldav_outbox (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  calendar_key   TEXT    NOT NULL,
  uid            TEXT    NOT NULL,
  appointment_id INTEGER NOT NULL,
  action         TEXT    NOT NULL,
  href           TEXT    NOT NULL,
  started_at     TEXT    NOT NULL
);
