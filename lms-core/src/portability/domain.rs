//! The format's records made into the domain's values (an import's direction). What a
//! record does not carry comes from where the reader stands: the org every record belongs
//! to, and the names of users read earlier.

use super::records::*;
use crate::assignment::{Attachment, Submission};
use crate::certificate::Certificate;
use crate::course::{Course, Lesson, LessonContent, LessonSummary, Module};
use crate::discussion::{Author, Post};
use crate::enrollment::{Enrollment, LessonProgress};
use crate::ids::OrgId;
use crate::invitation::{Invitation, InvitationStatus, Inviter};
use crate::media::{LearnerFile, MediaKey, MediaRecord, Sha256Digest};
use crate::org::{Membership, Org, User};
use crate::payment::{PaymentRecord, Subscription, SubscriptionVersion};
use crate::quiz::QuizAttempt;
use crate::release::Unlocked;

impl OrgEntry {
    /// The org, its `settings.brand` checked as `PATCH /orgs/{org}` checks it: front ends
    /// put it into their pages.
    pub(super) fn into_org(mut self) -> Result<Org, String> {
        let mut errors = crate::error::ValidationErrors::default();
        crate::brand::check_brand(&mut self.settings, &mut errors);
        if let Some(problem) = errors.0.first() {
            return Err(format!("its {} {}", problem.field, problem.message));
        }
        Ok(Org {
            id: self.id,
            slug: self.slug,
            name: self.name,
            settings: self.settings,
            membership_plan: self.membership_plan,
            created_at: self.created_at,
        })
    }
}

impl UserEntry {
    pub(super) fn into_user(self) -> User {
        User {
            id: self.id,
            email: self.email,
            name: self.name,
            avatar_url: self.avatar_url,
            email_verified: self.email_verified,
            created_at: self.created_at,
            external_id: self.external_id,
        }
    }
}

impl MemberEntry {
    pub(super) fn into_membership(self, org: OrgId) -> Membership {
        Membership {
            org_id: org,
            user_id: self.user_id,
            role: self.role,
            joined_at: self.joined_at,
        }
    }
}

impl InvitationEntry {
    pub(super) fn into_invitation(self, org: &Org, inviter_name: String) -> Invitation {
        Invitation {
            id: self.id,
            org_id: org.id,
            org: org.slug.clone(),
            org_name: org.name.clone(),
            email: self.email,
            role: self.role,
            status: InvitationStatus::Pending,
            invited_by: Inviter {
                id: self.invited_by,
                name: inviter_name,
            },
            created_at: self.created_at,
            expires_at: self.expires_at,
        }
    }
}

