//! An org's import: an export file (`docs/export-format.md`) read back into a store that
//! does not hold the org yet, every id kept, in one transaction — all of it or nothing.

use super::Lms;
use crate::course::Course;
use crate::enrollment::{Enrollment, LessonProgress};
use crate::error::{LmsError, StoreError};
use crate::ids::{CourseId, UserId};
use crate::org::Org;
use crate::portability::{ImportError, Reader};
use crate::store::{Access, OrgRow, StoreTx, TenantScope};
use futures_core::Stream;
use futures_util::StreamExt;
use std::collections::HashMap;

/// Rows of one kind written together (enrollments, progress rows).
const BATCH: usize = 5_000;

/// What [`Lms::import_org`] wrote.
#[derive(Clone, Debug, PartialEq)]
pub struct ImportedOrg {
    /// The org, as imported.
    pub org: Org,
    /// The records read between the header and the end.
    pub records: u64,
    /// The password hashes that moved with the org's users
    /// ([`Lms::import_org_with_passwords_from`]; 0 for a file).
    pub passwords: usize,
}

/// Rows waiting to be written in bulk, and what the end of the import needs.
#[derive(Default)]
struct Pending {
    org: Option<Org>,
    enrollments: Vec<Enrollment>,
    progress: Vec<LessonProgress>,
    courses: HashMap<CourseId, Course>,
    /// The users this import added (not those the store held already).
    new_users: Vec<UserId>,
}

impl Lms {
    /// Imports an org from the lines of its export (without their line ends): into a
    /// store that does not hold it yet, every id kept, so certificate codes, verification
    /// links and bookmarks keep working; rollups are counted from the progress rows, then
    /// checked with the core's rules. One transaction: a line that breaks a rule, a file cut
    /// short or from a newer format version, or an org the store already has writes
    /// nothing, and the error names the line ([`LmsError::Import`]). An operator's call
    /// (no caller is authorized): the `migrate` example and a host's restore use it.
    ///
    /// ```
    /// # async fn demo(lms: lms_core::Lms) -> Result<(), lms_core::LmsError> {
    /// use futures_util::stream;
    /// let file = std::fs::read_to_string("acme-export.ndjson").expect("the export");
    /// let lines = file.lines().map(|l| Ok::<_, std::io::Error>(l.to_owned()));
    /// let imported = lms.import_org(stream::iter(lines)).await?;
    /// println!("{} records of {}", imported.records, imported.org.slug);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn import_org(
        &self,
        lines: impl Stream<Item = Result<String, std::io::Error>> + Send,
    ) -> Result<ImportedOrg, LmsError> {
        self.import(lines, None).await
    }

    /// [`Lms::import_org`], with the built-in sign-in's password hashes that `from` — the
    /// store the lines come from — holds for the users this import adds, written in the
    /// import's transaction: the org arrives with its passwords or not at all. Users the
    /// store held already keep theirs. Store to store only, since an export file never
    /// carries a hash; an operator's call, which the `migrate` example makes.
    ///
    /// ```
    /// # async fn demo(from: lms_core::Lms, to: lms_core::Lms) -> Result<(), lms_core::LmsError> {
    /// use futures_util::StreamExt;
    /// let records = from.export_org_as_operator("acme").await?.into_records();
    /// let lines = records.map(|record| {
    ///     let record = record.map_err(std::io::Error::other)?;
    ///     serde_json::to_string(&record).map_err(std::io::Error::other)
    /// });
    /// let imported = to.import_org_with_passwords_from(lines, &from).await?;
    /// println!("{} passwords moved", imported.passwords);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn import_org_with_passwords_from(
        &self,
        lines: impl Stream<Item = Result<String, std::io::Error>> + Send,
        from: &Lms,
    ) -> Result<ImportedOrg, LmsError> {
        self.import(lines, Some(from)).await
    }

    async fn import(
        &self,
        lines: impl Stream<Item = Result<String, std::io::Error>> + Send,
        passwords_from: Option<&Lms>,
    ) -> Result<ImportedOrg, LmsError> {
        let mut lines = std::pin::pin!(lines);
        let mut reader = Reader::new();
        let mut pending = Pending::default();
        let mut tx = self.store.begin(Access::Write).await?;
        let mut line_number = 0;
        while let Some(line) = lines.next().await {
            line_number += 1;
            let at = |reason: String| ImportError {
                line: line_number,
                reason,
            };
            let line = line.map_err(|e| at(format!("the file could not be read: {e}")))?;
            let Some(row) = reader.read(&line)? else {
                continue;
            };
            write(tx.as_mut(), row, &mut pending)
                .await
                .map_err(|e| refused_at(line_number, e))?;
        }
        let deferred = reader.finish()?;
        flush(tx.as_mut(), &mut pending)
            .await
            .map_err(|e| refused_at(line_number, e))?;
        let org = self.finish_import(tx.as_mut(), &pending, &deferred).await?;
        let passwords = match passwords_from {
            Some(source) => {
                let credentials = source.password_credentials(&pending.new_users).await?;
                let accounts = super::accounts::accounts(&mut tx)?;
                for credential in &credentials {
                    accounts
                        .set_password_hash(credential.user_id, &credential.password_hash)
                        .await?;
                }
                credentials.len()
            }
            None => 0,
        };
        tx.commit().await?;
        self.remember_org(&org);
        Ok(ImportedOrg {
            org,
            records: deferred.records,
            passwords,
        })
    }

    /// What the records leave to do: the forward references applied, every rollup
    /// counted from the progress rows, then checked with the core's rules — in the import's
    /// transaction, so that a difference writes nothing.
    async fn finish_import(
        &self,
        tx: &mut dyn StoreTx,
        pending: &Pending,
        deferred: &crate::portability::Deferred,
    ) -> Result<Org, LmsError> {
        let Some(org) = pending.org.clone() else {
            return Err(StoreError::Corrupt("an import read no org".into()).into());
        };
        for (course, prerequisites) in &deferred.prerequisites {
            if let Some(course) = pending.courses.get(course) {
                let course = Course {
                    prerequisites: prerequisites.clone(),
                    ..course.clone()
                };
                tx.update_course(&course).await?;
            }
        }
        for (key, submission) in &deferred.attachments {
            tx.attach_media(org.id, std::slice::from_ref(key), *submission)
                .await?;
        }
        for course in pending.courses.keys() {
            tx.recount_rollups(*course).await?;
            let check = super::reports::check_rollups_in(tx, *course).await?;
            if !check.is_exact() {
                let reason = format!(
                    "the rollups of course {course} differ from its progress rows after the \
                     import ({} of {} enrollments): nothing was written",
                    check.mismatches.len(),
                    check.checked
                );
                return Err(StoreError::Corrupt(reason).into());
            }
        }
        Ok(org)
    }
}

