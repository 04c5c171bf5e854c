-- A certificate is also revoked when its learner erases their account ('account_deleted'),
-- and its learner's name is then blanked. SQLite cannot change a CHECK in place: the table
-- is rebuilt with every row.
CREATE TABLE certificates_v2 (
    code            TEXT PRIMARY KEY,
    user_id         BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    course_id       BLOB NOT NULL REFERENCES courses (id),
    org_id          BLOB NOT NULL REFERENCES orgs (id),
    learner_name    TEXT NOT NULL,
    course_title    TEXT NOT NULL,
    org_name        TEXT NOT NULL,
    issued_at       TEXT NOT NULL,
    revoked_at      TEXT,
    revoked_reason  TEXT CHECK (revoked_reason IN ('enrollment_revoked', 'refunded', 'account_deleted')),
    CHECK ((revoked_at IS NULL) = (revoked_reason IS NULL))
) STRICT;
INSERT INTO certificates_v2 SELECT * FROM certificates;
DROP TABLE certificates;
ALTER TABLE certificates_v2 RENAME TO certificates;
CREATE UNIQUE INDEX certificates_user_course ON certificates (user_id, course_id);
