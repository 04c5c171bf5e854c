//! The `Lms` service: every use-case of the API. Each call takes an [`Actor`], opens one
//! store transaction, loads the facts, asks [`crate::policy`] and only then reads further
//! or writes; rules come from the domain modules, rows from the store.

mod accounts;
mod assignments;
mod certificates;
mod courses;
mod discussions;
mod drilldown;
mod erasure;
mod events;
mod gates;
mod import;
mod invitations;
mod learning;
mod media;
mod memberships;
mod orgs;
mod payments;
mod progress;
mod quizzes;
mod reports;
mod revocation;
mod users;

pub use crate::feed::{DEFAULT_EVENT_POLL_INTERVAL, EventHeads};
pub use assignments::{SweptUploads, UNATTACHED_UPLOAD_LIFETIME};
pub use drilldown::{DRILL_DOWN_LATEST, LearnerDetail, LearnerIdentity};
pub use erasure::DELETED_USER_NAME;
pub use gates::UnlockRequest;
pub use import::{ImportReport, ImportedEnrollment, ImportedProgress};
pub use invitations::DEFAULT_INVITATIONS_PER_HOUR;
pub use orgs::Me;
pub use progress::{DashboardItem, LessonState, ProgressResult};
pub use reports::{
    CourseReport, CourseReportItem, CourseSummary, OrgReportRow, RollupCheck, RollupMismatch,
};

use crate::clock::{Clock, SystemClock};
use crate::course::{Course, CourseOutline, OutlineModule};
use crate::enrollment::Enrollment;
use crate::error::LmsError;
use crate::ids::{CourseId, CourseRef, UserId};
use crate::org::Org;
use crate::payment::{PaymentProvider, PaymentsDisabled};
use crate::policy::{Action, Standing, decide};
use crate::store::{Access, CourseKey, Store, StoreTx, TenantScope};
use chrono::{DateTime, SubsecRound, Utc};
use std::collections::HashMap;
use std::sync::Arc;

/// Who is calling: someone the host (or the built-in auth) vouches for, or nobody.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Actor {
    /// Not signed in.
    Anonymous,
    /// A signed-in user.
    User(UserId),
}

impl Actor {
    /// The signed-in user, if any.
    pub fn user_id(&self) -> Option<UserId> {
        match self {
            Self::Anonymous => None,
            Self::User(id) => Some(*id),
        }
    }

    fn require_user(&self) -> Result<UserId, LmsError> {
        self.user_id().ok_or(LmsError::Unauthenticated)
    }
}

/// The LMS: cheap to clone, `Send + Sync`, share it across tasks.
///
/// ```no_run
/// # async fn demo(store: impl lms_core::Store) -> Result<(), lms_core::LmsError> {
/// use lms_core::{Actor, Lms, NewOrg, NewUser};
/// let lms = Lms::new(store);
/// let ada = lms.create_user(NewUser { email: "ada@example.com".into(), name: "Ada".into() }).await?;
/// let org = lms
///     .create_org(&Actor::User(ada.id), NewOrg { slug: "acme".into(), name: "Acme".into() })
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Lms {
    store: Arc<dyn Store>,
    payments: Arc<dyn PaymentProvider>,
    clock: Arc<dyn Clock>,
    /// How long a `past_due` membership keeps opening its courses.
    membership_grace: chrono::Duration,
    /// Who may create orgs through [`Lms::create_org`].
    org_creation: crate::org::OrgCreation,
    /// Course outlines by course, for reads (see [`Lms::cached_outline`]).
    outlines: Arc<std::sync::Mutex<OutlineCache>>,
    /// The event dispatcher's in-process side (see [`Lms::subscribe`]).
    events: Arc<crate::feed::EventHub>,
    /// Where account mail goes (see [`Lms::with_mail`]).
    outbox: Arc<accounts::Outbox>,
    /// Invitations an org may send in an hour ([`Lms::with_invitations_per_hour`]).
    invitations_per_hour: u32,
    /// Bytes of uploads an org may keep ([`Lms::with_media_quota`]).
    media_quota: u64,
    /// Bytes of files one learner may upload to one course's assignments.
    learner_file_quota: u64,
}

