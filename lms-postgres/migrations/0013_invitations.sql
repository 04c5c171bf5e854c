-- Invitations to orgs: membership by consent (contract v2). Each is stored with the hash
-- of its mailed token, never the token. `expired` is never stored: a pending row past
-- `expires_at` reads as expired.
CREATE TABLE invitations (
    id           uuid PRIMARY KEY,
    org_id       uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    email        text NOT NULL,
    role         text NOT NULL,
    status       text NOT NULL,
    invited_by   uuid NOT NULL REFERENCES users (id),
    token_hash   text NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    answered_at  timestamptz
);
CREATE INDEX invitations_org ON invitations (org_id, id);
CREATE INDEX invitations_email ON invitations (email, status);
