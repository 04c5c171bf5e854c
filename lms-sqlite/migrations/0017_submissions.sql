-- Assignments graded by people: a learner's submissions (body and attached files) and the
-- grades given to them; and, on `media`, whose learner upload a file is, for which
-- assignment, and the submission it is attached to (an unattached one is swept after a day).
CREATE TABLE submissions (
    id              BLOB PRIMARY KEY,
    course_id       BLOB NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    lesson_id       BLOB NOT NULL REFERENCES lessons (id) ON DELETE CASCADE,
    user_id         BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    attempt_number  INTEGER NOT NULL CHECK (attempt_number >= 1),
    body            TEXT,
    attachments     TEXT NOT NULL,
    status          TEXT NOT NULL,
    score           INTEGER,
    max_score       INTEGER NOT NULL,
    pass_percent    INTEGER NOT NULL,
    passed          INTEGER NOT NULL,
    feedback        TEXT,
    submitted_at    TEXT NOT NULL,
    graded_at       TEXT,
    graded_by       BLOB
) STRICT;
CREATE UNIQUE INDEX submissions_number ON submissions (user_id, lesson_id, attempt_number);
CREATE INDEX submissions_queue ON submissions (course_id, status, id);
CREATE INDEX submissions_learner ON submissions (course_id, user_id, id);

ALTER TABLE media ADD COLUMN uploaded_by BLOB;
ALTER TABLE media ADD COLUMN lesson_id BLOB;
ALTER TABLE media ADD COLUMN submission_id BLOB;
CREATE INDEX media_learner_files ON media (lesson_id, uploaded_by) WHERE uploaded_by IS NOT NULL;
