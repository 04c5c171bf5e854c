-- Users the host knows by its own id (Lms::ensure_user): one row per external id.
ALTER TABLE users ADD COLUMN external_id text;
CREATE UNIQUE INDEX users_external_id ON users (external_id);