/// A record the store already holds (an org's slug, a user's email, an id), as the
/// import's refusal of its line.
fn refused_at(line: u64, error: LmsError) -> LmsError {
    let held = match error {
        LmsError::Conflict { message, .. } => message,
        LmsError::Store(StoreError::Duplicate(key)) => format!("{key:?} is taken"),
        other => return other,
    };
    LmsError::Import(ImportError {
        line,
        reason: format!(
            "the store already holds this record ({held}): an import adds an org the store \
             does not hold yet"
        ),
    })
}

/// Writes one checked row, or keeps it for a bulk write.
async fn write(tx: &mut dyn StoreTx, row: OrgRow, pending: &mut Pending) -> Result<(), LmsError> {
    if !matches!(row, OrgRow::Enrollment(_) | OrgRow::Progress(_)) {
        flush(tx, pending).await?;
    }
    match row {
        OrgRow::Org(org) => {
            tx.insert_org(&org).await?;
            let scope = TenantScope {
                org: Some(org.id),
                user: None,
            };
            tx.set_scope(scope).await?;
            pending.org = Some(org);
        }
        OrgRow::User(user) => {
            if tx.insert_user_if_new(&user).await? {
                pending.new_users.push(user.id);
            } else {
                let stored = tx.user(user.id).await?;
                if stored.is_none_or(|s| !s.email.eq_ignore_ascii_case(&user.email)) {
                    return Err(LmsError::Store(StoreError::Duplicate(
                        crate::error::UniqueKey::UserEmail,
                    )));
                }
            }
        }
        OrgRow::Member(m) => tx.insert_membership(&m).await?,
        OrgRow::Invitation(i) => {
            // Its token did not travel: a hash no token has keeps the mailed link dead.
            let token = crate::token::new_token()
                .map_err(|e| StoreError::Backend(format!("no randomness: {e}").into()))?;
            tx.insert_invitation(&i, &crate::token::token_hash(&token))
                .await?;
        }
        OrgRow::Course(c) => {
            tx.insert_course(&c).await?;
            pending.courses.insert(c.id, c);
        }
        OrgRow::Module(m) => tx.insert_module(&m).await?,
        OrgRow::Lesson(l) => tx.insert_lesson(&l).await?,
        OrgRow::Media(m) => tx.insert_media(&m).await?,
        OrgRow::Enrollment(e) => {
            pending.enrollments.push(e);
            if pending.enrollments.len() >= BATCH {
                flush(tx, pending).await?;
            }
        }
        OrgRow::Progress(p) => {
            if !pending.enrollments.is_empty() {
                flush(tx, pending).await?;
            }
            pending.progress.push(p);
            if pending.progress.len() >= BATCH {
                flush(tx, pending).await?;
            }
        }
        OrgRow::QuizAttempt(a) => tx.insert_attempt(&a).await?,
        OrgRow::Submission(s) => tx.insert_submission(&s).await?,
        OrgRow::Certificate(c) => {
            tx.insert_certificate(&c).await?;
        }
        OrgRow::Post(p) => tx.insert_post(&p).await?,
        OrgRow::Payment(p) => {
            tx.insert_payment_event(&p.event_id, p.kind.as_str(), p.created_at)
                .await?;
            tx.insert_payment(&p).await?;
        }
        OrgRow::Subscription(s) => tx.upsert_subscription(&s).await?,
    }
    Ok(())
}

/// Writes the rows kept for a bulk write.
async fn flush(tx: &mut dyn StoreTx, pending: &mut Pending) -> Result<(), LmsError> {
    if !pending.enrollments.is_empty() {
        tx.insert_enrollments(&std::mem::take(&mut pending.enrollments))
            .await?;
    }
    if !pending.progress.is_empty() {
        tx.insert_progress_rows(&std::mem::take(&mut pending.progress))
            .await?;
    }
    Ok(())
}
