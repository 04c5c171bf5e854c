//! Users: the ones the host manages, made or refreshed from the host's own id and changed
//! by the host (host-level calls without an actor, like [`Lms::create_user`]), and the
//! profile every user changes themselves.

use super::Lms;
use crate::Actor;
use crate::error::{ConflictKind, LmsError, ValidationErrors};
use crate::ids::UserId;
use crate::input::Parsed;
use crate::name::EmailAddress;
use crate::org::{ExternalUser, ProfilePatch, User, UserPatch};
use crate::store::TenantScope;
use crate::validate;

/// Longest external id, in characters.
const MAX_EXTERNAL_ID_CHARS: usize = 255;
const EXTERNAL_ID_RULE: &str =
    "must be 1 to 255 characters, without control characters or surrounding white space";

/// `id` if it can be an external id. Taken exactly as given: `"u1 "` is not `"u1"`.
fn external_id(id: &str) -> Result<&str, LmsError> {
    let fits = !id.is_empty() && id.chars().count() <= MAX_EXTERNAL_ID_CHARS;
    if !fits || id.trim() != id || id.chars().any(char::is_control) {
        return Err(LmsError::invalid("external_id", EXTERNAL_ID_RULE));
    }
    Ok(id)
}

impl Lms {
    /// The user the host knows as `external.external_id`: made on first sight, and brought
    /// up to date when the email, name or verification the host has differs. Idempotent
    /// and race-free: concurrent first calls for one id make one user. An email that another user holds
    /// is `email_taken` (409); bad input is 422.
    ///
    /// ```no_run
    /// # async fn demo(lms: lms_core::Lms) -> Result<(), lms_core::LmsError> {
    /// use lms_core::ExternalUser;
    /// let seen = ExternalUser {
    ///     external_id: "auth0|42".into(),
    ///     email: "ada@example.com".into(),
    ///     name: "Ada".into(),
    ///     email_verified: true, // the provider proved it
    /// };
    /// let first = lms.ensure_user(seen.clone()).await?;
    /// assert_eq!(lms.ensure_user(seen).await?.id, first.id);
    /// # Ok(()) }
    /// ```
    pub async fn ensure_user(&self, external: ExternalUser) -> Result<User, LmsError> {
        let mut errors = ValidationErrors::default();
        let id = external.external_id.as_str();
        if external_id(id).is_err() {
            errors.add("external_id", EXTERNAL_ID_RULE);
        }
        let email = errors.parse("email", EmailAddress::parse(&external.email));
        errors.check("name", validate::title(&external.name));
        let email = errors.finish(email)?;
        let name = external.name.trim().to_string();
        let mut tx = self.write().await?;
        let user = match tx.user_by_external_id(id).await? {
            Some(user) => user,
            None => {
                let new = User {
                    id: UserId::new(),
                    email: email.as_str().to_string(),
                    name: name.clone(),
                    avatar_url: None,
                    email_verified: external.email_verified,
                    created_at: self.now(),
                    external_id: Some(id.to_string()),
                };
                if tx.insert_user_if_new(&new).await? {
                    tx.commit().await?;
                    return Ok(new);
                }
                // Another call made this user meanwhile, or the email is someone else's.
                tx.user_by_external_id(id).await?.ok_or_else(email_taken)?
            }
        };
        let mut changed = refreshed(user.clone(), Some(email), Some(name));
        // What the host says now: its provider may have verified the address since.
        changed.email_verified = external.email_verified;
        if changed == user {
            return Ok(user);
        }
        tx.update_user(&changed).await?;
        tx.commit().await?;
        Ok(changed)
    }

    /// Links the user who holds `email` (one who signed up with the built-in sign-in, say)
    /// to the host's id `external_id`, so that [`Lms::ensure_user`] finds them from then on
    /// instead of answering `email_taken`. Linking again to the same id is a no-op. Unknown
    /// email: 404; the user already linked to another id, or the id already another
    /// user's: `conflict` (409). The user's built-in password and sessions end here: whoever
    /// made the account may not have owned the address. Only link an address the host has
    /// verified.
    ///
    /// ```no_run
    /// # async fn demo(lms: lms_core::Lms) -> Result<(), lms_core::LmsError> {
    /// let user = lms.link_user("ada@example.com", "auth0|42").await?;
    /// assert_eq!(user.external_id.as_deref(), Some("auth0|42"));
    /// # Ok(()) }
    /// ```
    pub async fn link_user(&self, email: &str, external_id: &str) -> Result<User, LmsError> {
        let email = EmailAddress::parse(email).map_err(|e| LmsError::invalid("email", e))?;
        let id = self::external_id(external_id)?;
        let mut tx = self.write().await?;
        let found = tx
            .user_by_email(email.as_str())
            .await?
            .ok_or(LmsError::NotFound("user"))?;
        // Read again under the row lock: a concurrent change of this user must not be
        // written over with what was read before it.
        tx.lock_user(found.id).await?;
        let user = tx.user(found.id).await?.ok_or(LmsError::NotFound("user"))?;
        match user.external_id.as_deref() {
            Some(linked) if linked == id => return Ok(user),
            Some(_) => {
                let message = "the user is linked to another identity of the host";
                return Err(LmsError::conflict(ConflictKind::Conflict, message));
            }
            None => {}
        }
        if tx.user_by_external_id(id).await?.is_some() {
            let message = "another user has this external id";
            return Err(LmsError::conflict(ConflictKind::Conflict, message));
        }
        let linked = User {
            external_id: Some(id.to_string()),
            // The host vouches for the address from now on (see above).
            email_verified: true,
            ..user
        };
        tx.update_user(&linked).await?;
        // Whoever made the account may not have owned the address (the built-in sign-up
        // does not prove it): their password and sessions must not reach the person the
        // host vouches for.
        if let Some(accounts) = tx.accounts() {
            accounts.forget_credentials(linked.id).await?;
        }
        tx.commit().await?;
        Ok(linked)
    }

