-- A learner's progress write reads its facts in one statement and applies its decision in
-- another whose WHERE re-checks what it read (an optimistic write). The enrollment's
-- revision is what it re-checks: every change of the row — a progress write, a recount, a
-- revocation, an unlock — moves it, whichever statement made the change.
ALTER TABLE enrollments ADD COLUMN revision bigint NOT NULL DEFAULT 0;

CREATE FUNCTION lms_enrollment_revision() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.revision := OLD.revision + 1;
    RETURN NEW;
END
$$;
ALTER FUNCTION lms_enrollment_revision() SET search_path FROM CURRENT;

CREATE TRIGGER enrollments_revision BEFORE UPDATE ON enrollments
    FOR EACH ROW EXECUTE FUNCTION lms_enrollment_revision();
