//! The storage seam: what a backend must do, and nothing it may decide.
//!
//! A [`Store`] opens transactions; a [`StoreTx`] reads and writes rows inside one. The
//! [`crate::Lms`] service runs every use-case in a single transaction: it loads facts,
//! asks the policy and the domain rules, writes, and commits. Dropping a `StoreTx` without
//! [`StoreTx::commit`] rolls everything back, so an error never leaves a half-written state.
//!
//! Backends prove themselves with the shared conformance suite (`lms-core` feature
//! `testing`, [`crate::conformance_tests!`]).

use crate::certificate::{Certificate, CertificateCode};
use crate::course::{Course, CourseStatus, CurriculumLayout, Lesson, Module, OutlineModule};
use crate::discussion::Post;
use crate::enrollment::{Enrollment, LessonProgress};
use crate::error::StoreError;
use crate::event::{Event, EventHead, EventSeq, NewEvent, Notification};
use crate::ids::{CourseId, LessonId, ModuleId, NotificationId, OrgId, PostId, UserId};
use crate::org::{Member, Membership, MembershipSummary, Org, Role, User};
use crate::page::PageRequest;
use crate::payment::{PaymentRecord, Subscription};
use crate::quiz::QuizAttempt;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// Whether a transaction will write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Reads only (a backend may use a read-only or deferred transaction).
    Read,
    /// Reads and writes (SQLite takes its write lock up front).
    Write,
}

/// How a course is addressed in a path: its id or its slug.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CourseKey<'a> {
    /// By id.
    Id(CourseId),
    /// By slug within the org.
    Slug(&'a str),
}

impl<'a> CourseKey<'a> {
    /// A UUID-shaped key is an id (slugs never look like UUIDs), anything else a slug.
    pub fn parse(key: &'a str) -> Self {
        match key.parse() {
            Ok(id) => Self::Id(id),
            Err(_) => Self::Slug(key),
        }
    }
}

/// Which courses [`StoreTx::list_courses`] returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CourseFilter {
    /// Only courses of this status; every status when `None`.
    pub status: Option<CourseStatus>,
    /// Only courses this user owns.
    pub owner: Option<UserId>,
}

/// One of a user's enrollments with its course, for the learner's dashboard.
#[derive(Clone, Debug, PartialEq)]
pub struct EnrollmentWithCourse {
    /// The enrollment.
    pub enrollment: Enrollment,
    /// Its course.
    pub course: Course,
    /// The course's org slug.
    pub org_slug: String,
}

/// A course with the caller's place in it, as [`StoreTx::course_context`] reads them.
#[derive(Clone, Debug, PartialEq)]
pub struct CourseContext {
    /// The course.
    pub course: Course,
    /// The caller's role in the course's org, if a member.
    pub role: Option<Role>,
    /// The caller's enrollment in the course, if any.
    pub enrollment: Option<Enrollment>,
}

/// One learner's line of a course report, read from the enrollment rollup.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportRow {
    /// The enrollment (its id is the sort key).
    pub enrollment: Enrollment,
    /// The learner's display name.
    pub name: String,
}

/// How many active enrollments of a course have completed a given number of required
/// lessons: the rollups, grouped, so that reports read one row per distinct count rather
/// than one per learner or per progress row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RollupBucket {
    /// The course.
    pub course_id: CourseId,
    /// Required lessons completed.
    pub completed_required: u32,
    /// Active enrollments with that count.
    pub enrollments: u64,
    /// Of those, how many have recorded completion.
    pub completed: u64,
}

/// Whose rows a transaction works on: the org the call is about and the signed-in user.
///
/// The service states it as soon as it knows it. Backends that enforce tenant isolation
/// themselves (Postgres row-level security) then limit the transaction to that org's rows,
/// plus the user's own memberships and enrollments elsewhere; other backends ignore it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TenantScope {
    /// The org whose rows the transaction reads and writes.
    pub org: Option<OrgId>,
    /// The caller, whose own memberships and enrollments are readable across orgs.
    pub user: Option<UserId>,
}

/// A session of an authentication front end such as lms-axum's built-in sign-in. Only a
/// hash of the session token is stored, so a leaked table does not sign anyone in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthSession {
    /// A hash of the session token (the front end chooses the hash).
    pub token_hash: String,
    /// Whose session it is.
    pub user_id: UserId,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it stops being accepted (sliding: front ends push it forward on use).
    pub expires_at: DateTime<Utc>,
}

