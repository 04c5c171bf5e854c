-- The event outbox and the notifications its events leave in inboxes. A transaction that
-- makes a change writes its events here when it commits (SQLite has one writer at a time,
-- so `seq` grows in commit order); live streams read and replay from it by `seq`.

CREATE TABLE events (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id      BLOB NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    course_id   BLOB NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    data        TEXT NOT NULL,
    -- JSON array of the notified users' ids (the dispatcher's heads read it).
    audience    TEXT NOT NULL,
    created_at  TEXT NOT NULL
) STRICT;
CREATE INDEX events_course ON events (course_id, seq);

CREATE TABLE notifications (
    id          BLOB PRIMARY KEY,
    seq         INTEGER NOT NULL REFERENCES events (seq) ON DELETE CASCADE,
    user_id     BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    read_at     TEXT,
    UNIQUE (user_id, seq)
) STRICT;
CREATE INDEX notifications_user ON notifications (user_id, id);
