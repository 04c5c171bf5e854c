-- lms-rs schema for Postgres. Every tenant-scoped table carries org_id (filled from the
-- course on insert) so that isolation can also be enforced by the database.

CREATE TABLE orgs (
    id          uuid PRIMARY KEY,
    slug        text NOT NULL,
    name        text NOT NULL,
    settings    jsonb NOT NULL,
    created_at  timestamptz NOT NULL,
    CONSTRAINT orgs_slug UNIQUE (slug)
);

CREATE TABLE users (
    id          uuid PRIMARY KEY,
    email       text NOT NULL,
    name        text NOT NULL,
    created_at  timestamptz NOT NULL,
    CONSTRAINT users_email UNIQUE (email)
);

CREATE TABLE memberships (
    org_id      uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role        text NOT NULL CHECK (role IN ('admin', 'instructor', 'learner')),
    joined_at   timestamptz NOT NULL,
    CONSTRAINT memberships_pkey PRIMARY KEY (org_id, user_id)
);
CREATE INDEX memberships_user ON memberships (user_id);

CREATE TABLE courses (
    id              uuid PRIMARY KEY,
    org_id          uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    slug            text NOT NULL,
    title           text NOT NULL,
    description     text NOT NULL,
    status          text NOT NULL CHECK (status IN ('draft', 'published', 'archived')),
    price_amount    bigint CHECK (price_amount > 0),
    price_currency  text,
    owner_id        uuid NOT NULL REFERENCES users (id),
    metadata        jsonb NOT NULL,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    CONSTRAINT courses_org_slug UNIQUE (org_id, slug),
    CONSTRAINT courses_price_whole CHECK ((price_amount IS NULL) = (price_currency IS NULL))
);
CREATE INDEX courses_org_status ON courses (org_id, status, id);

CREATE TABLE modules (
    id          uuid PRIMARY KEY,
    org_id      uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    course_id   uuid NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    title       text NOT NULL,
    position    integer NOT NULL,
    CONSTRAINT modules_course_position UNIQUE (course_id, position)
);

CREATE TABLE lessons (
    id                uuid PRIMARY KEY,
    org_id            uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    course_id         uuid NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    module_id         uuid NOT NULL REFERENCES modules (id) ON DELETE CASCADE,
    title             text NOT NULL,
    kind              text NOT NULL CHECK (kind IN ('text', 'video', 'quiz', 'assignment')),
    position          integer NOT NULL,
    duration_minutes  integer,
    free_preview      boolean NOT NULL,
    required          boolean NOT NULL,
    content           jsonb NOT NULL,
    CONSTRAINT lessons_module_position UNIQUE (module_id, position)
);
CREATE INDEX lessons_course ON lessons (course_id, position);

-- completed_required is the per-enrollment rollup: required lessons completed. It is
-- written in the same transaction as every progress write and curriculum change.
CREATE TABLE enrollments (
    id                  uuid PRIMARY KEY,
    org_id              uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    user_id             uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    course_id           uuid NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    source              text NOT NULL CHECK (source IN ('free', 'purchase', 'subscription', 'admin')),
    status              text NOT NULL CHECK (status IN ('active', 'revoked')),
    enrolled_at         timestamptz NOT NULL,
    completed_at        timestamptz,
    completed_required  integer NOT NULL DEFAULT 0 CHECK (completed_required >= 0),
    CONSTRAINT enrollments_user_course UNIQUE (user_id, course_id)
);
CREATE INDEX enrollments_user ON enrollments (user_id, id);
CREATE INDEX enrollments_course ON enrollments (course_id, id);
CREATE INDEX enrollments_course_rollup ON enrollments (course_id, status, completed_required) INCLUDE (completed_at);

CREATE TABLE lesson_progress (
    user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    lesson_id     uuid NOT NULL REFERENCES lessons (id) ON DELETE CASCADE,
    course_id     uuid NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    org_id        uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    status        text NOT NULL CHECK (status IN ('not_started', 'in_progress', 'completed')),
    percent       smallint NOT NULL CHECK (percent BETWEEN 0 AND 100),
    completed_at  timestamptz,
    updated_at    timestamptz NOT NULL,
    CONSTRAINT lesson_progress_pkey PRIMARY KEY (user_id, lesson_id)
);
CREATE INDEX lesson_progress_user_course ON lesson_progress (user_id, course_id);
CREATE INDEX lesson_progress_lesson ON lesson_progress (lesson_id);

CREATE TABLE quiz_attempts (
    id              uuid PRIMARY KEY,
    org_id          uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    user_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    lesson_id       uuid NOT NULL REFERENCES lessons (id) ON DELETE CASCADE,
    course_id       uuid NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    attempt_number  integer NOT NULL CHECK (attempt_number >= 1),
    score_percent   smallint NOT NULL CHECK (score_percent BETWEEN 0 AND 100),
    passed          boolean NOT NULL,
    answers         jsonb NOT NULL,
    submitted_at    timestamptz NOT NULL,
    CONSTRAINT quiz_attempts_number UNIQUE (user_id, lesson_id, attempt_number)
);
