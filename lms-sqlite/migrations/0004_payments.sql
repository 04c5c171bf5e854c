-- Selling: the org's membership plan, the provider events applied (each once), the
-- append-only payment ledger and the users' subscriptions to membership plans.

ALTER TABLE orgs ADD COLUMN membership_plan TEXT;  -- JSON {amount, currency, interval} or NULL

CREATE TABLE payment_events (
    event_id     TEXT PRIMARY KEY,
    kind         TEXT NOT NULL,
    received_at  TEXT NOT NULL
) STRICT;

CREATE TABLE payments (
    id          BLOB PRIMARY KEY,
    org_id      BLOB NOT NULL REFERENCES orgs (id),
    user_id     BLOB NOT NULL REFERENCES users (id),
    course_id   BLOB REFERENCES courses (id),
    kind        TEXT NOT NULL CHECK (kind IN ('purchase', 'refund', 'payment_failed')),
    reference   TEXT NOT NULL,
    amount      INTEGER NOT NULL,
    currency    TEXT NOT NULL,
    event_id    TEXT NOT NULL,
    created_at  TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX payments_kind_reference ON payments (kind, reference);
CREATE INDEX payments_org ON payments (org_id, id);
CREATE TRIGGER payments_are_never_updated BEFORE UPDATE ON payments
BEGIN SELECT RAISE(ABORT, 'payment records are append-only'); END;
CREATE TRIGGER payments_are_never_deleted BEFORE DELETE ON payments
BEGIN SELECT RAISE(ABORT, 'payment records are append-only'); END;

CREATE TABLE plan_subscriptions (
    org_id                BLOB NOT NULL REFERENCES orgs (id),
    user_id               BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    provider_id           TEXT NOT NULL,
    status                TEXT NOT NULL,
    current_period_end    TEXT,
    cancel_at_period_end  INTEGER NOT NULL,
    past_due_since        TEXT,
    event_created         INTEGER NOT NULL,
    object_updated        INTEGER NOT NULL,
    is_final              INTEGER NOT NULL,
    PRIMARY KEY (org_id, user_id)
) STRICT;
