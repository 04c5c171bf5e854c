//! An org's export: its admins' copy of all of its data, in the export format
//! (`docs/export-format.md`), streamed from one snapshot of the store.

use super::exports::{ExportSlot, ExportStream};
use super::{Actor, Lms, allow, org_scope};
use crate::error::LmsError;
use crate::org::Org;
use crate::policy::Action;
use crate::portability::records::{End, FORMAT, Header, Record, Source, VERSION};
use crate::store::{Access, StoreTx, TenantScope};
use futures_util::{StreamExt, stream};

/// An org export the caller may read, not yet started: the org (for a file name) and its
/// records, the header first and the end last.
pub struct OrgExport {
    org: Org,
    records: ExportStream<Record>,
}

impl OrgExport {
    /// The exported org.
    pub fn org(&self) -> &Org {
        &self.org
    }

    /// The records, read as the store sends them; dropping the stream ends the export's
    /// transaction.
    pub fn into_records(self) -> ExportStream<Record> {
        self.records
    }
}

impl Lms {
    /// Authorizes an export of the whole org (its admins) and prepares it: the org, its
    /// members and the users its records name, pending invitations, courses with their
    /// modules, lessons and uploads' manifests, enrollments, progress, quiz attempts,
    /// submissions, certificates, posts, payments and subscriptions — never a password,
    /// session or token. Every kind is read in one snapshot of the store, and the records
    /// flow as the store sends them, so memory stays flat whatever the org's size.
    ///
    /// ```
    /// # async fn demo(lms: lms_core::Lms, admin: lms_core::Actor) -> Result<(), lms_core::LmsError> {
    /// use futures_util::TryStreamExt;
    /// let export = lms.export_org(&admin, "acme").await?;
    /// let mut records = export.into_records();
    /// while let Some(record) = records.try_next().await? {
    ///     let line = serde_json::to_string(&record).expect("records serialize");
    ///     println!("{line}");
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn export_org(&self, actor: &Actor, org: &str) -> Result<OrgExport, LmsError> {
        actor.require_user()?; // sign-in first: no store work for anonymous callers
        let slot = self.export_slot()?;
        let mut tx = self.store.begin(Access::Snapshot).await?;
        let scope = org_scope(tx.as_mut(), actor, org).await?;
        allow(&scope.standing, Action::ManageOrg)?;
        Ok(self.org_records(slot, tx, scope.org))
    }

    /// [`Lms::export_org`] for the operator rather than a caller: the same records, read in
    /// one snapshot, with no one's role checked (404 for an org the store does not hold).
    /// An operator's call, like [`Lms::import_org`], never reachable over HTTP: the
    /// `migrate` example reads each org with it. It takes an export slot like any export.
    ///
    /// ```
    /// # async fn demo(from: lms_core::Lms, to: lms_core::Lms) -> Result<(), lms_core::LmsError> {
    /// use futures_util::StreamExt;
    /// let records = from.export_org_as_operator("acme").await?.into_records();
    /// let lines = records.map(|record| {
    ///     let record = record.map_err(std::io::Error::other)?;
    ///     serde_json::to_string(&record).map_err(std::io::Error::other)
    /// });
    /// to.import_org(lines).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn export_org_as_operator(&self, org: &str) -> Result<OrgExport, LmsError> {
        let slot = self.export_slot()?;
        let mut tx = self.store.begin(Access::Snapshot).await?;
        let org = tx
            .org_by_slug(org)
            .await?
            .ok_or(LmsError::NotFound("org"))?;
        let scope = TenantScope {
            org: Some(org.id),
            user: None,
        };
        tx.set_scope(scope).await?;
        Ok(self.org_records(slot, tx, org))
    }

    /// The records of `org` in `tx`, which has authorized them: the header, every stored
    /// value, the end.
    fn org_records(&self, slot: ExportSlot, tx: Box<dyn StoreTx>, org: Org) -> OrgExport {
        let header = Record::Header(Header {
            format: FORMAT.into(),
            version: VERSION,
            exported_at: self.now(),
            source: Some(Source {
                product: "lms-rs".into(),
                version: env!("CARGO_PKG_VERSION").into(),
            }),
            org: Some(org.slug.clone()),
        });
        let rows = tx.into_org_rows(org.id).map(|row| Ok(Record::from(row?)));
        // The end counts what came between: a reader tells a whole file from a cut one.
        let counted = stream::unfold((rows, 0u64, false), |(mut rows, count, ended)| async move {
            if ended {
                return None;
            }
            match rows.next().await {
                Some(Ok(record)) => Some((Ok(record), (rows, count + 1, false))),
                Some(Err(error)) => Some((Err(error), (rows, count, true))),
                None => Some((Ok(Record::End(End { records: count })), (rows, count, true))),
            }
        });
        let records = stream::once(async { Ok(header) }).chain(counted);
        OrgExport {
            org,
            records: slot.hold(Box::pin(records)),
        }
    }
}
