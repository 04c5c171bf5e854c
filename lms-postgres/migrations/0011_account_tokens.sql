-- One-time tokens of an authentication front end (email verification, password reset),
-- stored only as a hash of the token; `used_at` marks the one use. Not tenant-scoped, like
-- sessions: an account is the same in every org.
CREATE TABLE account_tokens (
    token_hash  text PRIMARY KEY,
    purpose     text NOT NULL,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email       text,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz
);
CREATE INDEX account_tokens_user ON account_tokens (user_id, purpose);
