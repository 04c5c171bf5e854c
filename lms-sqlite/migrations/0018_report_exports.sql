-- The course report's weekly completions chart reads the completions of a course's active
-- enrollments in the last 26 weeks from this index alone, never the whole course.
CREATE INDEX enrollments_course_completed ON enrollments (course_id, completed_at)
    WHERE status = 'active' AND completed_at IS NOT NULL;
