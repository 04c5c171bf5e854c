-- Discussions under lessons: posts and one level of replies (a reply's parent is a
-- top-level post; deleting a post deletes its replies).

CREATE TABLE posts (
    id          BLOB PRIMARY KEY,
    course_id   BLOB NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    lesson_id   BLOB NOT NULL REFERENCES lessons (id) ON DELETE CASCADE,
    author_id   BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    parent_id   BLOB REFERENCES posts (id) ON DELETE CASCADE,
    body        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    edited_at   TEXT,
    hidden      INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX posts_lesson ON posts (lesson_id, id);
CREATE INDEX posts_author ON posts (author_id, created_at);
