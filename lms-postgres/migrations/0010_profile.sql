-- The v2 user object: a profile picture, and whether the email address is proven (by a
-- verification link, or by the host's identity provider for users it manages).
ALTER TABLE users ADD COLUMN avatar_url text;
ALTER TABLE users ADD COLUMN email_verified boolean NOT NULL DEFAULT false;
-- Users the host manages were admitted as vouched for (until now every JWT had to say its
-- address was verified); their next sighting brings in what the host says.
UPDATE users SET email_verified = true WHERE external_id IS NOT NULL;
