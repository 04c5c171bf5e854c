-- Records of an authentication front end (lms-axum's built-in sign-in): a password hash
-- per user and sessions stored only as a hash of their token. Not tenant-scoped: a user
-- signs in once for every org.

CREATE TABLE credentials (
    user_id        uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    password_hash  text NOT NULL,
    updated_at     timestamptz NOT NULL
);

CREATE TABLE sessions (
    token_hash  text PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
