-- The feeds' persistent cache: what selection needs of each active or cancelled appointment, and its
-- folded VEVENT text per visibility, so a process that starts over a warm cache renders a feed from
-- rows alone. Everything here can be derived again from appointments; deleting it only costs time.

-- One row: the parser and zone the metadata was computed with, and the change_seq it is complete up to.
CREATE TABLE feed_cache_state (
  id          INTEGER PRIMARY KEY CHECK (id = 1),
  version     TEXT    NOT NULL,   -- sha256 of the zone and a probe parse; another value invalidates every row below
  synced_seq  INTEGER NOT NULL    -- appointments.change_seq this table has seen every change up to
);

CREATE TABLE feed_appointments (
  id           INTEGER PRIMARY KEY,  -- appointments.id (active or cancelled)
  change_seq   INTEGER NOT NULL,     -- appointments.change_seq the row was computed from
  parse_error  TEXT,                 -- why the record no longer parses in the zone; the columns below are then NULL
  start_ms     INTEGER,              -- first occurrence's start
  end_ms       INTEGER,              -- last occurrence's end at the latest; 8640000000000000 for an open-ended series
  series       INTEGER NOT NULL DEFAULT 0,
  cancelled    INTEGER NOT NULL DEFAULT 0,
  private      INTEGER NOT NULL DEFAULT 0,
  user_ids     TEXT    NOT NULL DEFAULT '[]',  -- JSON arrays
  group_ids    TEXT    NOT NULL DEFAULT '[]',
  categories   TEXT    NOT NULL DEFAULT '[]',
  modified_ms  INTEGER
);
-- Most stored appointments lie in the past, so the window's lower bound is the selective one; start_ms
-- in the index checks the upper bound without reading the rows a window leaves out.
CREATE INDEX feed_appointments_by_span ON feed_appointments (end_ms, start_ms);
CREATE INDEX feed_appointments_unparsable ON feed_appointments (id) WHERE parse_error IS NOT NULL;

CREATE TABLE feed_events (
  id           INTEGER NOT NULL,  -- appointments.id
  visibility   TEXT    NOT NULL CHECK (visibility IN ('full', 'busy')),
  change_seq   INTEGER NOT NULL,  -- valid while it equals feed_appointments.change_seq
  render_key   TEXT    NOT NULL,  -- sha256 of the render options and a probe render (plus the window for an expanded series)
  body         BLOB    NOT NULL,  -- the folded VEVENTs, CRLF-terminated, in UTF-8: the bytes that go into a body
  event_count  INTEGER NOT NULL,
  uses_zone    INTEGER NOT NULL,
  PRIMARY KEY (id, visibility)
) WITHOUT ROWID;
