//! A mocked [`StoreTx`] for the service's orchestration tests (mockall cannot derive a
//! trait with supertraits, so every part is spelled out once here).

use super::*;
use crate::assignment::Submission;
use crate::certificate::{Certificate, CertificateCode};
use crate::course::{Course, CurriculumLayout, Lesson, Module, OutlineModule};
use crate::discussion::Post;
use crate::enrollment::{Enrollment, LessonProgress};
use crate::event::{Event, NewEvent, Notification};
use crate::ids::{
    CourseId, InvitationId, LessonId, ModuleId, NotificationId, PostId, SubmissionId,
};
use crate::invitation::{Invitation, InvitationStatus};
use crate::media::MediaRecord;
use crate::org::{Member, Membership, MembershipSummary, Org, Role, User};
use crate::page::PageRequest;
use crate::payment::{PaymentRecord, Subscription};
use crate::quiz::QuizAttempt;
use chrono::{DateTime, Utc};

mockall::mock! {
    pub StoreTx {}

    #[async_trait]
    impl StoreTx for StoreTx {
        async fn commit(self: Box<Self>) -> Result<(), StoreError>;

        async fn set_scope(&mut self, scope: TenantScope) -> Result<(), StoreError>;
    }

    #[async_trait]
    impl OrgTx for StoreTx {

        async fn insert_org(&mut self, org: &Org) -> Result<(), StoreError>;
        async fn org_by_slug(&mut self, slug: &str) -> Result<Option<Org>, StoreError>;
        async fn lock_org(&mut self, org: OrgId) -> Result<(), StoreError>;
        async fn update_org(&mut self, org: &Org) -> Result<(), StoreError>;
        async fn orgs(&mut self, page: &PageRequest) -> Result<Vec<Org>, StoreError>;
    }

    #[async_trait]
    impl MemberTx for StoreTx {

        async fn membership(
            &mut self,
            org: OrgId,
            user: UserId,
        ) -> Result<Option<Membership>, StoreError>;
        async fn memberships_of(&mut self, user: UserId) -> Result<Vec<MembershipSummary>, StoreError>;
        async fn insert_membership(&mut self, membership: &Membership) -> Result<(), StoreError>;
        async fn update_membership_role(
            &mut self,
            org: OrgId,
            user: UserId,
            role: Role,
        ) -> Result<(), StoreError>;
        async fn delete_membership(&mut self, org: OrgId, user: UserId) -> Result<(), StoreError>;
        async fn count_admins(&mut self, org: OrgId) -> Result<u32, StoreError>;
        async fn list_members(
            &mut self,
            org: OrgId,
            page: &PageRequest,
        ) -> Result<Vec<Member>, StoreError>;
    }

    #[async_trait]
    impl UserTx for StoreTx {
        async fn insert_users(&mut self, users: &[User]) -> Result<(), StoreError>;
        async fn insert_user(&mut self, user: &User) -> Result<(), StoreError>;
        async fn user(&mut self, id: UserId) -> Result<Option<User>, StoreError>;
        async fn user_by_email(&mut self, email: &str) -> Result<Option<User>, StoreError>;
        async fn user_by_external_id(&mut self, external_id: &str) -> Result<Option<User>, StoreError>;
        async fn insert_user_if_new(&mut self, user: &User) -> Result<bool, StoreError>;
        async fn update_user(&mut self, user: &User) -> Result<(), StoreError>;
        async fn lock_user(&mut self, id: UserId) -> Result<(), StoreError>;
    }

    #[async_trait]
    impl CourseTx for StoreTx {

        async fn insert_course(&mut self, course: &Course) -> Result<(), StoreError>;
        async fn update_course(&mut self, course: &Course) -> Result<(), StoreError>;
        async fn course<'k>(
            &mut self,
            org: OrgId,
            key: CourseKey<'k>,
        ) -> Result<Option<Course>, StoreError>;
        async fn course_context<'k>(
            &mut self,
            org: OrgId,
            key: CourseKey<'k>,
            user: Option<UserId>,
        ) -> Result<Option<CourseContext>, StoreError>;
        async fn touch_course(
            &mut self,
            course: CourseId,
            updated_at: DateTime<Utc>,
        ) -> Result<(), StoreError>;
        async fn lock_course(&mut self, course: CourseId) -> Result<(), StoreError>;
        async fn list_courses(
            &mut self,
            org: OrgId,
            filter: CourseFilter,
            page: &PageRequest,
        ) -> Result<Vec<Course>, StoreError>;
        async fn prerequisite_graph(
            &mut self,
            org: OrgId,
        ) -> Result<Vec<(CourseId, Vec<CourseId>)>, StoreError>;
    }

    #[async_trait]
    impl CurriculumTx for StoreTx {
        async fn outline(&mut self, course: CourseId) -> Result<Vec<OutlineModule>, StoreError>;
        async fn insert_module(&mut self, module: &Module) -> Result<(), StoreError>;
        async fn update_module(&mut self, module: &Module) -> Result<(), StoreError>;
        async fn delete_module(&mut self, module: ModuleId) -> Result<(), StoreError>;
        async fn lesson(
            &mut self,
            course: CourseId,
            lesson: LessonId,
        ) -> Result<Option<Lesson>, StoreError>;
        async fn lessons(&mut self, course: CourseId) -> Result<Vec<Lesson>, StoreError>;
        async fn insert_lesson(&mut self, lesson: &Lesson) -> Result<(), StoreError>;
        async fn update_lesson(&mut self, lesson: &Lesson) -> Result<(), StoreError>;
        async fn delete_lesson(&mut self, lesson: LessonId) -> Result<(), StoreError>;
        async fn apply_layout(
            &mut self,
            course: CourseId,
            layout: &CurriculumLayout,
        ) -> Result<(), StoreError>;
    }

    #[async_trait]
    impl EnrollmentTx for StoreTx {

        async fn enrollment(
            &mut self,
            user: UserId,
            course: CourseId,
        ) -> Result<Option<Enrollment>, StoreError>;
        async fn lock_enrollment(
            &mut self,
            user: UserId,
            course: CourseId,
        ) -> Result<Option<Enrollment>, StoreError>;
        async fn insert_enrollment(&mut self, enrollment: &Enrollment) -> Result<(), StoreError>;
        async fn insert_enrollments(&mut self, enrollments: &[Enrollment]) -> Result<(), StoreError>;
        async fn update_enrollment(&mut self, enrollment: &Enrollment) -> Result<(), StoreError>;
        async fn list_enrollments(
            &mut self,
            course: CourseId,
            page: &PageRequest,
        ) -> Result<Vec<Enrollment>, StoreError>;
        async fn enrollments_of(
            &mut self,
            user: UserId,
            page: &PageRequest,
        ) -> Result<Vec<EnrollmentWithCourse>, StoreError>;
    }

    #[async_trait]
    impl ProgressTx for StoreTx {
        async fn insert_progress_rows(&mut self, rows: &[LessonProgress]) -> Result<(), StoreError>;
        async fn course_progress_rows(
            &mut self,
            user: UserId,
            course: CourseId,
        ) -> Result<Vec<LessonProgress>, StoreError>;
        async fn progress_rows(
            &mut self,
            users: &[UserId],
            courses: &[CourseId],
        ) -> Result<Vec<LessonProgress>, StoreError>;
        async fn upsert_lesson_progress(&mut self, progress: &LessonProgress)
        -> Result<(), StoreError>;
        async fn recount_rollups(&mut self, course: CourseId) -> Result<(), StoreError>;
        async fn record_completions(
            &mut self,
            course: CourseId,
            threshold: u32,
            now: DateTime<Utc>,
        ) -> Result<Vec<UserId>, StoreError>;
        async fn learner_context<'k>(
            &mut self,
            org: OrgId,
            slug: &str,
            course: CourseKey<'k>,
            user: UserId,
            attempts_at: Option<LessonId>,
        ) -> Result<Option<LearnerContext>, StoreError>;
        async fn dashboard_page(
            &mut self,
            user: UserId,
            page: &PageRequest,
        ) -> Result<Vec<(EnrollmentWithCourse, Vec<LessonProgress>)>, StoreError>;
        async fn apply_learner_write(&mut self, write: &LearnerWrite) -> Result<bool, StoreError>;
    }

    #[async_trait]
    impl AssessmentTx for StoreTx {

        async fn insert_attempt(&mut self, attempt: &QuizAttempt) -> Result<(), StoreError>;
        async fn count_attempts(&mut self, user: UserId, lesson: LessonId) -> Result<u32, StoreError>;
        async fn list_attempts(
            &mut self,
            user: UserId,
            lesson: LessonId,
            page: &PageRequest,
        ) -> Result<Vec<QuizAttempt>, StoreError>;
        async fn recent_attempts(
            &mut self,
            user: UserId,
            course: CourseId,
            limit: u32,
        ) -> Result<Vec<QuizAttempt>, StoreError>;
    }

    #[async_trait]
    impl CertificateTx for StoreTx {

        async fn insert_certificate(&mut self, certificate: &Certificate) -> Result<bool, StoreError>;
        async fn certificate(
            &mut self,
            user: UserId,
            course: CourseId,
        ) -> Result<Option<Certificate>, StoreError>;
        async fn certificate_by_code(
            &mut self,
            code: &CertificateCode,
        ) -> Result<Option<Certificate>, StoreError>;
        async fn update_certificate(
            &mut self,
            certificate: &Certificate,
        ) -> Result<(), StoreError>;
    }

    #[async_trait]
    impl ReportTx for StoreTx {

        async fn report_rows(
            &mut self,
            course: CourseId,
            page: &PageRequest,
        ) -> Result<Vec<ReportRow>, StoreError>;
        async fn rollup_buckets(
            &mut self,
            courses: &[CourseId],
        ) -> Result<Vec<RollupBucket>, StoreError>;
        async fn required_totals(
            &mut self,
            courses: &[CourseId],
        ) -> Result<Vec<(CourseId, u32)>, StoreError>;
        async fn completions_per_day(
            &mut self,
            course: CourseId,
            since: DateTime<Utc>,
        ) -> Result<Vec<(chrono::NaiveDate, u64)>, StoreError>;
        fn into_export_rows(self: Box<Self>, course: CourseId) -> RowStream<ExportRow>;
    }

    #[async_trait]
    impl DiscussionTx for StoreTx {

        async fn insert_post(&mut self, post: &Post) -> Result<(), StoreError>;
        async fn post(&mut self, course: CourseId, post: PostId) -> Result<Option<Post>, StoreError>;
        async fn list_posts(
            &mut self,
            lesson: LessonId,
            page: &PageRequest,
        ) -> Result<Vec<Post>, StoreError>;
        async fn update_post(&mut self, post: &Post) -> Result<(), StoreError>;
        async fn delete_post(&mut self, post: PostId) -> Result<(), StoreError>;
        async fn count_posts_since(
            &mut self,
            user: UserId,
            since: DateTime<Utc>,
        ) -> Result<u32, StoreError>;
    }

    #[async_trait]
    impl EventTx for StoreTx {

        async fn append_event(&mut self, event: NewEvent) -> Result<(), StoreError>;
        async fn course_events(
            &mut self,
            course: CourseId,
            after: EventSeq,
            limit: u32,
        ) -> Result<Vec<Event>, StoreError>;
        async fn notifications_after(
            &mut self,
            user: UserId,
            after: EventSeq,
            limit: u32,
        ) -> Result<Vec<Notification>, StoreError>;
        async fn list_notifications(
            &mut self,
            user: UserId,
            page: &PageRequest,
        ) -> Result<Vec<Notification>, StoreError>;
        async fn mark_notifications_read<'a>(
            &mut self,
            user: UserId,
            ids: Option<&'a [NotificationId]>,
            at: DateTime<Utc>,
        ) -> Result<(), StoreError>;
        async fn rename_in_events(
            &mut self,
            org: OrgId,
            user: UserId,
            name: &str,
        ) -> Result<(), StoreError>;
    }

    #[async_trait]
    impl PaymentTx for StoreTx {

        async fn insert_payment_event(
            &mut self,
            event_id: &str,
            kind: &str,
            received_at: DateTime<Utc>,
        ) -> Result<bool, StoreError>;
        async fn insert_payment(&mut self, record: &PaymentRecord) -> Result<bool, StoreError>;
        async fn list_payments(
            &mut self,
            org: OrgId,
            page: &PageRequest,
        ) -> Result<Vec<PaymentRecord>, StoreError>;
        async fn subscription(
            &mut self,
            org: OrgId,
            user: UserId,
        ) -> Result<Option<Subscription>, StoreError>;
        async fn subscriptions_of(&mut self, user: UserId) -> Result<Vec<Subscription>, StoreError>;
        async fn upsert_subscription(&mut self, subscription: &Subscription) -> Result<(), StoreError>;
        async fn past_due_subscriptions(
            &mut self,
            org: OrgId,
            since_before: DateTime<Utc>,
        ) -> Result<Vec<Subscription>, StoreError>;
        async fn revoke_subscription_enrollments(
            &mut self,
            org: OrgId,
            user: UserId,
        ) -> Result<u64, StoreError>;
    }

    #[async_trait]
    impl MediaTx for StoreTx {
        async fn insert_media(&mut self, media: &MediaRecord) -> Result<(), StoreError>;
        async fn media(&mut self, org: OrgId, key: &str) -> Result<Option<MediaRecord>, StoreError>;
        async fn list_media(
            &mut self,
            course: CourseId,
            page: &PageRequest,
        ) -> Result<Vec<MediaRecord>, StoreError>;
        async fn delete_media(&mut self, org: OrgId, key: &str) -> Result<(), StoreError>;
        async fn media_bytes(&mut self, org: OrgId) -> Result<u64, StoreError>;
        async fn count_uploads(&mut self, user: UserId, lesson: LessonId) -> Result<u32, StoreError>;
        async fn learner_upload_bytes(
            &mut self,
            user: UserId,
            course: CourseId,
        ) -> Result<u64, StoreError>;
        async fn attach_media(
            &mut self,
            org: OrgId,
            keys: &[String],
            submission: SubmissionId,
        ) -> Result<u64, StoreError>;
        async fn delete_unattached(&mut self, org: OrgId, key: &str) -> Result<bool, StoreError>;
        async fn unattached_uploads(
            &mut self,
            org: OrgId,
            before: DateTime<Utc>,
        ) -> Result<Vec<MediaRecord>, StoreError>;
        async fn lessons_using_media(
            &mut self,
            org: OrgId,
            key: &str,
        ) -> Result<Vec<(CourseId, LessonId)>, StoreError>;
    }

    impl ExportTx for StoreTx {
        fn into_org_rows(self: Box<Self>, org: OrgId) -> RowStream<OrgRow>;
    }

    #[async_trait]
    impl SubmissionTx for StoreTx {
        async fn insert_submission(&mut self, submission: &Submission) -> Result<(), StoreError>;
        async fn update_submission(&mut self, submission: &Submission) -> Result<(), StoreError>;
        async fn submission(
            &mut self,
            course: CourseId,
            id: SubmissionId,
        ) -> Result<Option<Submission>, StoreError>;
        async fn submissions_of(
            &mut self,
            user: UserId,
            lesson: LessonId,
        ) -> Result<Vec<Submission>, StoreError>;
        async fn grading_context<'k>(
            &mut self,
            org: OrgId,
            slug: &str,
            course: CourseKey<'k>,
            grader: UserId,
            submission: SubmissionId,
        ) -> Result<Option<GradingContext>, StoreError>;
        async fn list_submissions(
            &mut self,
            filter: SubmissionFilter,
            page: &PageRequest,
        ) -> Result<Vec<Submission>, StoreError>;
    }

    #[async_trait]
    impl InvitationTx for StoreTx {
        async fn insert_invitation(
            &mut self,
            invitation: &Invitation,
            token_hash: &str,
        ) -> Result<(), StoreError>;
        async fn invitation(
            &mut self,
            org: OrgId,
            id: InvitationId,
        ) -> Result<Option<Invitation>, StoreError>;
        async fn invitation_to(
            &mut self,
            email: &str,
            id: InvitationId,
        ) -> Result<Option<Invitation>, StoreError>;
        async fn lock_invitation_by_token(
            &mut self,
            token_hash: &str,
        ) -> Result<Option<Invitation>, StoreError>;
        async fn pending_invitations_to(&mut self, email: &str)
        -> Result<Vec<Invitation>, StoreError>;
        async fn list_invitations(
            &mut self,
            org: OrgId,
            filter: &InvitationFilter,
            page: &PageRequest,
        ) -> Result<Vec<Invitation>, StoreError>;
        async fn answer_invitation(
            &mut self,
            id: InvitationId,
            status: InvitationStatus,
            at: DateTime<Utc>,
        ) -> Result<bool, StoreError>;
        async fn revoke_invitations_to(&mut self, org: OrgId, email: &str) -> Result<(), StoreError>;
        async fn orgs_that_invited(&mut self, email: &str) -> Result<Vec<OrgId>, StoreError>;
        async fn readdress_invitations(
            &mut self,
            org: OrgId,
            from: &str,
            to: &str,
        ) -> Result<(), StoreError>;
        async fn count_invitations_since(
            &mut self,
            org: OrgId,
            since: DateTime<Utc>,
        ) -> Result<u32, StoreError>;
    }
}
