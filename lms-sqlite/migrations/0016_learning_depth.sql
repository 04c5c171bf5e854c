-- Learning depth: a learner's last activity and early unlocks on the enrollment (reports
-- read them without scanning progress), a video's playback position, release rules on
-- modules and lessons, and a course's prerequisites. Rules and lists are JSON the core
-- reads and checks; the store only keeps them.
ALTER TABLE enrollments ADD COLUMN last_activity_at TEXT;
ALTER TABLE enrollments ADD COLUMN unlocked TEXT NOT NULL DEFAULT '[]';
ALTER TABLE lesson_progress ADD COLUMN position_seconds INTEGER;
ALTER TABLE modules ADD COLUMN release TEXT;
ALTER TABLE lessons ADD COLUMN release TEXT;
ALTER TABLE courses ADD COLUMN prerequisites TEXT NOT NULL DEFAULT '[]';