/// A storage backend: opens transactions.
///
/// Held as `Arc<dyn Store>` by [`crate::Lms`], so it must be `Send + Sync`.
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Opens a transaction.
    async fn begin(&self, access: Access) -> Result<Box<dyn StoreTx>, StoreError>;

    /// Checks that the backend answers.
    async fn ping(&self) -> Result<(), StoreError>;

    /// Refreshes the database's planner statistics, after a bulk import changed the tables'
    /// sizes by orders of magnitude (until then a server may pick plans made for empty
    /// tables). Does nothing by default.
    async fn refresh_statistics(&self) -> Result<(), StoreError> {
        Ok(())
    }

    /// The outbox's newest position (0 when empty).
    async fn last_event_seq(&self) -> Result<EventSeq, StoreError>;

    /// Up to `limit` events after `after`, oldest first, as heads: what the dispatcher
    /// tells subscribers. Reads every org's events (heads carry ids only), so backends
    /// that isolate tenants in the database answer it with the owner's rights.
    async fn event_heads(&self, after: EventSeq, limit: u32) -> Result<Vec<EventHead>, StoreError>;

    /// Signals, as they come, that a transaction appended events — from this process,
    /// and on a server database from every process using it. `None` when the backend
    /// cannot tell (the dispatcher then polls).
    async fn listen(&self) -> Result<Option<Box<dyn EventSignals>>, StoreError> {
        Ok(None)
    }
}

/// A stream of "events were committed" signals from [`Store::listen`].
#[async_trait]
pub trait EventSignals: Send {
    /// Waits for the next signal. Signals may be merged or, after an error, lost: the
    /// dispatcher reads the outbox after each one, and also on a timer.
    async fn next(&mut self) -> Result<(), StoreError>;
}

