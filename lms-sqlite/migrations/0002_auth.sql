-- Records of an authentication front end (lms-axum's built-in sign-in): a password hash
-- per user and sessions stored only as a hash of their token.

CREATE TABLE credentials (
    user_id        BLOB PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    password_hash  TEXT NOT NULL,
    updated_at     TEXT NOT NULL
) STRICT;

CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY,
    user_id     BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL
) STRICT;
CREATE INDEX sessions_user ON sessions (user_id);
