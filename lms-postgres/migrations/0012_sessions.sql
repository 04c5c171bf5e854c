-- v2 sessions: an id that names one to its owner (the token never leaves the browser),
-- when it was last used (written at most hourly), and the device it signed in from. The
-- sessions of before keep working, with a random id.
ALTER TABLE sessions ADD COLUMN id uuid NOT NULL DEFAULT gen_random_uuid();
ALTER TABLE sessions ALTER COLUMN id DROP DEFAULT;
ALTER TABLE sessions ADD CONSTRAINT sessions_id_key UNIQUE (id);
ALTER TABLE sessions ADD COLUMN last_used_at timestamptz;
UPDATE sessions SET last_used_at = created_at;
ALTER TABLE sessions ALTER COLUMN last_used_at SET NOT NULL;
ALTER TABLE sessions ADD COLUMN user_agent text, ADD COLUMN ip text;
-- Expired sessions are purged in one range delete.
CREATE INDEX sessions_expiry ON sessions (expires_at);
