//! An org read whole, for its export (see `docs/export-format.md`).
use super::RowStream;
use crate::assignment::Submission;
use crate::certificate::Certificate;
use crate::course::{Course, Lesson, Module};
use crate::discussion::Post;
use crate::enrollment::{Enrollment, LessonProgress};
use crate::ids::OrgId;
use crate::invitation::Invitation;
use crate::media::MediaRecord;
use crate::org::{Membership, Org, User};
use crate::payment::{PaymentRecord, Subscription};
use crate::quiz::QuizAttempt;

/// One stored value of an org, as [`ExportTx::into_org_rows`] reads them.
#[derive(Clone, Debug)]
pub enum OrgRow {
    /// The org itself (first).
    Org(Org),
    /// A user some other value names: a member, learner, owner, grader, author, payer or
    /// inviter.
    User(User),
    /// A membership.
    Member(Membership),
    /// A pending invitation.
    Invitation(Invitation),
    /// A course.
    Course(Course),
    /// A module.
    Module(Module),
    /// A lesson, content included.
    Lesson(Lesson),
    /// An upload.
    Media(MediaRecord),
    /// An enrollment.
    Enrollment(Enrollment),
    /// A progress row.
    Progress(LessonProgress),
    /// A quiz attempt.
    QuizAttempt(QuizAttempt),
    /// A submission.
    Submission(Submission),
    /// A certificate.
    Certificate(Certificate),
    /// A discussion post.
    Post(Post),
    /// A line of the payment ledger.
    Payment(PaymentRecord),
    /// A membership-plan subscription.
    Subscription(Subscription),
}

/// Reading an org whole.
///
/// Part of [`super::StoreTx`].
pub trait ExportTx: Send {
    /// Every stored value of `org`, kind by kind in the order of [`OrgRow`]'s variants (the
    /// export format's), each kind's rows as the database sends them; the stream owns this
    /// transaction, which should be an [`super::Access::Snapshot`] one, so that every kind
    /// is read at one moment.
    fn into_org_rows(self: Box<Self>, org: OrgId) -> RowStream<OrgRow>;
}
