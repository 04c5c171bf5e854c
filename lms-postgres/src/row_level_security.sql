-- Row-level security for lms-rs (applied by PgStore::migrate when
-- PgOptions::row_level_security is on; safe to run again).
--
-- Every tenant-scoped table is readable and writable only for the org named by the
-- transaction-local setting lms.org_id, which the store sets at the start of each call.
-- A caller's own memberships and enrollments (lms.user_id) are readable across orgs for
-- "my courses" and "my orgs". Without the settings nothing tenant-scoped is visible.
-- FORCE applies the policies to the tables' owner too; only superusers and BYPASSRLS
-- roles skip them, so the application connects as an ordinary role granted lms_app.

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'lms_app') THEN
        CREATE ROLE lms_app NOLOGIN;
    END IF;
EXCEPTION
    -- Another database's first migration created it between the check and the CREATE.
    WHEN duplicate_object OR unique_violation THEN NULL;
    WHEN insufficient_privilege THEN
        RAISE NOTICE 'cannot create role lms_app: ask an administrator to run CREATE ROLE lms_app NOLOGIN';
END
$$;

DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'lms_app') THEN
        -- The schema PgStore::migrate runs in (PgOptions::schema, `lms` by default).
        EXECUTE format('GRANT USAGE ON SCHEMA %I TO lms_app', current_schema());
        GRANT SELECT, INSERT, UPDATE, DELETE ON orgs, users, memberships, courses, modules, lessons,
            enrollments, lesson_progress, quiz_attempts, credentials, sessions, account_tokens, certificates,
            payment_events, payments, plan_subscriptions, rollup_histogram, posts, events, notifications,
            invitations, media, submissions TO lms_app;
    END IF;
END
$$;

CREATE OR REPLACE FUNCTION lms_org() RETURNS uuid LANGUAGE sql STABLE
    AS $$ SELECT nullif(current_setting('lms.org_id', true), '')::uuid $$;
CREATE OR REPLACE FUNCTION lms_user() RETURNS uuid LANGUAGE sql STABLE
    AS $$ SELECT nullif(current_setting('lms.user_id', true), '')::uuid $$;

ALTER TABLE orgs ENABLE ROW LEVEL SECURITY;
ALTER TABLE orgs FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS lms_read ON orgs;
DROP POLICY IF EXISTS lms_create ON orgs;
DROP POLICY IF EXISTS lms_change ON orgs;
DROP POLICY IF EXISTS lms_remove ON orgs;
-- Org names and slugs are public (GET /orgs/{org}); anyone signed in may found one.
CREATE POLICY lms_read ON orgs FOR SELECT USING (true);
CREATE POLICY lms_create ON orgs FOR INSERT WITH CHECK (true);
CREATE POLICY lms_change ON orgs FOR UPDATE USING (id = (SELECT lms_org())) WITH CHECK (id = (SELECT lms_org()));
CREATE POLICY lms_remove ON orgs FOR DELETE USING (id = (SELECT lms_org()));

ALTER TABLE memberships ENABLE ROW LEVEL SECURITY;
ALTER TABLE memberships FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS lms_tenant ON memberships;
CREATE POLICY lms_tenant ON memberships
    USING (org_id = (SELECT lms_org()) OR user_id = (SELECT lms_user())) WITH CHECK (org_id = (SELECT lms_org()));

ALTER TABLE enrollments ENABLE ROW LEVEL SECURITY;
ALTER TABLE enrollments FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS lms_tenant ON enrollments;
CREATE POLICY lms_tenant ON enrollments
    USING (org_id = (SELECT lms_org()) OR user_id = (SELECT lms_user())) WITH CHECK (org_id = (SELECT lms_org()));

ALTER TABLE courses ENABLE ROW LEVEL SECURITY;
ALTER TABLE courses FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS lms_tenant ON courses;
CREATE POLICY lms_tenant ON courses
    USING (org_id = (SELECT lms_org())
           OR EXISTS (SELECT 1 FROM enrollments e WHERE e.course_id = courses.id AND e.user_id = (SELECT lms_user())))
    WITH CHECK (org_id = (SELECT lms_org()));

ALTER TABLE modules ENABLE ROW LEVEL SECURITY;
ALTER TABLE modules FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS lms_tenant ON modules;
CREATE POLICY lms_tenant ON modules USING (org_id = (SELECT lms_org())) WITH CHECK (org_id = (SELECT lms_org()));

ALTER TABLE lessons ENABLE ROW LEVEL SECURITY;
ALTER TABLE lessons FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS lms_tenant ON lessons;
CREATE POLICY lms_tenant ON lessons USING (org_id = (SELECT lms_org())) WITH CHECK (org_id = (SELECT lms_org()));

ALTER TABLE lesson_progress ENABLE ROW LEVEL SECURITY;
ALTER TABLE lesson_progress FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS lms_tenant ON lesson_progress;
-- A learner's own progress is readable across orgs (their dashboard reads it in one query).
CREATE POLICY lms_tenant ON lesson_progress
    USING (org_id = (SELECT lms_org()) OR user_id = (SELECT lms_user())) WITH CHECK (org_id = (SELECT lms_org()));