impl CourseEntry {
    /// The course, without its prerequisites (they may name courses read later).
    pub(super) fn into_course(self, org: OrgId) -> Course {
        Course {
            id: self.id,
            org_id: org,
            slug: self.slug,
            title: self.title,
            description: self.description,
            status: self.status,
            price: self.price,
            owner_id: self.owner_id,
            metadata: self.metadata,
            prerequisites: Vec::new(),
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

impl ModuleEntry {
    pub(super) fn into_module(self) -> Module {
        Module {
            id: self.id,
            course_id: self.course_id,
            title: self.title,
            position: self.position,
            release: self.release,
        }
    }
}

impl LessonEntry {
    /// The lesson, its content checked as the curriculum routes check it.
    pub(super) fn into_lesson(self) -> Result<Lesson, String> {
        let content = LessonContent::parse(self.kind, self.content).map_err(|e| {
            format!(
                "its content does not fit a {} lesson: {e}",
                self.kind.as_str()
            )
        })?;
        Ok(Lesson {
            summary: LessonSummary {
                id: self.id,
                course_id: self.course_id,
                module_id: self.module_id,
                title: self.title,
                kind: self.kind,
                position: self.position,
                duration_minutes: self.duration_minutes,
                free_preview: self.free_preview,
                required: self.required,
                release: self.release,
            },
            content,
        })
    }
}

impl MediaEntry {
    /// The upload, without the submission its file is attached to (read later).
    pub(super) fn into_media(self) -> Result<MediaRecord, String> {
        let key =
            MediaKey::parse(&self.key).ok_or_else(|| format!("{} is not a media key", self.key))?;
        let sha256 = match &self.sha256 {
            Some(hex) => Some(Sha256Digest::parse(hex).ok_or_else(|| {
                format!("sha256 {hex:?} is not a SHA-256 digest (64 lower-case hex digits)")
            })?),
            None => None,
        };
        Ok(MediaRecord {
            key,
            course_id: self.course_id,
            size: self.size,
            created_at: self.created_at,
            learner_file: self.learner_file.map(|f| LearnerFile {
                uploaded_by: f.uploaded_by,
                lesson_id: f.lesson_id,
                submission_id: None,
            }),
            sha256,
        })
    }
}

impl EnrollmentEntry {
    /// The enrollment, its rollup at 0 until the import counts it from the progress rows.
    pub(super) fn into_enrollment(self) -> Enrollment {
        Enrollment {
            id: self.id,
            user_id: self.user_id,
            course_id: self.course_id,
            source: self.source,
            status: self.status,
            revoked_reason: self.revoked_reason,
            enrolled_at: self.enrolled_at,
            completed_at: self.completed_at,
            completed_required: 0,
            last_activity_at: self.last_activity_at,
            unlocked: self.unlocked.unwrap_or(Unlocked::Lessons(Vec::new())),
        }
    }
}

impl ProgressEntry {
    pub(super) fn into_progress(self) -> LessonProgress {
        LessonProgress {
            user_id: self.user_id,
            lesson_id: self.lesson_id,
            course_id: self.course_id,
            status: self.status,
            percent: self.percent,
            position_seconds: self.position_seconds,
            completed_at: self.completed_at,
            updated_at: self.updated_at,
        }
    }
}

impl AttemptEntry {
    pub(super) fn into_attempt(self) -> QuizAttempt {
        QuizAttempt {
            id: self.id,
            user_id: self.user_id,
            lesson_id: self.lesson_id,
            course_id: self.course_id,
            attempt_number: self.attempt_number,
            score_percent: self.score_percent,
            passed: self.passed,
            answers: self.answers,
            submitted_at: self.submitted_at,
        }
    }
}

impl SubmissionEntry {
    pub(super) fn into_submission(self) -> Submission {
        Submission {
            id: self.id,
            lesson_id: self.lesson_id,
            course_id: self.course_id,
            user_id: self.user_id,
            attempt_number: self.attempt_number,
            body: self.body,
            attachments: self
                .attachments
                .into_iter()
                .map(|a| Attachment {
                    media_key: a.media_key,
                    content_type: a.content_type,
                    size: a.size,
                    url: None,
                })
                .collect(),
            status: self.status,
            score: self.score,
            max_score: self.max_score,
            pass_percent: self.pass_percent,
            passed: self.passed,
            feedback: self.feedback,
            submitted_at: self.submitted_at,
            graded_at: self.graded_at,
            graded_by: self.graded_by,
        }
    }
}

impl CertificateEntry {
    pub(super) fn into_certificate(self, org: OrgId) -> Certificate {
        Certificate {
            code: self.code,
            user_id: self.user_id,
            course_id: self.course_id,
            org_id: org,
            learner_name: self.learner_name,
            course_title: self.course_title,
            org_name: self.org_name,
            issued_at: self.issued_at,
            revoked_at: self.revoked_at,
            revoked_reason: self.revoked_reason,
        }
    }
}

impl PostEntry {
    pub(super) fn into_post(self, author_name: String) -> Post {
        Post {
            id: self.id,
            course_id: self.course_id,
            lesson_id: self.lesson_id,
            author: Author {
                id: self.author_id,
                name: author_name,
            },
            body: self.body,
            parent_id: self.parent_id,
            created_at: self.created_at,
            edited_at: self.edited_at,
            hidden: self.hidden,
        }
    }
}

impl PaymentEntry {
    pub(super) fn into_payment(self, org: OrgId) -> PaymentRecord {
        PaymentRecord {
            id: self.id,
            org_id: org,
            user_id: self.user_id,
            course_id: self.course_id,
            kind: self.kind,
            reference: self.reference,
            amount: self.amount,
            currency: self.currency,
            event_id: self.event_id,
            created_at: self.created_at,
        }
    }
}

impl SubscriptionEntry {
    pub(super) fn into_subscription(self, org: OrgId) -> Subscription {
        Subscription {
            org_id: org,
            user_id: self.user_id,
            provider_id: self.provider_id,
            status: self.status,
            current_period_end: self.current_period_end,
            cancel_at_period_end: self.cancel_at_period_end,
            past_due_since: self.past_due_since,
            version: SubscriptionVersion {
                event_created: self.version.event_created,
                object_updated: self.version.object_updated,
                is_final: self.version.is_final,
            },
        }
    }
}
