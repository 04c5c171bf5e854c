-- One-time tokens of an authentication front end (email verification, password reset),
-- stored only as a hash of the token; `used_at` marks the one use.
CREATE TABLE account_tokens (
    token_hash  TEXT PRIMARY KEY,
    purpose     TEXT NOT NULL,
    user_id     BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email       TEXT,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_at     TEXT
) STRICT;
CREATE INDEX account_tokens_user ON account_tokens (user_id, purpose);
