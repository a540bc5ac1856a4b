-- One secret per ICS feed. Only the sha256 of the token is kept: the token is 32 random bytes, so a
-- plain hash cannot be reversed by guessing, and the clear token is shown once by `feed add`/`rotate`.
CREATE TABLE feed_tokens (
  feed_name    TEXT PRIMARY KEY,
  token_sha256 BLOB NOT NULL,
  created_at   TEXT NOT NULL
);

-- What each feed last looked like and how it is used, for `status` and `feed list`.
CREATE TABLE feed_stats (
  feed_name          TEXT PRIMARY KEY,
  body_sha256        TEXT,               -- hash of the last rendered body (the strong ETag)
  last_modified      TEXT,               -- ISO UTC, the Last-Modified served with that body
  size_bytes         INTEGER,
  event_count        INTEGER,
  oversize           INTEGER NOT NULL DEFAULT 0,  -- 1 when the body exceeded the 1 MB that Google accepts
  rendered_at        TEXT,
  last_served_at     TEXT,
  served_count       INTEGER NOT NULL DEFAULT 0,   -- 200 answers
  not_modified_count INTEGER NOT NULL DEFAULT 0    -- 304 answers
);
