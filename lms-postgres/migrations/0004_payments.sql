-- Selling: the org's membership plan, the provider events applied (each once), the
-- append-only payment ledger and the users' subscriptions to membership plans.

ALTER TABLE orgs ADD COLUMN membership_plan jsonb;  -- {amount, currency, interval} or NULL

CREATE TABLE payment_events (
    event_id     text PRIMARY KEY,
    kind         text NOT NULL,
    received_at  timestamptz NOT NULL
);

CREATE TABLE payments (
    id          uuid PRIMARY KEY,
    org_id      uuid NOT NULL REFERENCES orgs (id),
    user_id     uuid NOT NULL REFERENCES users (id),
    course_id   uuid REFERENCES courses (id),
    kind        text NOT NULL CHECK (kind IN ('purchase', 'refund', 'payment_failed')),
    reference   text NOT NULL,
    amount      bigint NOT NULL,
    currency    text NOT NULL,
    event_id    text NOT NULL,
    created_at  timestamptz NOT NULL
);
CREATE UNIQUE INDEX payments_kind_reference ON payments (kind, reference);
CREATE INDEX payments_org ON payments (org_id, id);
CREATE FUNCTION lms_payments_are_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'payment records are append-only';
END
$$;
CREATE TRIGGER payments_are_append_only BEFORE UPDATE OR DELETE ON payments
    FOR EACH ROW EXECUTE FUNCTION lms_payments_are_append_only();

CREATE TABLE plan_subscriptions (
    org_id                uuid NOT NULL REFERENCES orgs (id),
    user_id               uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    provider_id           text NOT NULL,
    status                text NOT NULL,
    current_period_end    timestamptz,
    cancel_at_period_end  boolean NOT NULL,
    past_due_since        timestamptz,
    event_created         bigint NOT NULL,
    object_updated        bigint NOT NULL,
    is_final              boolean NOT NULL,
    PRIMARY KEY (org_id, user_id)
);
