-- lms-rs schema for SQLite. Ids are UUID v7 blobs (time-ordered), timestamps RFC 3339 text.

CREATE TABLE orgs (
    id          BLOB PRIMARY KEY,
    slug        TEXT NOT NULL,
    name        TEXT NOT NULL,
    settings    TEXT NOT NULL,
    created_at  TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX orgs_slug ON orgs (slug);

CREATE TABLE users (
    id          BLOB PRIMARY KEY,
    email       TEXT NOT NULL,
    name        TEXT NOT NULL,
    created_at  TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX users_email ON users (email);

CREATE TABLE memberships (
    org_id      BLOB NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    user_id     BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role        TEXT NOT NULL CHECK (role IN ('admin', 'instructor', 'learner')),
    joined_at   TEXT NOT NULL,
    PRIMARY KEY (org_id, user_id)
) STRICT;
CREATE INDEX memberships_user ON memberships (user_id);

CREATE TABLE courses (
    id              BLOB PRIMARY KEY,
    org_id          BLOB NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    slug            TEXT NOT NULL,
    title           TEXT NOT NULL,
    description     TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('draft', 'published', 'archived')),
    price_amount    INTEGER CHECK (price_amount > 0),
    price_currency  TEXT,
    owner_id        BLOB NOT NULL REFERENCES users (id),
    metadata        TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    CHECK ((price_amount IS NULL) = (price_currency IS NULL))
) STRICT;
CREATE UNIQUE INDEX courses_org_slug ON courses (org_id, slug);
CREATE INDEX courses_org_status ON courses (org_id, status, id);

CREATE TABLE modules (
    id          BLOB PRIMARY KEY,
    course_id   BLOB NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    title       TEXT NOT NULL,
    position    INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX modules_course_position ON modules (course_id, position);

CREATE TABLE lessons (
    id                BLOB PRIMARY KEY,
    course_id         BLOB NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    module_id         BLOB NOT NULL REFERENCES modules (id) ON DELETE CASCADE,
    title             TEXT NOT NULL,
    kind              TEXT NOT NULL CHECK (kind IN ('text', 'video', 'quiz', 'assignment')),
    position          INTEGER NOT NULL,
    duration_minutes  INTEGER,
    free_preview      INTEGER NOT NULL,
    required          INTEGER NOT NULL,
    content           TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX lessons_module_position ON lessons (module_id, position);
CREATE INDEX lessons_course ON lessons (course_id);

-- completed_required is the per-enrollment rollup: required lessons completed. It is
-- written in the same transaction as every progress write and curriculum change.
CREATE TABLE enrollments (
    id                  BLOB PRIMARY KEY,
    user_id             BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    course_id           BLOB NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    source              TEXT NOT NULL CHECK (source IN ('free', 'purchase', 'subscription', 'admin')),
    status              TEXT NOT NULL CHECK (status IN ('active', 'revoked')),
    enrolled_at         TEXT NOT NULL,
    completed_at        TEXT,
    completed_required  INTEGER NOT NULL DEFAULT 0 CHECK (completed_required >= 0)
) STRICT;
CREATE UNIQUE INDEX enrollments_user_course ON enrollments (user_id, course_id);
CREATE INDEX enrollments_user ON enrollments (user_id, id);
CREATE INDEX enrollments_course ON enrollments (course_id, id);
CREATE INDEX enrollments_course_rollup ON enrollments (course_id, status, completed_required);

CREATE TABLE lesson_progress (
    user_id       BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    lesson_id     BLOB NOT NULL REFERENCES lessons (id) ON DELETE CASCADE,
    course_id     BLOB NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    status        TEXT NOT NULL CHECK (status IN ('not_started', 'in_progress', 'completed')),
    percent       INTEGER NOT NULL CHECK (percent BETWEEN 0 AND 100),
    completed_at  TEXT,
    updated_at    TEXT NOT NULL,
    PRIMARY KEY (user_id, lesson_id)
) STRICT;
CREATE INDEX lesson_progress_user_course ON lesson_progress (user_id, course_id);
CREATE INDEX lesson_progress_lesson ON lesson_progress (lesson_id);

CREATE TABLE quiz_attempts (
    id              BLOB PRIMARY KEY,
    user_id         BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    lesson_id       BLOB NOT NULL REFERENCES lessons (id) ON DELETE CASCADE,
    course_id       BLOB NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    attempt_number  INTEGER NOT NULL CHECK (attempt_number >= 1),
    score_percent   INTEGER NOT NULL CHECK (score_percent BETWEEN 0 AND 100),
    passed          INTEGER NOT NULL,
    answers         TEXT NOT NULL,
    submitted_at    TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX quiz_attempts_number ON quiz_attempts (user_id, lesson_id, attempt_number);
