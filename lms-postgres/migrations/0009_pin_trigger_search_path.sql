-- The rollup trigger names our tables and functions unqualified. Pin its search_path to the
-- schema the migration runs in (PgOptions::schema), so that a session searching another
-- schema first (a DBA's `DELETE FROM lms.enrollments`, a host connection) can never make it
-- resolve them elsewhere, such as to a function someone created in `public`.
ALTER FUNCTION lms_rollup_histogram() SET search_path FROM CURRENT;
