-- Why an enrollment was revoked, which decides who may undo it (contract v2:
-- `revoked_reason`). Revocations made before it was kept count as an admin's: only an owner
-- or admin restores them.
ALTER TABLE enrollments ADD COLUMN revoked_reason TEXT
    CHECK (revoked_reason IN ('admin', 'removed', 'refund', 'membership_ended', 'account_deleted'));
UPDATE enrollments SET revoked_reason = 'admin' WHERE status = 'revoked';
