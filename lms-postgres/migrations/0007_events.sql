-- The event outbox and the notifications its events leave in inboxes.
--
-- A transaction that makes a change appends its events when it commits, last, under a
-- transaction-scoped advisory lock: `seq` is therefore taken in commit order, and a reader
-- that has seen `seq` n has missed nothing below it (what makes Last-Event-ID replay exact).
-- The same transaction NOTIFYs `lms_events`, delivered to every listener only if it commits.

CREATE TABLE events (
    seq         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id      uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    course_id   uuid NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    kind        text NOT NULL,
    data        jsonb NOT NULL,
    -- The notified users (the dispatcher's heads carry them).
    audience    uuid[] NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL
);
CREATE INDEX events_course ON events (course_id, seq);

CREATE TABLE notifications (
    id          uuid PRIMARY KEY,
    seq         bigint NOT NULL REFERENCES events (seq) ON DELETE CASCADE,
    org_id      uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind        text NOT NULL,
    read_at     timestamptz,
    CONSTRAINT notifications_user_seq UNIQUE (user_id, seq)
);
CREATE INDEX notifications_user ON notifications (user_id, id);

-- The dispatcher's read: ids and kinds of every org's new events, no data. SECURITY DEFINER
-- so that, with row-level security on, the application role (which reads only its org's
-- events) can still learn that an event exists.
CREATE FUNCTION lms_event_heads(after_seq bigint, max_rows integer)
    RETURNS TABLE (seq bigint, org_id uuid, course_id uuid, kind text, audience uuid[])
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT
    AS $$ SELECT e.seq, e.org_id, e.course_id, e.kind, e.audience FROM events e
          WHERE e.seq > after_seq ORDER BY e.seq LIMIT max_rows $$;

CREATE FUNCTION lms_last_event_seq() RETURNS bigint
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT
    AS $$ SELECT coalesce(max(seq), 0) FROM events $$;
