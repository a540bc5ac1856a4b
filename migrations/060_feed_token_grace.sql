-- `feed rotate NAME --grace DAYS`: the token it replaced keeps working until previous_expires_at, so
-- subscribers can move to the new URL. Kept as a sha256 too, like the current one; a NULL expiry means
-- there is no previous token.
ALTER TABLE feed_tokens ADD COLUMN previous_sha256 BLOB;
ALTER TABLE feed_tokens ADD COLUMN previous_expires_at TEXT;
