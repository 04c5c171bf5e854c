-- The learner's path (a learner's own progress read, dashboard page and progress write) as
-- functions that first set the tenant scope themselves, then run their one statement.
--
-- Why functions: so that each can run as a single statement in autocommit — one round trip
-- to the server — with row-level security on. The scope is set as transaction-local
-- (`set_config(…, true)`), so it ends with the statement's own implicit transaction and a
-- pooled connection never carries it on; plpgsql keeps each statement's plan for the
-- session. Inside a transaction (SQLite-like callers, the completing write) the same
-- functions run after the transaction's own scope, which they set to the same values.
--
-- The result columns are the tables' (`courses`, `enrollments`, `orgs`) as the shared
-- decoders read them: a migration that adds a column to one of those tables replaces these
-- functions with the new column listed (the conformance suite fails until it does).

CREATE FUNCTION lms_scope(p_org uuid, p_user uuid) RETURNS void LANGUAGE sql AS $$
    SELECT set_config('lms.org_id', coalesce(p_org::text, ''), true),
           set_config('lms.user_id', coalesce(p_user::text, ''), true);
$$;

-- What a learner's own progress read or write decides on (ProgressTx::learner_context):
-- the course, the org (`o_`), the caller's role, enrollment (`e_`, with its revision),
-- attempts at `p_attempts_at` and progress rows as one JSON array, for `p_user` in the
-- course `p_course_id` (or, when it is NULL, `p_course_slug`) of the org `p_org`, whose
-- slug must still be `p_slug`.
CREATE FUNCTION lms_learner_context(
    p_org uuid, p_user uuid, p_slug text, p_course_id uuid, p_course_slug text,
    p_attempts_at uuid
) RETURNS TABLE (
    id uuid, org_id uuid, slug text, title text, description text, status text,
    price_amount bigint, price_currency text, owner_id uuid, metadata jsonb,
    created_at timestamptz, updated_at timestamptz, prerequisites jsonb,
    member_role text,
    e_id uuid, e_user_id uuid, e_source text, e_status text, e_enrolled_at timestamptz,
    e_completed_at timestamptz, e_completed_required int, e_revoked_reason text,
    e_last_activity_at timestamptz, e_unlocked jsonb, e_revision bigint,
    o_id uuid, o_slug text, o_name text, o_settings jsonb, o_membership_plan jsonb,
    o_created_at timestamptz,
    e_attempts bigint, e_progress text
) LANGUAGE plpgsql AS $$
#variable_conflict use_column
BEGIN
    PERFORM lms_scope(p_org, p_user);
    RETURN QUERY
    SELECT c.*, m.role,
           e.id, e.user_id, e.source, e.status, e.enrolled_at, e.completed_at,
           e.completed_required, e.revoked_reason, e.last_activity_at, e.unlocked, e.revision,
           o.id, o.slug, o.name, o.settings, o.membership_plan, o.created_at,
           (SELECT count(*) FROM quiz_attempts a
             WHERE a.user_id = p_user AND a.lesson_id = p_attempts_at),
           (SELECT coalesce(json_agg(json_build_object(
                       'lesson_id', p.lesson_id, 'status', p.status,
                       'percent', p.percent, 'position_seconds', p.position_seconds,
                       'completed_at', p.completed_at, 'updated_at', p.updated_at)),
                   '[]'::json)::text
              FROM lesson_progress p
             WHERE p.user_id = e.user_id AND p.course_id = e.course_id)
      FROM courses c
      JOIN orgs o ON o.id = c.org_id AND o.slug = p_slug
      JOIN enrollments e ON e.course_id = c.id AND e.user_id = p_user
      LEFT JOIN memberships m ON m.org_id = c.org_id AND m.user_id = p_user
     WHERE c.org_id = p_org
       -- Not a CASE on which one is given: the kept (generic) plan could then use no
       -- index on either and would filter every course of the org.
       AND c.id = coalesce(p_course_id, (SELECT s.id FROM courses s
                                          WHERE s.org_id = p_org AND s.slug = p_course_slug));
