-- Course summaries without scanning enrollments: how many active enrollments of a course
-- have completed each number of required lessons, kept by triggers in the transaction of
-- every enrollment change. The rows are split into 8 shards by learner, so that concurrent
-- progress writes in one popular course do not queue on a single summary row. Progress only
-- moves up, so a write locks its old bucket before its new, higher one: no lock cycles.

CREATE TABLE rollup_histogram (
    course_id           uuid NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    org_id              uuid NOT NULL,
    completed_required  int NOT NULL,
    shard               smallint NOT NULL,
    enrollments         bigint NOT NULL,
    completed           bigint NOT NULL,
    PRIMARY KEY (course_id, completed_required, shard)
);

CREATE FUNCTION lms_rollup_shard(learner uuid) RETURNS smallint LANGUAGE sql IMMUTABLE
    AS $$ SELECT (get_byte(uuid_send(learner), 15) & 7)::smallint $$;

CREATE FUNCTION lms_rollup_histogram() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status = 'active' THEN
        UPDATE rollup_histogram
           SET enrollments = enrollments - 1, completed = completed - (OLD.completed_at IS NOT NULL)::int
         WHERE course_id = OLD.course_id AND completed_required = OLD.completed_required
           AND shard = lms_rollup_shard(OLD.user_id);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.status = 'active' THEN
        INSERT INTO rollup_histogram AS h (course_id, org_id, completed_required, shard, enrollments, completed)
        VALUES (NEW.course_id, NEW.org_id, NEW.completed_required, lms_rollup_shard(NEW.user_id), 1,
                (NEW.completed_at IS NOT NULL)::int)
        ON CONFLICT (course_id, completed_required, shard)
        DO UPDATE SET enrollments = h.enrollments + 1, completed = h.completed + excluded.completed;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER enrollments_histogram_insert AFTER INSERT ON enrollments
    FOR EACH ROW EXECUTE FUNCTION lms_rollup_histogram();
CREATE TRIGGER enrollments_histogram_delete AFTER DELETE ON enrollments
    FOR EACH ROW EXECUTE FUNCTION lms_rollup_histogram();
CREATE TRIGGER enrollments_histogram_update AFTER UPDATE ON enrollments
    FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status
          OR OLD.completed_required IS DISTINCT FROM NEW.completed_required
          OR (OLD.completed_at IS NULL) IS DISTINCT FROM (NEW.completed_at IS NULL))
    EXECUTE FUNCTION lms_rollup_histogram();

INSERT INTO rollup_histogram (course_id, org_id, completed_required, shard, enrollments, completed)
SELECT course_id, org_id, completed_required, lms_rollup_shard(user_id), count(*), count(completed_at)
FROM enrollments WHERE status = 'active'
GROUP BY course_id, org_id, completed_required, lms_rollup_shard(user_id);
