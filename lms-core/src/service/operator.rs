//! An operator's calls, for moving a deployment from one store to another beside an org's
//! export ([`Lms::export_org_as_operator`]) and [`Lms::import_org`]: every org, and the
//! built-in sign-in's password hashes, which an export file never carries. No caller is
//! authorized and none is reachable over HTTP; the `migrate` example calls them.

use super::Lms;
use super::accounts::accounts;
use crate::error::LmsError;
use crate::ids::UserId;
use crate::org::Org;
use crate::page::{Page, PageRequest};
use crate::store::Access;

/// Orgs read per statement by [`Lms::all_orgs`].
const ORGS_PER_PAGE: u32 = 200;

/// A user's password hash of the built-in sign-in, as stored (a PHC string such as
/// argon2id's), for moving their sign-in to another store. Its `Debug` leaves the hash out,
/// so that a log line never carries it.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordCredential {
    /// Whose password it is.
    pub user_id: UserId,
    /// The hash, as stored.
    pub password_hash: String,
}

impl std::fmt::Debug for PasswordCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordCredential")
            .field("user_id", &self.user_id)
            .finish_non_exhaustive()
    }
}

impl Lms {
    /// Every org the store holds, in id order (oldest first). An operator's call: no caller
    /// is authorized.
    ///
    /// ```
    /// # async fn demo(lms: lms_core::Lms) -> Result<(), lms_core::LmsError> {
    /// for org in lms.all_orgs().await? {
    ///     println!("{} ({})", org.slug, org.name);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn all_orgs(&self) -> Result<Vec<Org>, LmsError> {
        let mut all = Vec::new();
        let mut page = PageRequest::first(ORGS_PER_PAGE);
        loop {
            let rows = self.store.begin(Access::Read).await?.orgs(&page).await?;
            let orgs = Page::from_rows(rows, &page, |org| org.id.0);
            all.extend(orgs.items);
            match orgs.next_cursor {
                Some(cursor) => {
                    page = PageRequest::parse(Some(i64::from(ORGS_PER_PAGE)), Some(&cursor))?
                }
                None => return Ok(all),
            }
        }
    }

    /// The password hashes of those of `users` who have one (the built-in sign-in's; users
    /// of a host's own sign-in have none and are left out), read in one transaction. An
    /// operator's call, for [`Lms::restore_password_credentials`] on another store: whoever
    /// holds a hash can guess passwords against it offline, so keep it out of files and logs.
    ///
    /// ```
    /// # async fn demo(from: lms_core::Lms, to: lms_core::Lms, ada: lms_core::UserId) -> Result<(), lms_core::LmsError> {
    /// let credentials = from.password_credentials(&[ada]).await?;
    /// to.restore_password_credentials(&credentials).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn password_credentials(
        &self,
        users: &[UserId],
    ) -> Result<Vec<PasswordCredential>, LmsError> {
        let mut tx = self.read().await?;
        let accounts = accounts(&mut tx)?;
        let mut credentials = Vec::new();
        for user in users {
            if let Some(password_hash) = accounts.password_hash_of(*user).await? {
                credentials.push(PasswordCredential {
                    user_id: *user,
                    password_hash,
                });
            }
        }
        Ok(credentials)
    }

    /// Stores each hash for its user, replacing the password they had, in one transaction
    /// (all or none). The users must exist already — an imported org's, say. An operator's
    /// call (see [`Lms::password_credentials`]).
    pub async fn restore_password_credentials(
        &self,
        credentials: &[PasswordCredential],
    ) -> Result<(), LmsError> {
        let mut tx = self.write().await?;
        let accounts = accounts(&mut tx)?;
        for credential in credentials {
            accounts
                .set_password_hash(credential.user_id, &credential.password_hash)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
