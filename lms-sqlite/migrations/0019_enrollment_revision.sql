-- A learner's progress write re-checks, when it applies, the facts it decided on: the
-- enrollment's revision, which every change of the row moves, whichever statement made it.
-- (Within one write transaction SQLite's lock already keeps them; the check makes the
-- store's promise hold for any caller, as on Postgres.)
ALTER TABLE enrollments ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;

CREATE TRIGGER enrollments_revision AFTER UPDATE ON enrollments
    WHEN NEW.revision = OLD.revision
BEGIN
    UPDATE enrollments SET revision = OLD.revision + 1 WHERE id = NEW.id;
END;
