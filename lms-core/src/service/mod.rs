//! The `Lms` service: every use-case of the API. Each call takes an [`Actor`], opens one
//! store transaction, loads the facts, asks [`crate::policy`] and only then reads further
//! or writes; rules come from the domain modules, rows from the store.

mod accounts;
mod assignments;
mod certificates;
mod courses;
mod discussions;
mod drilldown;
mod duplication;
mod erasure;
mod events;
mod exports;
mod gates;
mod grading;
mod import;
mod invitations;
mod learner_path;
mod learning;
mod media;
mod memberships;
mod operator;
mod org_export;
mod org_import;
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
pub use exports::{
    CourseExportRow, CourseReportExport, DEFAULT_CONCURRENT_EXPORTS, ExportStream, OrgReportExport,
};
pub use gates::UnlockRequest;
pub use import::{ImportReport, ImportedEnrollment, ImportedProgress};
pub use invitations::DEFAULT_INVITATIONS_PER_HOUR;
pub use memberships::LapsedMemberships;
pub use operator::PasswordCredential;
pub use org_export::OrgExport;
pub use org_import::ImportedOrg;
pub use orgs::Me;
pub use progress::{DashboardItem, LessonState, ProgressResult};
pub use reports::{
    CourseReport, CourseReportItem, CourseSummary, OrgReportRow, RollupCheck, RollupMismatch,
};

use crate::clock::{Clock, SystemClock};
use crate::course::{Course, CourseOutline, OutlineModule};
use crate::enrollment::Enrollment;
use crate::error::{LmsError, StoreError};
use crate::ids::{CourseId, CourseRef, OrgId, UserId};
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
    /// Org ids by slug, for calls that skip the slug lookup (see `learner_path`).
    org_ids: Arc<std::sync::Mutex<HashMap<String, OrgId>>>,
    /// Quiz lessons by course version, for attempts graded on the learner's path.
    quizzes: Arc<std::sync::Mutex<quizzes::QuizCache>>,
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
    /// Exports streaming at once ([`Lms::with_concurrent_exports`]).
    export_slots: Arc<tokio::sync::Semaphore>,
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
            org_ids: Arc::default(),
            quizzes: Arc::default(),
            events: Arc::new(crate::feed::EventHub::new(DEFAULT_EVENT_POLL_INTERVAL)),
            outbox: Arc::default(),
            invitations_per_hour: invitations::DEFAULT_INVITATIONS_PER_HOUR,
            media_quota: crate::media::DEFAULT_MEDIA_QUOTA_BYTES,
            learner_file_quota: crate::assignment::DEFAULT_LEARNER_FILE_BYTES,
            export_slots: Arc::new(tokio::sync::Semaphore::new(
                exports::DEFAULT_CONCURRENT_EXPORTS,
            )),
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

    /// Where a call that has authorized its caller in `tx` reads rows that may lag a
    /// moment (report, export and catalog rows): a transaction on the store's replica in
    /// the org's scope, if it has one (ending `tx`), else `tx` itself — also when the
    /// replica cannot be reached, so that it being down costs only the primary's load.
    async fn lagging_rows(
        &self,
        tx: Box<dyn StoreTx>,
        org: OrgId,
        actor: &Actor,
    ) -> Result<Box<dyn StoreTx>, LmsError> {
        let mut replica = match self.store.begin_replica().await {
            Ok(Some(replica)) => replica,
            Ok(None) | Err(StoreError::Unavailable(_)) => return Ok(tx),
            Err(e) => return Err(e.into()),
        };
        drop(tx); // a read: nothing to commit
        replica
            .set_scope(TenantScope {
                org: Some(org),
                user: actor.user_id(),
            })
            .await?;
        Ok(replica)
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
#[derive(Clone)]
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
        self.remember_org(&scope.org);
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

    /// Runs `sweep` on every org, their ids read a page at a time: what each org's sweep
    /// gave, and the orgs whose sweep failed, with why — one org's trouble never holds the
    /// others back. `Err` only when the orgs cannot be listed.
    async fn each_org<T, Sweep>(
        &self,
        sweep: impl Fn(OrgId) -> Sweep,
    ) -> Result<(Vec<T>, Vec<(OrgId, LmsError)>), LmsError>
    where
        Sweep: std::future::Future<Output = Result<T, LmsError>>,
    {
        let (mut done, mut failed) = (Vec::new(), Vec::new());
        let mut page = crate::page::PageRequest::first(200);
        loop {
            let orgs = {
                let mut tx = self.store.begin(Access::Read).await?;
                tx.orgs(&page).await?
            };
            let orgs = crate::page::Page::from_rows(orgs, &page, |org| org.id.0);
            for org in orgs.items.into_iter().map(|org| org.id) {
                match sweep(org).await {
                    Ok(result) => done.push(result),
                    Err(error) => failed.push((org, error)),
                }
            }
            match orgs.next_cursor {
                Some(cursor) => {
                    page = crate::page::PageRequest::parse(Some(200), Some(&cursor))?;
                }
                None => return Ok((done, failed)),
            }
        }
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
mod tests;
