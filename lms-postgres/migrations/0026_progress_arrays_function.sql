-- A learner's progress rows as parallel arrays in one place: `lms_progress_arrays`, which
-- 0025's two functions and the grading context (lms-postgres, `tx/progress.rs`) each wrote
-- out in full; and a cheaper `lms_scope`.
--
-- It is a `LANGUAGE sql STABLE` set-returning function of one `SELECT`, without `SET`
-- options or `STRICT`, so the planner inlines it where it is called (`CROSS JOIN LATERAL
-- lms_progress_arrays(e.user_id, e.course_id)`): the plans are 0025's, the aggregate is
-- written once. A `SET search_path` would stop the inlining, so instead of pinning the
-- path (0009) its body names its table with the schema this migration runs in, written in
-- by a `DO` block: a caller under another search path still reads this schema's rows.
-- Each `array_agg` reads the same rows in the same pass, so the i-th elements of the six
-- arrays are one row; `array_agg` of no rows is NULL, which the reader takes as none. The
-- two functions below are 0025's, calling it.
--
-- Also: `lms_scope` in plpgsql. As a `LANGUAGE sql` function of two columns it is never
-- inlined, so every call parsed and planned its body again; plpgsql keeps its two
-- expressions for the session. pgbench (`-M prepared`, one client, the full dataset, as
-- the application role): a learner context took 0.312-0.322 ms with the old `lms_scope`,
-- 0.272-0.282 ms with this one, in turns.

CREATE OR REPLACE FUNCTION lms_scope(p_org uuid, p_user uuid) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_catalog.set_config('lms.org_id', coalesce(p_org::text, ''), true);
    PERFORM pg_catalog.set_config('lms.user_id', coalesce(p_user::text, ''), true);
END
$$;

DO $do$
BEGIN
    EXECUTE format($create$
        CREATE FUNCTION lms_progress_arrays(p_user uuid, p_course uuid)
        RETURNS TABLE (
            e_progress_lesson uuid[], e_progress_status text[], e_progress_percent smallint[],
            e_progress_position int[], e_progress_completed timestamptz[],
            e_progress_updated timestamptz[]
        ) LANGUAGE sql STABLE AS $body$
            SELECT array_agg(p.lesson_id), array_agg(p.status), array_agg(p.percent),
                   array_agg(p.position_seconds), array_agg(p.completed_at),
                   array_agg(p.updated_at)
              FROM %I.lesson_progress p
             WHERE p.user_id = p_user AND p.course_id = p_course
        $body$
    $create$, current_schema());
END
$do$;

CREATE OR REPLACE FUNCTION lms_learner_context(
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
    e_attempts bigint,
    e_progress_lesson uuid[], e_progress_status text[], e_progress_percent smallint[],
    e_progress_position int[], e_progress_completed timestamptz[],
    e_progress_updated timestamptz[]
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
           pa.*
      FROM courses c
      JOIN orgs o ON o.id = c.org_id AND o.slug = p_slug
      JOIN enrollments e ON e.course_id = c.id AND e.user_id = p_user
      LEFT JOIN memberships m ON m.org_id = c.org_id AND m.user_id = p_user
      CROSS JOIN LATERAL lms_progress_arrays(e.user_id, e.course_id) pa
     WHERE c.org_id = p_org
       -- Not a CASE on which one is given: the kept (generic) plan could then use no
       -- index on either and would filter every course of the org.
       AND c.id = coalesce(p_course_id, (SELECT s.id FROM courses s
                                          WHERE s.org_id = p_org AND s.slug = p_course_slug));
END
$$;
ALTER FUNCTION lms_learner_context(uuid, uuid, text, uuid, text, uuid)
    SET search_path FROM CURRENT;

CREATE OR REPLACE FUNCTION lms_dashboard_page(p_user uuid, p_after uuid, p_limit bigint)
RETURNS TABLE (
    id uuid, org_id uuid, slug text, title text, description text, status text,
    price_amount bigint, price_currency text, owner_id uuid, metadata jsonb,
    created_at timestamptz, updated_at timestamptz, prerequisites jsonb,
    org_slug text, member_role text,
    e_id uuid, e_user_id uuid, e_source text, e_status text, e_enrolled_at timestamptz,
    e_completed_at timestamptz, e_completed_required int, e_revoked_reason text,
    e_last_activity_at timestamptz, e_unlocked jsonb,
    e_progress_lesson uuid[], e_progress_status text[], e_progress_percent smallint[],
    e_progress_position int[], e_progress_completed timestamptz[],
    e_progress_updated timestamptz[]
) LANGUAGE plpgsql AS $$
#variable_conflict use_column
BEGIN
    PERFORM lms_scope(NULL, p_user);
    RETURN QUERY
    SELECT c.*, o.slug, NULL::text,
           e.id, e.user_id, e.source, e.status, e.enrolled_at, e.completed_at,
           e.completed_required, e.revoked_reason, e.last_activity_at, e.unlocked,
           pa.*
      FROM (SELECT * FROM enrollments e
             WHERE e.user_id = p_user AND e.id > p_after
             ORDER BY e.id
             LIMIT p_limit) e
      JOIN courses c ON c.id = e.course_id
      JOIN orgs o ON o.id = c.org_id
      CROSS JOIN LATERAL lms_progress_arrays(e.user_id, e.course_id) pa
     ORDER BY e.id;
END
$$;
ALTER FUNCTION lms_dashboard_page(uuid, uuid, bigint) SET search_path FROM CURRENT;
