-- Learning depth: a learner's last activity and early unlocks on the enrollment (reports
-- read them without scanning progress), a video's playback position, release rules on
-- modules and lessons, and a course's prerequisites. Rules and lists are JSON the core
-- reads and checks; the store only keeps them.
ALTER TABLE enrollments
    ADD COLUMN last_activity_at timestamptz,
    ADD COLUMN unlocked jsonb NOT NULL DEFAULT '[]';
ALTER TABLE lesson_progress ADD COLUMN position_seconds integer;
ALTER TABLE modules ADD COLUMN release jsonb;
ALTER TABLE lessons ADD COLUMN release jsonb;
ALTER TABLE courses ADD COLUMN prerequisites jsonb NOT NULL DEFAULT '[]';
