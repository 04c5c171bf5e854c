-- Certificates of completion: one per (user, course), ever. The names are a snapshot taken
-- at issue time; revocation marks a row, nothing deletes one (except erasing the user).

CREATE TABLE certificates (
    code            TEXT PRIMARY KEY,
    user_id         BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    course_id       BLOB NOT NULL REFERENCES courses (id),
    org_id          BLOB NOT NULL REFERENCES orgs (id),
    learner_name    TEXT NOT NULL,
    course_title    TEXT NOT NULL,
    org_name        TEXT NOT NULL,
    issued_at       TEXT NOT NULL,
    revoked_at      TEXT,
    revoked_reason  TEXT CHECK (revoked_reason IN ('enrollment_revoked', 'refunded')),
    CHECK ((revoked_at IS NULL) = (revoked_reason IS NULL))
) STRICT;
CREATE UNIQUE INDEX certificates_user_course ON certificates (user_id, course_id);
