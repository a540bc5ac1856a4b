-- Each feed's whole body as the feed server last built it, so a server that starts over a state the sync
-- has prepared answers its first request with one row, not 5,000. Built from feed_events (migration 021)
-- by the one renderer, at sync time (warmFeedCache) or after a request that had to build it. A row is
-- used only while its key and change_seq match the request's: deleting it only costs time.
CREATE TABLE feed_bodies (
  feed_name           TEXT    PRIMARY KEY,
  body_key            TEXT    NOT NULL,  -- sha256 of the feed's config, the render key, the header bytes and the window
  change_seq          INTEGER NOT NULL,  -- appointments.change_seq the body reflects
  body                BLOB    NOT NULL,  -- the VCALENDAR, in UTF-8, exactly as served (identity)
  body_sha256         TEXT    NOT NULL,  -- its hash, the strong ETag
  event_count         INTEGER NOT NULL,
  newest_modified_ms  INTEGER,           -- the newest `modified` among the shown appointments; NULL for an empty feed
  skipped             INTEGER NOT NULL   -- stored appointments left out because they no longer parse
);
