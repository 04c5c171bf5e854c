-- Progress writes update their enrollment in place.
--
-- Every progress write that changes a learner's standing updates their enrollment's
-- rollup (`completed_required`), activity and revision. `enrollments_course_rollup`
-- indexed `completed_required`, so none of those updates could be a heap-only (HOT)
-- update: each wrote a new entry into all seven of the table's indexes, and on a full page
-- moved the row to another one (the full-scale benchmark: 200 of 20,852 updates were HOT;
-- 21,602 of 21,631 after this migration). A write that completes the course still sets
-- `completed_at`, which `enrollments_course_completed` holds: once per enrollment.
--
-- `DROP INDEX` holds an exclusive lock on `enrollments` until the migration commits; on a
-- large deployment it is brief (no table rewrite), but it waits for running writes.
--
-- The index served one statement, `record_completions` (a curriculum change completing
-- the learners who now meet it), which finds the same rows through `enrollments_course`
-- at the cost of reading the course's enrollments once per curriculum change. Reports
-- read the rollups from `rollup_histogram`, not from this index.
--
-- A fill factor of 80 leaves room on each page for the new versions of its rows, so an
-- update that changes no indexed column stays on its page. It applies to pages written
-- from now on (a `VACUUM FULL enrollments` rewrites the existing ones, under an exclusive
-- lock: for a maintenance window, not for this migration).

DROP INDEX enrollments_course_rollup;
ALTER TABLE enrollments SET (fillfactor = 80);
