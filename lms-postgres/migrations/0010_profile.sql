-- The v2 user object: a profile picture, and whether the email address is proven (by a
-- verification link, or by the host's identity provider for users it manages).
ALTER TABLE users ADD COLUMN avatar_url text;
ALTER TABLE users ADD COLUMN email_verified boolean NOT NULL DEFAULT false;