/// A course's outline and the course version (`updated_at`) it belongs to.
type OutlineCache = HashMap<CourseId, (DateTime<Utc>, Arc<Vec<OutlineModule>>)>;

/// Outlines kept at most; past it the cache starts over (a simple bound, not an LRU).
const OUTLINE_CACHE_CAPACITY: usize = 1024;

impl std::fmt::Debug for Lms {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lms").finish_non_exhaustive()
    }
}

impl Lms {
    /// An LMS on `store`, with payments disabled and the system clock.
    pub fn new(store: impl Store) -> Self {
        Self::from_arc(Arc::new(store))
    }

    /// Like [`Lms::new`] for a store already behind an `Arc`.
    pub fn from_arc(store: Arc<dyn Store>) -> Self {
        Self {
            store,
            payments: Arc::new(PaymentsDisabled),
            clock: Arc::new(SystemClock),
            membership_grace: chrono::Duration::days(DEFAULT_MEMBERSHIP_GRACE_DAYS),
            org_creation: crate::org::OrgCreation::default(),
            outlines: Arc::default(),
            events: Arc::new(crate::feed::EventHub::new(DEFAULT_EVENT_POLL_INTERVAL)),
            outbox: Arc::default(),
            invitations_per_hour: invitations::DEFAULT_INVITATIONS_PER_HOUR,
            media_quota: crate::media::DEFAULT_MEDIA_QUOTA_BYTES,
            learner_file_quota: crate::assignment::DEFAULT_LEARNER_FILE_BYTES,
        }
    }

    /// Sells paid courses through `payments`.
    pub fn with_payments(mut self, payments: impl PaymentProvider) -> Self {
        self.payments = Arc::new(payments);
        self
    }

    /// Lets a membership whose renewal failed (`past_due`) keep opening its courses for
    /// `grace` (default 7 days) while the provider retries the payment.
    pub fn with_membership_grace(mut self, grace: chrono::Duration) -> Self {
        self.membership_grace = grace;
        self
    }

    /// Who may create orgs through [`Lms::create_org`] (and `POST /orgs`): anyone signed in
    /// (the default), or nobody, when the host makes orgs itself with [`Lms::create_org_for`].
    pub fn with_org_creation(mut self, who: crate::org::OrgCreation) -> Self {
        self.org_creation = who;
        self
    }

    /// Reads the time from `clock` (tests fix it).
    pub fn with_clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// The store this LMS runs on.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// Checks that the store answers (for health checks).
    pub async fn health(&self) -> Result<(), LmsError> {
        Ok(self.store.ping().await?)
    }

    /// The current time by this LMS's clock, at the microsecond precision every store
    /// keeps. Front ends that keep records of their own (the built-in sign-in's sessions)
    /// read it here, so a clock fixed with [`Lms::with_clock`] fixes them too.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now().trunc_subsecs(6)
    }

    async fn read(&self) -> Result<Box<dyn StoreTx>, LmsError> {
        Ok(self.store.begin(Access::Read).await?)
    }

    async fn write(&self) -> Result<Box<dyn StoreTx>, LmsError> {
        Ok(self.store.begin(Access::Write).await?)
    }
}

/// Default of [`Lms::with_membership_grace`], in days.
pub const DEFAULT_MEMBERSHIP_GRACE_DAYS: i64 = 7;

/// An org and who the caller is in it.
struct OrgScope {
    org: Org,
    standing: Standing,
}

/// A course addressed through an org, with the caller's enrollment in it.
struct CourseScope {
    org: Org,
    standing: Standing,
    course: Course,
    enrollment: Option<Enrollment>,
}

impl CourseScope {
    fn enrollment(&self) -> Option<&Enrollment> {
        self.enrollment.as_ref()
    }
}

/// Asks the policy; a denial becomes the matching error.
fn allow(standing: &Standing, action: Action<'_>) -> Result<(), LmsError> {
    decide(standing, action).into_result()
}

