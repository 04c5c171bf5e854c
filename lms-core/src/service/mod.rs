//! The `Lms` service: every use-case of the API. Each call takes an [`Actor`], opens one
//! store transaction, loads the facts, asks [`crate::policy`] and only then reads further
//! or writes; rules come from the domain modules, rows from the store.

mod courses;
mod learning;
mod orgs;
mod reports;

pub use learning::{DashboardItem, ProgressResult};
pub use orgs::Me;
pub use reports::{CourseReport, CourseReportItem, CourseSummary, OrgReportRow, RollupCheck, RollupMismatch};

use crate::clock::{Clock, SystemClock};
use crate::course::{Course, CourseOutline};
use crate::enrollment::Enrollment;
use crate::error::{ConflictKind, LmsError, StoreError, UniqueKey};
use crate::ids::UserId;
use crate::org::Org;
use crate::payment::{PaymentProvider, PaymentsDisabled};
use crate::policy::{Action, Caller, decide};
use crate::store::{Access, CourseKey, Store, StoreTx};
use chrono::{DateTime, SubsecRound, Utc};
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
}

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
        Self { store, payments: Arc::new(PaymentsDisabled), clock: Arc::new(SystemClock) }
    }

    /// Sells paid courses through `payments`.
    pub fn with_payments(mut self, payments: impl PaymentProvider) -> Self {
        self.payments = Arc::new(payments);
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

    /// The current time, at the microsecond precision every store keeps.
    fn now(&self) -> DateTime<Utc> {
        self.clock.now().trunc_subsecs(6)
    }

    async fn read(&self) -> Result<Box<dyn StoreTx>, LmsError> {
        Ok(self.store.begin(Access::Read).await?)
    }

    async fn write(&self) -> Result<Box<dyn StoreTx>, LmsError> {
        Ok(self.store.begin(Access::Write).await?)
    }
}

/// An org and who the caller is in it.
struct OrgScope {
    org: Org,
    caller: Caller,
}

/// A course addressed through an org, with the caller's enrollment in it.
struct CourseScope {
    org: Org,
    caller: Caller,
    course: Course,
    enrollment: Option<Enrollment>,
}

impl CourseScope {
    fn enrollment(&self) -> Option<&Enrollment> {
        self.enrollment.as_ref()
    }
}

/// Asks the policy; a denial becomes the matching error.
fn allow(caller: &Caller, action: Action<'_>) -> Result<(), LmsError> {
    decide(caller, action).into_result()
}

/// Loads the org by slug and the caller's role in it (404 for an unknown org).
async fn org_scope(tx: &mut dyn StoreTx, actor: &Actor, slug: &str) -> Result<OrgScope, LmsError> {
    let org = tx.org_by_slug(slug).await?.ok_or(LmsError::NotFound("org"))?;
    let role = match actor.user_id() {
        Some(user) => tx.membership(org.id, user).await?.map(|m| m.role),
        None => None,
    };
    Ok(OrgScope { org, caller: Caller { user: actor.user_id(), role } })
}

/// Loads the org, the course (404 unless it is this org's) and the caller's enrollment;
/// with `lock_enrollment` the enrollment row is held until the transaction ends.
async fn course_scope(
    tx: &mut dyn StoreTx,
    actor: &Actor,
    org_slug: &str,
    course_key: &str,
    lock_enrollment: bool,
) -> Result<CourseScope, LmsError> {
    let OrgScope { org, caller } = org_scope(tx, actor, org_slug).await?;
    let course = tx.course(org.id, CourseKey::parse(course_key)).await?.ok_or(LmsError::NotFound("course"))?;
    let enrollment = match (actor.user_id(), lock_enrollment) {
        (Some(user), true) => tx.lock_enrollment(user, course.id).await?,
        (Some(user), false) => tx.enrollment(user, course.id).await?,
        (None, _) => None,
    };
    Ok(CourseScope { org, caller, course, enrollment })
}

async fn load_outline(tx: &mut dyn StoreTx, course: Course) -> Result<CourseOutline, LmsError> {
    let modules = tx.outline(course.id).await?;
    Ok(CourseOutline { course, modules })
}

/// Maps a broken unique key onto the API's conflict, passing other store errors through.
fn on_duplicate(error: StoreError, key: UniqueKey, kind: ConflictKind, message: &str) -> LmsError {
    match error {
        StoreError::Duplicate(k) if k == key => LmsError::conflict(kind, message),
        other => other.into(),
    }
}