ALTER TABLE quiz_attempts ENABLE ROW LEVEL SECURITY;
ALTER TABLE quiz_attempts FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS lms_tenant ON quiz_attempts;
CREATE POLICY lms_tenant ON quiz_attempts USING (org_id = (SELECT lms_org())) WITH CHECK (org_id = (SELECT lms_org()));

-- A certificate is readable in its org, by its learner, and by anyone who presents its
-- code (public verification sets lms.certificate_code for that one lookup).
ALTER TABLE certificates ENABLE ROW LEVEL SECURITY;
ALTER TABLE certificates FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS lms_tenant ON certificates;
CREATE POLICY lms_tenant ON certificates
    USING (org_id = (SELECT lms_org()) OR user_id = (SELECT lms_user())
           OR code = nullif(current_setting('lms.certificate_code', true), ''))
    WITH CHECK (org_id = (SELECT lms_org()));

-- The payment ledger is the org's; a subscription is readable by its org and its holder.
-- (payment_events holds provider event ids only: no tenant data, no policy.)
ALTER TABLE payments ENABLE ROW LEVEL SECURITY;
ALTER TABLE payments FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS lms_tenant ON payments;
CREATE POLICY lms_tenant ON payments USING (org_id = (SELECT lms_org())) WITH CHECK (org_id = (SELECT lms_org()));

ALTER TABLE plan_subscriptions ENABLE ROW LEVEL SECURITY;
ALTER TABLE plan_subscriptions FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS lms_tenant ON plan_subscriptions;
CREATE POLICY lms_tenant ON plan_subscriptions
    USING (org_id = (SELECT lms_org()) OR user_id = (SELECT lms_user())) WITH CHECK (org_id = (SELECT lms_org()));

-- The course summaries follow their course's org (the enrollment triggers write them in the
-- learner's scope).
ALTER TABLE rollup_histogram ENABLE ROW LEVEL SECURITY;
ALTER TABLE rollup_histogram FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS lms_tenant ON rollup_histogram;
CREATE POLICY lms_tenant ON rollup_histogram USING (org_id = (SELECT lms_org())) WITH CHECK (org_id = (SELECT lms_org()));

ALTER TABLE posts ENABLE ROW LEVEL SECURITY;
ALTER TABLE posts FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS lms_tenant ON posts;
CREATE POLICY lms_tenant ON posts USING (org_id = (SELECT lms_org())) WITH CHECK (org_id = (SELECT lms_org()));

-- Events: an org's own, plus those that notified the caller (their inbox spans orgs).
-- ENABLE without FORCE: lms_event_heads() runs as the tables' owner to tell the dispatcher
-- of every org's new events (ids and kinds only); the application role stays limited.
ALTER TABLE events ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS lms_tenant ON events;
CREATE POLICY lms_tenant ON events
    USING (org_id = (SELECT lms_org())
           OR EXISTS (SELECT 1 FROM notifications n WHERE n.seq = events.seq AND n.user_id = (SELECT lms_user())))
    WITH CHECK (org_id = (SELECT lms_org()));

-- Notifications: written in the org where the event happened, read and marked by their owner.
ALTER TABLE notifications ENABLE ROW LEVEL SECURITY;
ALTER TABLE notifications FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS lms_read ON notifications;
DROP POLICY IF EXISTS lms_notify ON notifications;
DROP POLICY IF EXISTS lms_mark ON notifications;
CREATE POLICY lms_read ON notifications FOR SELECT USING (user_id = (SELECT lms_user()));
CREATE POLICY lms_notify ON notifications FOR INSERT WITH CHECK (org_id = (SELECT lms_org()));
CREATE POLICY lms_mark ON notifications FOR UPDATE USING (user_id = (SELECT lms_user())) WITH CHECK (user_id = (SELECT lms_user()));

-- Invitations: readable as the org's, as those to the caller's own address (their inbox
-- spans orgs), and as the one whose mailed token the caller presents (lms.invitation_token
-- holds its hash for that lookup, as lms.certificate_code does for verification); written
-- only in their org's scope.
ALTER TABLE invitations ENABLE ROW LEVEL SECURITY;
ALTER TABLE invitations FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS lms_tenant ON invitations;
CREATE POLICY lms_tenant ON invitations
    USING (org_id = (SELECT lms_org())
           OR email = (SELECT u.email FROM users u WHERE u.id = (SELECT lms_user()))
           OR token_hash = nullif(current_setting('lms.invitation_token', true), ''))
    WITH CHECK (org_id = (SELECT lms_org()));

-- Uploads are the org's.
ALTER TABLE media ENABLE ROW LEVEL SECURITY;
ALTER TABLE media FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS lms_tenant ON media;
CREATE POLICY lms_tenant ON media USING (org_id = (SELECT lms_org())) WITH CHECK (org_id = (SELECT lms_org()));

-- Submissions are the org's.
ALTER TABLE submissions ENABLE ROW LEVEL SECURITY;
ALTER TABLE submissions FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS lms_tenant ON submissions;
CREATE POLICY lms_tenant ON submissions USING (org_id = (SELECT lms_org())) WITH CHECK (org_id = (SELECT lms_org()));
