//! Ending a learner's enrollments in an org wholesale: when they leave it, are removed
//! from it, or erase their account (which revokes everywhere).

use crate::enrollment::RevokedReason;
use crate::error::LmsError;
use crate::ids::{OrgId, UserId};
use crate::page::{Page, PageRequest};
use crate::store::{EnrollmentWithCourse, StoreTx};

/// Every enrollment of `user` (in `org` only, when given), whatever its status, in pages.
pub(super) async fn enrollments_of(
    tx: &mut dyn StoreTx,
    user: UserId,
    org: Option<OrgId>,
) -> Result<Vec<EnrollmentWithCourse>, LmsError> {
    let mut found = Vec::new();
    let mut page = PageRequest::first(200);
    loop {
        let rows = tx.enrollments_of(user, &page).await?;
        let rows = Page::from_rows(rows, &page, |e| e.enrollment.id.0);
        let next = rows.next_cursor;
        let wanted = rows.items.into_iter();
        found.extend(wanted.filter(|e| org.is_none_or(|org| e.course.org_id == org)));
        match next {
            Some(cursor) => page = PageRequest::parse(Some(200), Some(&cursor))?,
            None => return Ok(found),
        }
    }
}

/// Revokes the active enrollments of `user` in the org's courses: they left it, or were
/// removed. Progress and certificates stay (what was earned was earned); an owner or admin
/// enrolls them again.
pub(super) async fn revoke_org_enrollments(
    tx: &mut dyn StoreTx,
    org: OrgId,
    user: UserId,
) -> Result<(), LmsError> {
    for row in enrollments_of(tx, user, Some(org)).await? {
        let mut enrollment = row.enrollment;
        if enrollment.is_active() {
            enrollment.revoke(RevokedReason::Removed);
            tx.update_enrollment(&enrollment).await?;
        }
    }
    Ok(())
}
