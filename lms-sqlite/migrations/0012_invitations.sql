-- Invitations to orgs: membership by consent (contract v2). Each is stored with the hash
-- of its mailed token, never the token. `expired` is never stored: a pending row past
-- `expires_at` reads as expired.
CREATE TABLE invitations (
    id           BLOB PRIMARY KEY,
    org_id       BLOB NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    email        TEXT NOT NULL,
    role         TEXT NOT NULL,
    status       TEXT NOT NULL,
    invited_by   BLOB NOT NULL REFERENCES users (id),
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    answered_at  TEXT
) STRICT;
CREATE INDEX invitations_org ON invitations (org_id, id);
CREATE INDEX invitations_email ON invitations (email, status);
