-- Certificates of completion: one per (user, course), ever. The names are a snapshot taken
-- at issue time; revocation marks a row, nothing deletes one (except erasing the user).

CREATE TABLE certificates (
    code            text PRIMARY KEY,
    user_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    course_id       uuid NOT NULL REFERENCES courses (id),
    org_id          uuid NOT NULL REFERENCES orgs (id),
    learner_name    text NOT NULL,
    course_title    text NOT NULL,
    org_name        text NOT NULL,
    issued_at       timestamptz NOT NULL,
    revoked_at      timestamptz,
    revoked_reason  text CHECK (revoked_reason IN ('enrollment_revoked', 'refunded')),
    CHECK ((revoked_at IS NULL) = (revoked_reason IS NULL))
);
CREATE UNIQUE INDEX certificates_user_course ON certificates (user_id, course_id);
