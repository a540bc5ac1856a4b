-- Records that could not be parsed, with the reason. record_id is text: a record whose id itself is
-- unusable is kept too. content_hash tells a changed bad record (reported again) from an unchanged one.
CREATE TABLE quarantine (
  record_id    TEXT PRIMARY KEY,
  reason       TEXT NOT NULL,
  raw_json     TEXT NOT NULL,
  content_hash TEXT NOT NULL,
  modified     TEXT,
  first_seen   TEXT NOT NULL,
  last_seen    TEXT NOT NULL
);