/// One transaction. Every method runs inside it; nothing is visible to others before
/// [`StoreTx::commit`], and dropping it rolls back.
///
/// Methods named `lock_*` read a row and hold it until the transaction ends, so that a
/// read-decide-write sequence on it cannot interleave with another.
/// Inserts report a broken unique key as [`StoreError::Duplicate`].
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait StoreTx: Send {
    /// Makes every write of the transaction durable and visible.
    async fn commit(self: Box<Self>) -> Result<(), StoreError>;

    /// Limits the rest of the transaction to `scope` (see [`TenantScope`]); may be called
    /// again to move to another org.
    async fn set_scope(&mut self, scope: TenantScope) -> Result<(), StoreError>;

    // --- orgs and users
    /// Inserts an org (`Duplicate(OrgSlug)` when the slug is taken).
    async fn insert_org(&mut self, org: &Org) -> Result<(), StoreError>;
    /// The org with this slug.
    async fn org_by_slug(&mut self, slug: &str) -> Result<Option<Org>, StoreError>;
    /// Locks the org row (serializes membership changes).
    async fn lock_org(&mut self, org: OrgId) -> Result<(), StoreError>;
    /// Replaces the org's name and settings.
    async fn update_org(&mut self, org: &Org) -> Result<(), StoreError>;
    /// Inserts many users at once (bulk import; `Duplicate(UserEmail)` as for one).
    async fn insert_users(&mut self, users: &[User]) -> Result<(), StoreError>;
    /// Inserts a user (`Duplicate(UserEmail)` when the email is taken).
    async fn insert_user(&mut self, user: &User) -> Result<(), StoreError>;
    /// The user with this id.
    async fn user(&mut self, id: UserId) -> Result<Option<User>, StoreError>;
    /// The user with this (normalized) email.
    async fn user_by_email(&mut self, email: &str) -> Result<Option<User>, StoreError>;

    // --- memberships
    /// The user's membership in the org.
    async fn membership(
        &mut self,
        org: OrgId,
        user: UserId,
    ) -> Result<Option<Membership>, StoreError>;
    /// Every org the user belongs to, by org slug.
    async fn memberships_of(&mut self, user: UserId) -> Result<Vec<MembershipSummary>, StoreError>;
    /// Inserts a membership (`Duplicate(Membership)` when the user is already a member).
    async fn insert_membership(&mut self, membership: &Membership) -> Result<(), StoreError>;
    /// Changes a member's role.
    async fn update_membership_role(
        &mut self,
        org: OrgId,
        user: UserId,
        role: Role,
    ) -> Result<(), StoreError>;
    /// Removes a member.
    async fn delete_membership(&mut self, org: OrgId, user: UserId) -> Result<(), StoreError>;
    /// How many admins the org has.
    async fn count_admins(&mut self, org: OrgId) -> Result<u32, StoreError>;
    /// A page of members, ordered by user id.
    async fn list_members(
        &mut self,
        org: OrgId,
        page: &PageRequest,
    ) -> Result<Vec<Member>, StoreError>;

    // --- courses and curriculum
    /// Inserts a course (`Duplicate(CourseSlug)` when the org has the slug already).
    async fn insert_course(&mut self, course: &Course) -> Result<(), StoreError>;
    /// Replaces a course's fields.
    async fn update_course(&mut self, course: &Course) -> Result<(), StoreError>;
    /// The org's course with this id or slug (never another org's).
    async fn course<'k>(
        &mut self,
        org: OrgId,
        key: CourseKey<'k>,
    ) -> Result<Option<Course>, StoreError>;
    /// In one read: the org's course with this id or slug, and — for `user` — their role in
    /// the org and their enrollment in the course (not locked).
    async fn course_context<'k>(
        &mut self,
        org: OrgId,
        key: CourseKey<'k>,
        user: Option<UserId>,
    ) -> Result<Option<CourseContext>, StoreError>;
    /// Moves the course's `updated_at` (a curriculum change: outlines cached for the old
    /// version stop being used).
    async fn touch_course(
        &mut self,
        course: CourseId,
        updated_at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Locks the course row (serializes curriculum changes of the course).
    async fn lock_course(&mut self, course: CourseId) -> Result<(), StoreError>;
    /// A page of the org's courses, ordered by id.
    async fn list_courses(
        &mut self,
        org: OrgId,
        filter: CourseFilter,
        page: &PageRequest,
    ) -> Result<Vec<Course>, StoreError>;
    /// The course's modules in position order, each with its lessons (no content) in order.
    async fn outline(&mut self, course: CourseId) -> Result<Vec<OutlineModule>, StoreError>;
    /// Inserts a module.
    async fn insert_module(&mut self, module: &Module) -> Result<(), StoreError>;
    /// Replaces a module's title.
    async fn update_module(&mut self, module: &Module) -> Result<(), StoreError>;
    /// Deletes a module with its lessons and their progress and attempts.
    async fn delete_module(&mut self, module: ModuleId) -> Result<(), StoreError>;
    /// The course's lesson with this id, content included.
    async fn lesson(
        &mut self,
        course: CourseId,
        lesson: LessonId,
    ) -> Result<Option<Lesson>, StoreError>;
    /// Inserts a lesson.
    async fn insert_lesson(&mut self, lesson: &Lesson) -> Result<(), StoreError>;
    /// Replaces a lesson's fields (title, content and kind, flags, duration).
    async fn update_lesson(&mut self, lesson: &Lesson) -> Result<(), StoreError>;
    /// Deletes a lesson with its progress and attempts.
    async fn delete_lesson(&mut self, lesson: LessonId) -> Result<(), StoreError>;
    /// Rewrites module positions and lesson modules and positions to match a layout that
    /// names exactly the course's modules and lessons (already checked by the core).
    async fn apply_layout(
        &mut self,
        course: CourseId,
        layout: &CurriculumLayout,
    ) -> Result<(), StoreError>;

    // --- enrollments and progress
    /// The user's enrollment in the course.
    async fn enrollment(
        &mut self,
        user: UserId,
        course: CourseId,
    ) -> Result<Option<Enrollment>, StoreError>;
    /// Like [`StoreTx::enrollment`], holding the row until the transaction ends.
    async fn lock_enrollment(
        &mut self,
        user: UserId,
        course: CourseId,
    ) -> Result<Option<Enrollment>, StoreError>;
    /// Inserts an enrollment (`Duplicate(Enrollment)` when one exists for the pair).
    async fn insert_enrollment(&mut self, enrollment: &Enrollment) -> Result<(), StoreError>;
    /// Inserts many enrollments at once, rollups included (bulk import).
    async fn insert_enrollments(&mut self, enrollments: &[Enrollment]) -> Result<(), StoreError>;
    /// Inserts many progress rows at once (bulk import; none may exist yet).
    async fn insert_progress_rows(&mut self, rows: &[LessonProgress]) -> Result<(), StoreError>;
    /// Replaces an enrollment's source, status, dates and rollup.
    async fn update_enrollment(&mut self, enrollment: &Enrollment) -> Result<(), StoreError>;
    /// A page of the course's enrollments (any status), ordered by enrollment id.
    async fn list_enrollments(
        &mut self,
        course: CourseId,
        page: &PageRequest,
    ) -> Result<Vec<Enrollment>, StoreError>;
    /// A page of the user's enrollments with their courses, ordered by enrollment id.
    async fn enrollments_of(
        &mut self,
        user: UserId,
        page: &PageRequest,
    ) -> Result<Vec<EnrollmentWithCourse>, StoreError>;
    /// Every progress row of the user in the course.
    async fn course_progress_rows(
        &mut self,
        user: UserId,
        course: CourseId,
    ) -> Result<Vec<LessonProgress>, StoreError>;
    /// Every progress row of any of `users` in any of `courses`, in one query: a page of
    /// learners in one course (reports, checks), or one learner's page of courses (dashboard).
    async fn progress_rows(
        &mut self,
        users: &[UserId],
        courses: &[CourseId],
    ) -> Result<Vec<LessonProgress>, StoreError>;
    /// Inserts or replaces a progress row.
    async fn upsert_lesson_progress(&mut self, progress: &LessonProgress)
    -> Result<(), StoreError>;
    /// Recomputes every enrollment rollup of the course from its progress rows: the number
    /// of completed progress rows on lessons of the course that are `required`. Called in
    /// the transaction of a curriculum change.
    async fn recount_rollups(&mut self, course: CourseId) -> Result<(), StoreError>;
    /// Records completion at `now` for the course's active enrollments that have no
    /// completion yet and whose rollup is at least `threshold`. Returns their learners.
    async fn record_completions(
        &mut self,
        course: CourseId,
        threshold: u32,
        now: DateTime<Utc>,
    ) -> Result<Vec<UserId>, StoreError>;

    // --- certificates
    /// Inserts a certificate unless the (user, course) pair has one already; returns
    /// whether it was inserted. (A pair holds at most one certificate, ever.)
    async fn insert_certificate(&mut self, certificate: &Certificate) -> Result<bool, StoreError>;
    /// The user's certificate for the course.
    async fn certificate(
        &mut self,
        user: UserId,
        course: CourseId,
    ) -> Result<Option<Certificate>, StoreError>;
    /// The certificate with this code, whichever org it belongs to: holding the code is
    /// what entitles anyone to read it (backends with row-level security admit that row).
    async fn certificate_by_code(
        &mut self,
        code: &CertificateCode,
    ) -> Result<Option<Certificate>, StoreError>;
    /// Stores a certificate's `revoked_at` and `revoked_reason` (nothing else ever changes).
    async fn update_certificate_revocation(
        &mut self,
        certificate: &Certificate,
    ) -> Result<(), StoreError>;

    // --- quizzes
    /// Inserts a graded attempt (`Duplicate(AttemptNumber)` when the number is taken).
    async fn insert_attempt(&mut self, attempt: &QuizAttempt) -> Result<(), StoreError>;
    /// How many attempts the user has made at the quiz.
    async fn count_attempts(&mut self, user: UserId, lesson: LessonId) -> Result<u32, StoreError>;
    /// A page of the user's attempts at the quiz, oldest first.
    async fn list_attempts(
        &mut self,
        user: UserId,
        lesson: LessonId,
        page: &PageRequest,
    ) -> Result<Vec<QuizAttempt>, StoreError>;

    // --- reports
    /// A page of the course's active enrollments with learner names, ordered by enrollment id.
    async fn report_rows(
        &mut self,
        course: CourseId,
        page: &PageRequest,
    ) -> Result<Vec<ReportRow>, StoreError>;
    /// The rollups of the courses' active enrollments, grouped by completed count.
    async fn rollup_buckets(
        &mut self,
        courses: &[CourseId],
    ) -> Result<Vec<RollupBucket>, StoreError>;
    /// How many required lessons each course has (courses without lessons may be absent).
    async fn required_totals(
        &mut self,
        courses: &[CourseId],
    ) -> Result<Vec<(CourseId, u32)>, StoreError>;

    // --- discussions
    /// Inserts a post.
    async fn insert_post(&mut self, post: &Post) -> Result<(), StoreError>;
    /// The course's post with this id, with its author's name.
    async fn post(&mut self, course: CourseId, post: PostId) -> Result<Option<Post>, StoreError>;
    /// A page of the lesson's posts and replies, oldest first (by id).
    async fn list_posts(
        &mut self,
        lesson: LessonId,
        page: &PageRequest,
    ) -> Result<Vec<Post>, StoreError>;
    /// Stores a post's body, edit time and hidden flag.
    async fn update_post(&mut self, post: &Post) -> Result<(), StoreError>;
    /// Deletes a post with its replies.
    async fn delete_post(&mut self, post: PostId) -> Result<(), StoreError>;
    /// How many posts the user wrote since `since` (for the posting rate limit).
    async fn count_posts_since(
        &mut self,
        user: UserId,
        since: DateTime<Utc>,
    ) -> Result<u32, StoreError>;

    // --- events and notifications
    /// Appends an event to the outbox with a notification for each of its recipients.
    /// They are written when the transaction commits, last, so that positions follow
    /// commit order (a reader that saw position `n` has missed nothing below it); a
    /// rolled-back transaction leaves none. Signals [`Store::listen`] on commit.
    async fn append_event(&mut self, event: NewEvent) -> Result<(), StoreError>;
    /// Up to `limit` of the course's events after `after`, oldest first.
    async fn course_events(
        &mut self,
        course: CourseId,
        after: EventSeq,
        limit: u32,
    ) -> Result<Vec<Event>, StoreError>;
    /// Up to `limit` of the user's notifications after `after`, oldest first.
    async fn notifications_after(
        &mut self,
        user: UserId,
        after: EventSeq,
        limit: u32,
    ) -> Result<Vec<Notification>, StoreError>;
    /// A page of the user's notifications, newest first (by id, descending).
    async fn list_notifications(
        &mut self,
        user: UserId,
        page: &PageRequest,
    ) -> Result<Vec<Notification>, StoreError>;
    /// Marks the user's notifications read (`None`: all of them); others' are untouched,
    /// and one read before keeps its time.
    async fn mark_notifications_read<'a>(
        &mut self,
        user: UserId,
        ids: Option<&'a [NotificationId]>,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    // --- payments
    /// Records that a provider event is being applied; `false` when it was recorded
    /// before (a redelivery). On a server database a concurrent delivery of the same event
    /// waits here until the first one's transaction ends.
    async fn insert_payment_event(
        &mut self,
        event_id: &str,
        kind: &str,
        received_at: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// Appends a payment record unless one of the same kind and reference exists; returns
    /// whether it was appended. Records are never updated or deleted.
    async fn insert_payment(&mut self, record: &PaymentRecord) -> Result<bool, StoreError>;
    /// A page of the org's payment records, ordered by id.
    async fn list_payments(
        &mut self,
        org: OrgId,
        page: &PageRequest,
    ) -> Result<Vec<PaymentRecord>, StoreError>;
    /// The user's subscription to the org's membership plan.
    async fn subscription(
        &mut self,
        org: OrgId,
        user: UserId,
    ) -> Result<Option<Subscription>, StoreError>;
    /// Inserts or replaces the user's subscription to the org's plan.
    async fn upsert_subscription(&mut self, subscription: &Subscription) -> Result<(), StoreError>;
    /// Revokes the user's active enrollments with source `subscription` in the org's
    /// courses (their membership ended); returns how many.
    async fn revoke_subscription_enrollments(
        &mut self,
        org: OrgId,
        user: UserId,
    ) -> Result<u64, StoreError>;

    // --- records of an authentication front end (opaque to the core, which stores no
    // credentials of its own and never reads these)
    /// Stores (or replaces) the user's password hash.
    async fn set_password_hash(&mut self, user: UserId, hash: &str) -> Result<(), StoreError>;
    /// The user with this (normalized) email and their password hash, if they have one.
    async fn password_hash(&mut self, email: &str) -> Result<Option<(User, String)>, StoreError>;
    /// Inserts a session.
    async fn insert_session(&mut self, session: &AuthSession) -> Result<(), StoreError>;
    /// The session with this token hash, expired or not.
    async fn session(&mut self, token_hash: &str) -> Result<Option<AuthSession>, StoreError>;
    /// Moves a session's expiry.
    async fn extend_session(
        &mut self,
        token_hash: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Deletes a session (sign-out); deleting a missing one is not an error.
    async fn delete_session(&mut self, token_hash: &str) -> Result<(), StoreError>;
}