END
$$;
ALTER FUNCTION lms_learner_context(uuid, uuid, text, uuid, text, uuid)
    SET search_path FROM CURRENT;

-- A page of `p_user`'s enrollments after `p_after`, each with its course, the course's org
-- slug and the progress rows (ProgressTx::dashboard_page), in the user's scope.
-- Its progress-rows subquery is lms_learner_context's, written out again: as a function
-- of its own it would be a per-row call Postgres cannot inline (it has a FROM and an
-- aggregate).
CREATE FUNCTION lms_dashboard_page(p_user uuid, p_after uuid, p_limit bigint)
RETURNS TABLE (
    id uuid, org_id uuid, slug text, title text, description text, status text,
    price_amount bigint, price_currency text, owner_id uuid, metadata jsonb,
    created_at timestamptz, updated_at timestamptz, prerequisites jsonb,
    org_slug text, member_role text,
    e_id uuid, e_user_id uuid, e_source text, e_status text, e_enrolled_at timestamptz,
    e_completed_at timestamptz, e_completed_required int, e_revoked_reason text,
    e_last_activity_at timestamptz, e_unlocked jsonb,
    e_progress text
) LANGUAGE plpgsql AS $$
#variable_conflict use_column
BEGIN
    PERFORM lms_scope(NULL, p_user);
    RETURN QUERY
    SELECT c.*, o.slug, NULL::text,
           e.id, e.user_id, e.source, e.status, e.enrolled_at, e.completed_at,
           e.completed_required, e.revoked_reason, e.last_activity_at, e.unlocked,
           (SELECT coalesce(json_agg(json_build_object(
                       'lesson_id', p.lesson_id, 'status', p.status,
                       'percent', p.percent, 'position_seconds', p.position_seconds,
                       'completed_at', p.completed_at, 'updated_at', p.updated_at)),
                   '[]'::json)::text
              FROM lesson_progress p
             WHERE p.user_id = e.user_id AND p.course_id = e.course_id)
      FROM enrollments e
      JOIN courses c ON c.id = e.course_id
      JOIN orgs o ON o.id = c.org_id
     WHERE e.user_id = p_user AND e.id > p_after
     ORDER BY e.id
     LIMIT p_limit;
END
$$;
ALTER FUNCTION lms_dashboard_page(uuid, uuid, bigint) SET search_path FROM CURRENT;

-- A learner's write (ProgressTx::apply_learner_write), in the scope of `p_org` and
-- `p_user`: the course's row shared first (the lock order of every learner write; a
-- curriculum change holds it FOR UPDATE and moves `updated_at`), then the enrollment, only
-- at the revision the decision was made on, then the progress row and the quiz attempt,
-- only if the enrollment was written: one statement, all of it or nothing. Returns whether
-- the enrollment was written.
CREATE FUNCTION lms_apply_learner_write(
    p_org uuid, p_user uuid,
    p_course uuid, p_course_version timestamptz,
    p_enrollment uuid, p_completed_required bigint, p_completed_at timestamptz,
    p_last_activity_at timestamptz, p_revision bigint,
    p_lesson uuid, p_status text, p_percent smallint, p_lesson_completed_at timestamptz,
    p_updated_at timestamptz, p_position_seconds int, p_write_progress boolean,
    p_attempt uuid, p_attempt_lesson uuid, p_attempt_number int, p_score_percent smallint,
    p_passed boolean, p_answers jsonb, p_submitted_at timestamptz
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
    )
    -- The other two run to completion whether read or not.
    SELECT count(*) INTO written FROM enrollment;
    RETURN written = 1;
END
$$;
ALTER FUNCTION lms_apply_learner_write(
    uuid, uuid, uuid, timestamptz, uuid, bigint, timestamptz, timestamptz, bigint, uuid, text,
    smallint, timestamptz, timestamptz, int, boolean, uuid, uuid, int, smallint, boolean, jsonb,
    timestamptz
) SET search_path FROM CURRENT;