/// Loads the org by slug (404 if unknown) and limits the transaction to it.
async fn enter_org(tx: &mut dyn StoreTx, actor: &Actor, slug: &str) -> Result<Org, LmsError> {
    let org = tx
        .org_by_slug(slug)
        .await?
        .ok_or(LmsError::NotFound("org"))?;
    tx.set_scope(TenantScope {
        org: Some(org.id),
        user: actor.user_id(),
    })
    .await?;
    Ok(org)
}

/// Loads the org by slug and the caller's role in it (404 for an unknown org).
async fn org_scope(tx: &mut dyn StoreTx, actor: &Actor, slug: &str) -> Result<OrgScope, LmsError> {
    let org = enter_org(tx, actor, slug).await?;
    let role = match actor.user_id() {
        Some(user) => tx.membership(org.id, user).await?.map(|m| m.role),
        None => None,
    };
    Ok(OrgScope {
        org,
        standing: Standing {
            user: actor.user_id(),
            role,
        },
    })
}

/// How a course scope reads the caller's enrollment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum EnrollmentRead {
    /// As the transaction sees it, for decisions that write nothing to the enrollment.
    Plain,
    /// Locked until the transaction ends, for writes that decide on it (enrolling,
    /// recording progress, attempts), so two of them serialize.
    Locked,
}

/// Loads the org, the course (404 unless it is this org's) and the caller's enrollment,
/// read as `read` says.
async fn load_course_scope(
    tx: &mut dyn StoreTx,
    actor: &Actor,
    course: CourseRef<'_>,
    read: EnrollmentRead,
) -> Result<CourseScope, LmsError> {
    let org = enter_org(tx, actor, course.org).await?;
    let context = tx
        .course_context(org.id, CourseKey::parse(course.course), actor.user_id())
        .await?
        .ok_or(LmsError::NotFound("course"))?;
    let standing = Standing {
        user: actor.user_id(),
        role: context.role,
    };
    let enrollment = match actor.user_id() {
        Some(user) if read == EnrollmentRead::Locked => {
            tx.lock_enrollment(user, context.course.id).await?
        }
        _ => context.enrollment,
    };
    Ok(CourseScope {
        org,
        standing,
        course: context.course,
        enrollment,
    })
}

impl Lms {
    /// [`load_course_scope`], then the membership rule (see [`memberships`]): a lapsed
    /// plan's enrollment counts as revoked, and a write that locked it stores that.
    async fn course_scope(
        &self,
        tx: &mut dyn StoreTx,
        actor: &Actor,
        course: CourseRef<'_>,
        read: EnrollmentRead,
    ) -> Result<CourseScope, LmsError> {
        let mut scope = load_course_scope(tx, actor, course, read).await?;
        let settle = match read {
            EnrollmentRead::Plain => memberships::Settle::InMemory,
            EnrollmentRead::Locked => memberships::Settle::Store,
        };
        if let Some(enrollment) = scope.enrollment.as_mut() {
            self.apply_membership_rule(tx, scope.org.id, enrollment, settle)
                .await?;
        }
        Ok(scope)
    }

    /// Opens a transaction on a course the caller manages (its owner and the org's admins),
    /// after the policy allowed it.
    async fn managed_course(
        &self,
        access: Access,
        actor: &Actor,
        course: CourseRef<'_>,
    ) -> Result<(Box<dyn StoreTx>, CourseScope), LmsError> {
        actor.require_user()?; // sign-in first: no store work for anonymous callers
        let mut tx = self.store.begin(access).await?;
        let scope = self
            .course_scope(tx.as_mut(), actor, course, EnrollmentRead::Plain)
            .await?;
        allow(
            &scope.standing,
            Action::ManageCourse(&scope.course, scope.enrollment()),
        )?;
        Ok((tx, scope))
    }
}

