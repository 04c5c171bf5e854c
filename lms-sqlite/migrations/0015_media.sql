-- Uploads, recorded: which course each belongs to (a lesson may use only its own course's
-- media), its size (counted towards the org's quota), and which lessons use it (the
-- lessons' `media_key`, kept with their content) so that a used file is never deleted.
CREATE TABLE media (
    id           BLOB PRIMARY KEY,
    key          TEXT NOT NULL UNIQUE,
    org_id       BLOB NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    course_id    BLOB NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL,
    created_at   TEXT NOT NULL
) STRICT;
CREATE INDEX media_course ON media (course_id, id);
CREATE INDEX media_org ON media (org_id);

ALTER TABLE lessons ADD COLUMN media_key TEXT;
UPDATE lessons SET media_key = json_extract(content, '$.media_key')
WHERE kind = 'video' AND json_extract(content, '$.media_key') IS NOT NULL;
CREATE INDEX lessons_media_key ON lessons (course_id, media_key) WHERE media_key IS NOT NULL;
