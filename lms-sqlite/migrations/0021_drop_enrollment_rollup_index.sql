-- Every progress write that changes a learner's standing updates their enrollment's
-- rollup (`completed_required`); `enrollments_course_rollup` indexed it, so each such write
-- also rewrote an entry of that index. The index served one statement,
-- `record_completions` (a curriculum change completing the learners who now meet it),
-- which finds the same rows through `enrollments_course`; reports read the rollups from
-- `rollup_histogram`. Postgres drops it in its migration 0027, with the same reasoning.
DROP INDEX enrollments_course_rollup;
