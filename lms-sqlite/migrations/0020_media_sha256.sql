-- The SHA-256 of an upload's bytes, taken as they are stored, so that a copy (an export's
-- files, a move to another media store) can be checked. NULL for uploads recorded before.
ALTER TABLE media ADD COLUMN sha256 TEXT;