impl Lms {
    /// The course's outline for a read: from the cache when it holds the outline of this
    /// version of the course, else from the store. Exact because every curriculum change
    /// moves the course's `updated_at` in its own transaction (`touch_course`), and the
    /// course row was just read in this transaction — on any app instance. Writes that
    /// decide on the outline (progress, attempts) read it from the store, after their locks.
    async fn cached_outline(
        &self,
        tx: &mut dyn StoreTx,
        course: Course,
    ) -> Result<CourseOutline, LmsError> {
        let cached = {
            let cache = self
                .outlines
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            cache
                .get(&course.id)
                .filter(|(version, _)| *version == course.updated_at)
                .map(|(_, m)| m.clone())
        };
        let modules = match cached {
            Some(modules) => modules,
            None => {
                let modules = Arc::new(tx.outline(course.id).await?);
                let mut cache = self
                    .outlines
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
                if cache.len() >= OUTLINE_CACHE_CAPACITY {
                    cache.clear();
                }
                cache.insert(course.id, (course.updated_at, modules.clone()));
                modules
            }
        };
        Ok(CourseOutline {
            course,
            modules: modules.as_ref().clone(),
        })
    }
}

async fn load_outline(tx: &mut dyn StoreTx, course: Course) -> Result<CourseOutline, LmsError> {
    let modules = tx.outline(course.id).await?;
    Ok(CourseOutline { course, modules })
}

#[cfg(test)]
mod tests {
    //! Orchestration against mocked stores: the policy runs before any write, a denied call
    //! never writes or commits, and store failures surface as typed errors.
    use super::*;
    use crate::course::{CoursePatch, CourseStatus};
    use crate::error::{StoreError, UniqueKey};
    use crate::ids::{CourseId, OrgId};
    use crate::org::{NewOrg, Role};
    use crate::store::{CourseContext, MockStore, MockStoreTx};
    use mockall::predicate::eq;

