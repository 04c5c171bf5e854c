-- A grade travels with the learner's write it passes (LearnerWrite::graded): the
-- submission's new grade is stored by the same statement, only if the enrollment was
-- written, so that grading takes two statements (its context, then this) as a progress
-- write does. The function gains the grade's parameters; the rest is 0022's.

DROP FUNCTION lms_apply_learner_write(
    uuid, uuid, uuid, timestamptz, uuid, bigint, timestamptz, timestamptz, bigint, uuid, text,
    smallint, timestamptz, timestamptz, int, boolean, uuid, uuid, int, smallint, boolean, jsonb,
    timestamptz
);

-- A learner's write (ProgressTx::apply_learner_write), in the scope of `p_org` and
-- `p_user`: the course's row shared first (the lock order of every learner write; a
-- curriculum change holds it FOR UPDATE and moves `updated_at`), then the enrollment, only
-- at the revision the decision was made on, then the progress row, the quiz attempt and
-- the submission's grade, only if the enrollment was written: one statement, all of it or
-- nothing. Returns whether the enrollment was written.
CREATE FUNCTION lms_apply_learner_write(
    p_org uuid, p_user uuid,
    p_course uuid, p_course_version timestamptz,
    p_enrollment uuid, p_completed_required bigint, p_completed_at timestamptz,
    p_last_activity_at timestamptz, p_revision bigint,
    p_lesson uuid, p_status text, p_percent smallint, p_lesson_completed_at timestamptz,
    p_updated_at timestamptz, p_position_seconds int, p_write_progress boolean,
    p_attempt uuid, p_attempt_lesson uuid, p_attempt_number int, p_score_percent smallint,
    p_passed boolean, p_answers jsonb, p_submitted_at timestamptz,
    p_graded uuid, p_graded_status text, p_graded_score bigint, p_graded_passed boolean,
    p_graded_feedback text, p_graded_at timestamptz, p_graded_by uuid
) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
    written bigint;
BEGIN
    PERFORM lms_scope(p_org, p_user);
    WITH course AS (
        SELECT c.id FROM courses c
         WHERE c.id = p_course AND c.updated_at = p_course_version FOR KEY SHARE
    ), enrollment AS (
        UPDATE enrollments e
           SET completed_required = p_completed_required, completed_at = p_completed_at,
               last_activity_at = p_last_activity_at
          FROM course
         WHERE e.id = p_enrollment AND e.course_id = course.id AND e.revision = p_revision
        RETURNING e.org_id
    ), progress AS (
        INSERT INTO lesson_progress (user_id, lesson_id, course_id, org_id, status, percent,
                                     completed_at, updated_at, position_seconds)
        SELECT p_user, p_lesson, p_course, enrollment.org_id, p_status, p_percent,
               p_lesson_completed_at, p_updated_at, p_position_seconds
          FROM enrollment WHERE p_write_progress
        ON CONFLICT (user_id, lesson_id) DO UPDATE SET
            status = excluded.status, percent = excluded.percent,
            completed_at = excluded.completed_at, updated_at = excluded.updated_at,
            position_seconds = excluded.position_seconds
        RETURNING 1
    ), attempt AS (
        INSERT INTO quiz_attempts (id, org_id, user_id, lesson_id, course_id, attempt_number,
                                   score_percent, passed, answers, submitted_at)
        SELECT p_attempt, enrollment.org_id, p_user, p_attempt_lesson, p_course,
               p_attempt_number, p_score_percent, p_passed, p_answers, p_submitted_at
          FROM enrollment WHERE p_attempt IS NOT NULL
        RETURNING 1
    ), graded AS (
        UPDATE submissions s
           SET status = p_graded_status, score = p_graded_score, passed = p_graded_passed,
               feedback = p_graded_feedback, graded_at = p_graded_at, graded_by = p_graded_by
          FROM enrollment
         WHERE s.id = p_graded
        RETURNING 1
    )
    -- The others run to completion whether read or not.
    SELECT count(*) INTO written FROM enrollment;
    RETURN written = 1;
END
$$;
ALTER FUNCTION lms_apply_learner_write(
    uuid, uuid, uuid, timestamptz, uuid, bigint, timestamptz, timestamptz, bigint, uuid, text,
    smallint, timestamptz, timestamptz, int, boolean, uuid, uuid, int, smallint, boolean, jsonb,
    timestamptz, uuid, text, bigint, boolean, text, timestamptz, uuid
) SET search_path FROM CURRENT;
