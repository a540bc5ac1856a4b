-- The way back: calendar and ICS-feed changes written to onOffice.

-- What each object of a two-way calendar held at the last sync, in onOffice's terms (create/modify data
-- plus `location`, as JSON): written after every write on either side. It is the base both sides are
-- compared against: the calendar changed if its event differs from it, onOffice changed if the push's
-- rendering differs from it — which also recognises the echo of our own write to onOffice.
CREATE TABLE two_way_written (
  calendar_key   TEXT    NOT NULL,
  uid            TEXT    NOT NULL,
  appointment_id INTEGER NOT NULL,
  data_json      TEXT    NOT NULL,
  written_at     TEXT    NOT NULL,
  PRIMARY KEY (calendar_key, uid)
);

-- Calendar objects the pull looked at and left alone (state 'ignored', e.g. not an event, ends before
-- the horizon) until their ETag changes, or must look at again (state 'retry', a write that failed).
CREATE TABLE two_way_hrefs (
  calendar_key TEXT NOT NULL,
  href         TEXT NOT NULL,
  etag         TEXT,
  state        TEXT NOT NULL CHECK (state IN ('ignored', 'retry')),
  reason       TEXT NOT NULL,
  updated_at   TEXT NOT NULL,
  PRIMARY KEY (calendar_key, href)
);

-- Appointments removed from a calendar by the person (deleted or cancelled in onOffice on their behalf):
-- the push must not put them back into that target.
CREATE TABLE two_way_tombstones (
  target         TEXT    NOT NULL,
  appointment_id INTEGER NOT NULL,
  created_at     TEXT    NOT NULL,
  PRIMARY KEY (target, appointment_id)
);

-- Every appointment created in onOffice from a calendar event or a feed event, written BEFORE the create
-- (state 'pending') and completed after it (state 'created' with the id). A 'pending' row found later
-- means the create's outcome is unknown: the next run looks for the appointment before creating again.
-- confirmation: none | pending (about to be sent) | sent | unknown (a crash or a lost answer; never
-- resent automatically) | failed (onOffice refused it).
CREATE TABLE two_way_creations (
  source          TEXT    NOT NULL,  -- calendar key, or 'import:<name>'
  uid             TEXT    NOT NULL,
  recurrence_id   TEXT    NOT NULL DEFAULT '',
  marker          TEXT    NOT NULL,  -- unique per attempt, for the logs
  href            TEXT,              -- the calendar object, for calendar sources
  write_json      TEXT    NOT NULL,  -- the create parameters sent
  state           TEXT    NOT NULL CHECK (state IN ('pending', 'created')),
  appointment_id  INTEGER,
  started_at      TEXT    NOT NULL,
  created_at      TEXT,
  confirmation    TEXT    NOT NULL DEFAULT 'none' CHECK (confirmation IN ('none', 'pending', 'sent', 'unknown', 'failed')),
  confirmation_at TEXT,
  PRIMARY KEY (source, uid, recurrence_id)
);
CREATE INDEX two_way_creations_by_appointment ON two_way_creations (appointment_id);

-- Per event, what onOffice could not take over and other things `status` should show (unsupported
-- recurrence parts, conflicts, confirmations of unknown outcome).
CREATE TABLE two_way_reports (
  source         TEXT    NOT NULL,
  uid            TEXT    NOT NULL,
  recurrence_id  TEXT    NOT NULL DEFAULT '',
  kind           TEXT    NOT NULL,  -- unsupported | conflict | confirmation | failed
  appointment_id INTEGER,
  message        TEXT    NOT NULL,
  first_seen     TEXT    NOT NULL,
  last_seen      TEXT    NOT NULL,
  PRIMARY KEY (source, uid, recurrence_id, kind)
);

-- ICS imports: the conditional-GET validators of each feed, saved only after a fetch was fully applied.
CREATE TABLE ics_imports (
  name          TEXT PRIMARY KEY,
  url           TEXT NOT NULL,
  etag          TEXT,
  last_modified TEXT,
  fetched_at    TEXT,
  events        INTEGER NOT NULL DEFAULT 0
);

-- One row per imported event (UID + RECURRENCE-ID) with what was last written to onOffice for it.
-- dismissed: the appointment was deleted in onOffice; the event is not imported again.
CREATE TABLE ics_import_events (
  name           TEXT    NOT NULL,
  uid            TEXT    NOT NULL,
  recurrence_id  TEXT    NOT NULL DEFAULT '',
  appointment_id INTEGER NOT NULL,
  data_json      TEXT    NOT NULL,
  ends_at        TEXT,              -- ISO UTC of the end of its last occurrence; NULL: open-ended series
  dismissed      INTEGER NOT NULL DEFAULT 0,
  updated_at     TEXT    NOT NULL,
  PRIMARY KEY (name, uid, recurrence_id)
);
