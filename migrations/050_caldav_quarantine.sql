-- Objects a CalDAV server refused for good (400, 403 with a precondition, 413, 415, 422): not sent again
-- until their rendering changes (content_hash of the iCalendar text that was refused).
CREATE TABLE caldav_quarantine (
  calendar_key   TEXT    NOT NULL,
  uid            TEXT    NOT NULL,
  appointment_id INTEGER NOT NULL,
  action         TEXT    NOT NULL,
  content_hash   TEXT    NOT NULL,
  status         INTEGER NOT NULL,
  server_text    TEXT    NOT NULL,  -- the server's own sentence, else its DAV:error element names
  error          TEXT    NOT NULL,
  first_seen     TEXT    NOT NULL,
  last_seen      TEXT    NOT NULL,
  PRIMARY KEY (calendar_key, uid)
);
