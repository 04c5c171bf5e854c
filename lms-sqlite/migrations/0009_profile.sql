-- The v2 user object: a profile picture, and whether the email address is proven (by a
-- verification link, or by the host's identity provider for users it manages).
ALTER TABLE users ADD COLUMN avatar_url TEXT;
ALTER TABLE users ADD COLUMN email_verified INTEGER NOT NULL DEFAULT 0 CHECK (email_verified IN (0, 1));
