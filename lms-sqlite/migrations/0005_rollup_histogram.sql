-- Course summaries without scanning enrollments: how many active enrollments of a course
-- have completed each number of required lessons, kept by triggers in the transaction of
-- every enrollment change. (SQLite has one writer at a time, so one shard.)

CREATE TABLE rollup_histogram (
    course_id           BLOB NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    completed_required  INTEGER NOT NULL,
    enrollments         INTEGER NOT NULL,
    completed           INTEGER NOT NULL,
    PRIMARY KEY (course_id, completed_required)
) STRICT, WITHOUT ROWID;

CREATE TRIGGER enrollments_histogram_insert AFTER INSERT ON enrollments WHEN NEW.status = 'active'
BEGIN
    INSERT INTO rollup_histogram (course_id, completed_required, enrollments, completed)
    VALUES (NEW.course_id, NEW.completed_required, 1, NEW.completed_at IS NOT NULL)
    ON CONFLICT (course_id, completed_required)
    DO UPDATE SET enrollments = enrollments + 1, completed = completed + excluded.completed;
END;

CREATE TRIGGER enrollments_histogram_delete AFTER DELETE ON enrollments WHEN OLD.status = 'active'
BEGIN
    UPDATE rollup_histogram SET enrollments = enrollments - 1, completed = completed - (OLD.completed_at IS NOT NULL)
    WHERE course_id = OLD.course_id AND completed_required = OLD.completed_required;
END;

CREATE TRIGGER enrollments_histogram_update_old AFTER UPDATE OF status, completed_required, completed_at ON enrollments
    WHEN OLD.status = 'active'
BEGIN
    UPDATE rollup_histogram SET enrollments = enrollments - 1, completed = completed - (OLD.completed_at IS NOT NULL)
    WHERE course_id = OLD.course_id AND completed_required = OLD.completed_required;
END;

CREATE TRIGGER enrollments_histogram_update_new AFTER UPDATE OF status, completed_required, completed_at ON enrollments
    WHEN NEW.status = 'active'
BEGIN
    INSERT INTO rollup_histogram (course_id, completed_required, enrollments, completed)
    VALUES (NEW.course_id, NEW.completed_required, 1, NEW.completed_at IS NOT NULL)
    ON CONFLICT (course_id, completed_required)
    DO UPDATE SET enrollments = enrollments + 1, completed = completed + excluded.completed;
END;

INSERT INTO rollup_histogram (course_id, completed_required, enrollments, completed)
SELECT course_id, completed_required, count(*), count(completed_at)
FROM enrollments WHERE status = 'active'
GROUP BY course_id, completed_required;