    const COURSE: CourseRef<'static> = CourseRef {
        org: "acme",
        course: "c",
    };

    fn org() -> Org {
        Org {
            id: OrgId::new(),
            slug: "acme".into(),
            name: "Acme".into(),
            settings: serde_json::json!({}),
            membership_plan: None,
            created_at: Utc::now(),
        }
    }

    fn course(org: &Org, owner: UserId) -> Course {
        Course {
            prerequisites: Vec::new(),
            id: CourseId::new(),
            org_id: org.id,
            slug: "c".into(),
            title: "C".into(),
            description: String::new(),
            status: CourseStatus::Published,
            price: None,
            owner_id: owner,
            metadata: serde_json::json!({}),
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    /// A transaction that answers the reads of `course_scope` for `user` with `role`.
    fn scoped_tx(org: Org, course: Course, user: UserId, role: Role) -> MockStoreTx {
        let mut tx = MockStoreTx::new();
        let org_id = org.id;
        tx.expect_set_scope().returning(|_| Ok(()));
        tx.expect_org_by_slug()
            .with(eq("acme"))
            .return_once(move |_| Ok(Some(org)));
        tx.expect_course_context()
            .withf(move |org, _, standing| *org == org_id && *standing == Some(user))
            .return_once(move |_, _, _| {
                Ok(Some(CourseContext {
                    course,
                    role: Some(role),
                    enrollment: None,
                }))
            });
        tx
    }

    fn store_with(tx: MockStoreTx) -> MockStore {
        let mut store = MockStore::new();
        store
            .expect_begin()
            .times(1)
            .return_once(move |_| Ok(Box::new(tx)));
        store
    }

    #[tokio::test]
    async fn an_anonymous_write_never_reaches_the_store() {
        let lms = Lms::new(MockStore::new()); // any call on it would panic
        let new = NewOrg {
            slug: "acme".into(),
            name: "Acme".into(),
        };
        assert_eq!(
            lms.create_org(&Actor::Anonymous, new)
                .await
                .unwrap_err()
                .code(),
            "unauthenticated"
        );
        let patch = CoursePatch {
            title: Some("x".into()),
            ..Default::default()
        };
        assert_eq!(
            lms.update_course(&Actor::Anonymous, COURSE, patch)
                .await
                .unwrap_err()
                .code(),
            "unauthenticated"
        );
    }

    #[tokio::test]
    async fn a_denied_call_reads_but_never_writes_or_commits() {
        let (org, learner, owner) = (org(), UserId::new(), UserId::new());
        let course = course(&org, owner);
        // No expectation for update_course or commit: calling either fails the test.
        let tx = scoped_tx(org, course, learner, Role::Learner);
        let lms = Lms::new(store_with(tx));
        let patch = CoursePatch {
            title: Some("Mine now".into()),
            ..Default::default()
        };
        let err = lms
            .update_course(&Actor::User(learner), COURSE, patch)
            .await
            .unwrap_err();
        assert_eq!((err.status(), err.code()), (403, "forbidden"));
    }

    #[tokio::test]
    async fn invalid_input_is_refused_after_the_policy_and_before_any_write() {
        let (org, owner) = (org(), UserId::new());
        let course = course(&org, owner);
        let tx = scoped_tx(org, course, owner, Role::Instructor);
        let lms = Lms::new(store_with(tx));
        let patch = CoursePatch {
            title: Some(String::new()),
            ..Default::default()
        };
        let err = lms
            .update_course(&Actor::User(owner), COURSE, patch)
            .await
            .unwrap_err();
        assert_eq!(err.code(), "validation_failed");
    }

    #[tokio::test]
    async fn an_allowed_call_writes_once_and_commits() {
        let (org, owner) = (org(), UserId::new());
        let course = course(&org, owner);
        let mut tx = scoped_tx(org, course, owner, Role::Instructor);
        tx.expect_update_course()
            .times(1)
            .withf(|c| c.title == "Renamed")
            .returning(|_| Ok(()));
        tx.expect_commit().times(1).returning(|| Ok(()));
        let lms = Lms::new(store_with(tx));
        let patch = CoursePatch {
            title: Some("Renamed".into()),
            ..Default::default()
        };
        let updated = lms
            .update_course(&Actor::User(owner), COURSE, patch)
            .await
            .unwrap();
        assert_eq!(updated.title, "Renamed");
    }

    #[tokio::test]
    async fn a_duplicate_enrollment_from_the_store_is_already_enrolled() {
        let (org, learner) = (org(), UserId::new());
        let course = course(&org, UserId::new());
        let mut tx = MockStoreTx::new();
        tx.expect_set_scope().returning(|_| Ok(()));
        tx.expect_org_by_slug().return_once(move |_| Ok(Some(org)));
        tx.expect_course_context().return_once(move |_, _, _| {
            Ok(Some(CourseContext {
                course,
                role: None,
                enrollment: None,
            }))
        });
        tx.expect_lock_enrollment().returning(|_, _| Ok(None));
        tx.expect_subscription().returning(|_, _| Ok(None));
        tx.expect_user().returning(move |id| {
            let name = "Learner".to_owned();
            Ok(Some(crate::org::User {
                id,
                email: "learner@example.com".into(),
                name,
                avatar_url: None,
                email_verified: true,
                created_at: Utc::now(),
                external_id: None,
            }))
        });
        tx.expect_insert_enrollment()
            .times(1)
            .returning(|_| Err(StoreError::Duplicate(UniqueKey::Enrollment)));
        let lms = Lms::new(store_with(tx));
        let err = lms.enroll(&Actor::User(learner), COURSE).await.unwrap_err();
        assert_eq!((err.status(), err.code()), (409, "already_enrolled"));
    }

    #[tokio::test]
    async fn an_unreachable_store_is_unavailable() {
        let mut store = MockStore::new();
        store
            .expect_begin()
            .returning(|_| Err(StoreError::Unavailable("connection refused".into())));
        store
            .expect_ping()
            .returning(|| Err(StoreError::Unavailable("connection refused".into())));
        let lms = Lms::new(store);
        let err = lms.org("acme").await.unwrap_err();
        assert_eq!((err.status(), err.code()), (503, "unavailable"));
        assert_eq!(lms.health().await.unwrap_err().status(), 503);
    }
}
