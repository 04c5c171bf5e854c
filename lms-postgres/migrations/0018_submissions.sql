-- Assignments graded by people: a learner's submissions (body and attached files) and the
-- grades given to them; and, on `media`, whose learner upload a file is, for which
-- assignment, and the submission it is attached to (an unattached one is swept after a day).
CREATE TABLE submissions (
    id              uuid PRIMARY KEY,
    org_id          uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    course_id       uuid NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    lesson_id       uuid NOT NULL REFERENCES lessons (id) ON DELETE CASCADE,
    user_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    attempt_number  integer NOT NULL CHECK (attempt_number >= 1),
    body            text,
    attachments     jsonb NOT NULL,
    status          text NOT NULL,
    score           integer,
    max_score       integer NOT NULL,
    pass_percent    smallint NOT NULL,
    passed          boolean NOT NULL,
    feedback        text,
    submitted_at    timestamptz NOT NULL,
    graded_at       timestamptz,
    graded_by       uuid,
    CONSTRAINT submissions_number UNIQUE (user_id, lesson_id, attempt_number)
);
CREATE INDEX submissions_queue ON submissions (course_id, status, id);
CREATE INDEX submissions_learner ON submissions (course_id, user_id, id);

ALTER TABLE media
    ADD COLUMN uploaded_by uuid,
    ADD COLUMN lesson_id uuid,
    ADD COLUMN submission_id uuid;
CREATE INDEX media_learner_files ON media (lesson_id, uploaded_by) WHERE uploaded_by IS NOT NULL;