    /// The caller changes their own name or picture (`PATCH /me`). Bad input is 422 and
    /// writes nothing.
    ///
    /// ```no_run
    /// # async fn demo(lms: lms_core::Lms, ada: lms_core::Actor) -> Result<(), lms_core::LmsError> {
    /// use lms_core::ProfilePatch;
    /// let patch = ProfilePatch {
    ///     avatar_url: Some(Some("https://cdn.example.com/ada.png".into())),
    ///     ..Default::default()
    /// };
    /// let ada = lms.update_profile(&ada, patch).await?;
    /// assert_eq!(ada.avatar_url.as_deref(), Some("https://cdn.example.com/ada.png"));
    /// # Ok(()) }
    /// ```
    pub async fn update_profile(
        &self,
        actor: &Actor,
        patch: impl Into<Parsed<ProfilePatch>>,
    ) -> Result<User, LmsError> {
        let user_id = actor.require_user()?;
        let patch = patch.into().into_result()?;
        let mut errors = ValidationErrors::default();
        if let Some(name) = &patch.name {
            errors.check("name", validate::title(name));
        }
        let mut avatar_url = patch.avatar_url;
        if let Some(Some(url)) = &mut avatar_url {
            match validate::https_url(url) {
                Ok(normalized) => *url = normalized,
                Err(message) => errors.add("avatar_url", message),
            }
        }
        errors.into_result()?;
        let mut tx = self.write().await?;
        tx.set_scope(TenantScope {
            org: None,
            user: Some(user_id),
        })
        .await?;
        // Under the row lock, so a host's concurrent change (a new email, a link) is not
        // written over with what was read before it.
        tx.lock_user(user_id).await?;
        let user = tx.user(user_id).await?.ok_or(LmsError::Unauthenticated)?;
        let mut changed = user.clone();
        if let Some(name) = patch.name {
            changed.name = name.trim().to_string();
        }
        if let Some(avatar_url) = avatar_url {
            changed.avatar_url = avatar_url;
        }
        if changed != user {
            tx.update_user(&changed).await?;
            tx.commit().await?;
        }
        Ok(changed)
    }

    /// Changes a user's email, name or verification (host-level). A taken email is
    /// `email_taken` (409), an unknown user 404, bad input 422.
    ///
    /// ```no_run
    /// # async fn demo(lms: lms_core::Lms, id: lms_core::UserId) -> Result<(), lms_core::LmsError> {
    /// use lms_core::UserPatch;
    /// // The host proved the address itself (its own sign-up, an import of verified users).
    /// let proven = UserPatch { email_verified: Some(true), ..Default::default() };
    /// assert!(lms.update_user(id, proven).await?.email_verified);
    /// # Ok(()) }
    /// ```
    pub async fn update_user(&self, id: UserId, patch: UserPatch) -> Result<User, LmsError> {
        let mut errors = ValidationErrors::default();
        let email = match &patch.email {
            Some(email) => errors.parse("email", EmailAddress::parse(email)).map(Some),
            None => Some(None),
        };
        if let Some(name) = &patch.name {
            errors.check("name", validate::title(name));
        }
        let email = errors.finish(email)?;
        let mut tx = self.write().await?;
        tx.lock_user(id).await?;
        let user = tx.user(id).await?.ok_or(LmsError::NotFound("user"))?;
        let name = patch.name.map(|name| name.trim().to_string());
        let mut changed = refreshed(user.clone(), email, name);
        if let Some(verified) = patch.email_verified {
            changed.email_verified = verified;
        }
        if changed != user {
            tx.update_user(&changed).await?;
            tx.commit().await?;
        }
        Ok(changed)
    }
}

/// `user` with a new email or name. A new address is proven only for the users the host
/// manages (it vouches for what it sends); anyone else must verify it.
fn refreshed(mut user: User, email: Option<EmailAddress>, name: Option<String>) -> User {
    if let Some(email) = email {
        let email: String = email.into();
        if email != user.email {
            user.email_verified = user.external_id.is_some();
        }
        user.email = email;
    }
    if let Some(name) = name {
        user.name = name;
    }
    user
}

fn email_taken() -> LmsError {
    LmsError::conflict(
        ConflictKind::EmailTaken,
        "another user has this email address",
    )
}
