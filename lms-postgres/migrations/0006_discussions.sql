-- Discussions under lessons: posts and one level of replies (a reply's parent is a
-- top-level post; deleting a post deletes its replies).

CREATE TABLE posts (
    id          uuid PRIMARY KEY,
    org_id      uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    course_id   uuid NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    lesson_id   uuid NOT NULL REFERENCES lessons (id) ON DELETE CASCADE,
    author_id   uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    parent_id   uuid REFERENCES posts (id) ON DELETE CASCADE,
    body        text NOT NULL,
    created_at  timestamptz NOT NULL,
    edited_at   timestamptz,
    hidden      boolean NOT NULL DEFAULT false
);
CREATE INDEX posts_lesson ON posts (lesson_id, id);
CREATE INDEX posts_author ON posts (author_id, created_at);
