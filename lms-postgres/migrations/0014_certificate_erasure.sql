-- A certificate is also revoked when its learner erases their account ('account_deleted'),
-- and its learner's name is then blanked.
ALTER TABLE certificates DROP CONSTRAINT IF EXISTS certificates_revoked_reason_check;
ALTER TABLE certificates ADD CONSTRAINT certificates_revoked_reason_check
    CHECK (revoked_reason IN ('enrollment_revoked', 'refunded', 'account_deleted'));
