-- v2 sessions: an id that names one to its owner (the token never leaves the browser),
-- when it was last used (written at most hourly), and the device it signed in from.
-- SQLite cannot add a NOT NULL column without a default, so the table is rebuilt; the
-- sessions of before keep working, with a random id.
CREATE TABLE sessions_v2 (
    id            BLOB NOT NULL UNIQUE,
    token_hash    TEXT PRIMARY KEY,
    user_id       BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at    TEXT NOT NULL,
    last_used_at  TEXT NOT NULL,
    expires_at    TEXT NOT NULL,
    user_agent    TEXT,
    ip            TEXT
) STRICT;
INSERT INTO sessions_v2 (id, token_hash, user_id, created_at, last_used_at, expires_at)
    SELECT randomblob(16), token_hash, user_id, created_at, created_at, expires_at
    FROM sessions;
DROP TABLE sessions;
ALTER TABLE sessions_v2 RENAME TO sessions;
CREATE INDEX sessions_user ON sessions (user_id);
-- Expired sessions are purged in one range delete.
CREATE INDEX sessions_expiry ON sessions (expires_at);
