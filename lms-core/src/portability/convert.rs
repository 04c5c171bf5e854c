//! The format's records made from the domain's values (an export's direction).

use super::records::*;
use crate::assignment::{Attachment, Submission};
use crate::certificate::Certificate;
use crate::course::{Course, Lesson, Module};
use crate::discussion::Post;
use crate::enrollment::{Enrollment, LessonProgress};
use crate::invitation::Invitation;
use crate::media::{LearnerFile, MediaRecord};
use crate::org::{Membership, Org, User};
use crate::payment::{PaymentRecord, Subscription, SubscriptionVersion};
use crate::quiz::QuizAttempt;
use crate::release::Unlocked;
use crate::store::OrgRow;

impl From<&Org> for OrgEntry {
    fn from(o: &Org) -> Self {
        Self {
            id: o.id,
            slug: o.slug.clone(),
            name: o.name.clone(),
            settings: o.settings.clone(),
            membership_plan: o.membership_plan.clone(),
            created_at: o.created_at,
        }
    }
}

impl From<&User> for UserEntry {
    fn from(u: &User) -> Self {
        Self {
            id: u.id,
            email: u.email.clone(),
            name: u.name.clone(),
            avatar_url: u.avatar_url.clone(),
            email_verified: u.email_verified,
            external_id: u.external_id.clone(),
            created_at: u.created_at,
        }
    }
}

impl From<&Membership> for MemberEntry {
    fn from(m: &Membership) -> Self {
        Self {
            user_id: m.user_id,
            role: m.role,
            joined_at: m.joined_at,
        }
    }
}

impl From<&Invitation> for InvitationEntry {
    fn from(i: &Invitation) -> Self {
        Self {
            id: i.id,
            email: i.email.clone(),
            role: i.role,
            invited_by: i.invited_by.id,
            created_at: i.created_at,
            expires_at: i.expires_at,
        }
    }
}

impl From<&Course> for CourseEntry {
    fn from(c: &Course) -> Self {
        Self {
            id: c.id,
            slug: c.slug.clone(),
            title: c.title.clone(),
            description: c.description.clone(),
            status: c.status,
            price: c.price.clone(),
            owner_id: c.owner_id,
            metadata: c.metadata.clone(),
            prerequisites: c.prerequisites.clone(),
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

impl From<&Module> for ModuleEntry {
    fn from(m: &Module) -> Self {
        Self {
            id: m.id,
            course_id: m.course_id,
            title: m.title.clone(),
            position: m.position,
            release: m.release.clone(),
        }
    }
}

impl From<&Lesson> for LessonEntry {
    fn from(l: &Lesson) -> Self {
        let s = &l.summary;
        Self {
            id: s.id,
            course_id: s.course_id,
            module_id: s.module_id,
            title: s.title.clone(),
            kind: s.kind,
            position: s.position,
            content: l.content.to_inner_json(),
            duration_minutes: s.duration_minutes,
            free_preview: s.free_preview,
            required: s.required,
            release: s.release.clone(),
        }
    }
}

impl From<&MediaRecord> for MediaEntry {
    fn from(m: &MediaRecord) -> Self {
        Self {
            key: m.key.to_string(),
            course_id: m.course_id,
            size: m.size,
            created_at: m.created_at,
            learner_file: m
                .learner_file
                .as_ref()
                .map(|f: &LearnerFile| LearnerFileEntry {
                    uploaded_by: f.uploaded_by,
                    lesson_id: f.lesson_id,
                    submission_id: f.submission_id,
                }),
            sha256: m.sha256.as_ref().map(|digest| digest.as_str().to_owned()),
            file: None,
        }
    }
}

impl From<&Enrollment> for EnrollmentEntry {
    fn from(e: &Enrollment) -> Self {
        Self {
            id: e.id,
            user_id: e.user_id,
            course_id: e.course_id,
            source: e.source,
            status: e.status,
            revoked_reason: e.revoked_reason,
            enrolled_at: e.enrolled_at,
            completed_at: e.completed_at,
            last_activity_at: e.last_activity_at,
            unlocked: match &e.unlocked {
                Unlocked::Lessons(ids) if ids.is_empty() => None,
                unlocked => Some(unlocked.clone()),
            },
        }
    }
}

impl From<&LessonProgress> for ProgressEntry {
    fn from(p: &LessonProgress) -> Self {
        Self {
            user_id: p.user_id,
            course_id: p.course_id,
            lesson_id: p.lesson_id,
            status: p.status,
            percent: p.percent,
            position_seconds: p.position_seconds,
            completed_at: p.completed_at,
            updated_at: p.updated_at,
        }
    }
}

impl From<&QuizAttempt> for AttemptEntry {
    fn from(a: &QuizAttempt) -> Self {
        Self {
            id: a.id,
            user_id: a.user_id,
            course_id: a.course_id,
            lesson_id: a.lesson_id,
            attempt_number: a.attempt_number,
            score_percent: a.score_percent,
            passed: a.passed,
            answers: a.answers.clone(),
            submitted_at: a.submitted_at,
        }
    }
}

impl From<&Submission> for SubmissionEntry {
    fn from(s: &Submission) -> Self {
        Self {
            id: s.id,
            user_id: s.user_id,
            course_id: s.course_id,
            lesson_id: s.lesson_id,
            attempt_number: s.attempt_number,
            body: s.body.clone(),
            attachments: s
                .attachments
                .iter()
                .map(|a: &Attachment| AttachmentEntry {
                    media_key: a.media_key.clone(),
                    content_type: a.content_type.clone(),
                    size: a.size,
                })
                .collect(),
            status: s.status,
            score: s.score,
            max_score: s.max_score,
            pass_percent: s.pass_percent,
            passed: s.passed,
            feedback: s.feedback.clone(),
            submitted_at: s.submitted_at,
            graded_at: s.graded_at,
            graded_by: s.graded_by,
        }
    }
}

impl From<&Certificate> for CertificateEntry {
    fn from(c: &Certificate) -> Self {
        Self {
            code: c.code.clone(),
            user_id: c.user_id,
            course_id: c.course_id,
            learner_name: c.learner_name.clone(),
            course_title: c.course_title.clone(),
            org_name: c.org_name.clone(),
            issued_at: c.issued_at,
            revoked_at: c.revoked_at,
            revoked_reason: c.revoked_reason,
        }
    }
}

impl From<&Post> for PostEntry {
    fn from(p: &Post) -> Self {
        Self {
            id: p.id,
            course_id: p.course_id,
            lesson_id: p.lesson_id,
            author_id: p.author.id,
            parent_id: p.parent_id,
            body: p.body.clone(),
            hidden: p.hidden,
            created_at: p.created_at,
            edited_at: p.edited_at,
        }
    }
}

impl From<&PaymentRecord> for PaymentEntry {
    fn from(p: &PaymentRecord) -> Self {
        Self {
            id: p.id,
            user_id: p.user_id,
            course_id: p.course_id,
            kind: p.kind,
            reference: p.reference.clone(),
            amount: p.amount,
            currency: p.currency.clone(),
            event_id: p.event_id.clone(),
            created_at: p.created_at,
        }
    }
}

impl From<&Subscription> for SubscriptionEntry {
    fn from(s: &Subscription) -> Self {
        let v: &SubscriptionVersion = &s.version;
        Self {
            user_id: s.user_id,
            provider_id: s.provider_id.clone(),
            status: s.status,
            current_period_end: s.current_period_end,
            cancel_at_period_end: s.cancel_at_period_end,
            past_due_since: s.past_due_since,
            version: VersionEntry {
                event_created: v.event_created,
                object_updated: v.object_updated,
                is_final: v.is_final,
            },
        }
    }
}

impl From<OrgRow> for Record {
    fn from(row: OrgRow) -> Self {
        match row {
            OrgRow::Org(o) => Self::Org((&o).into()),
            OrgRow::User(u) => Self::User((&u).into()),
            OrgRow::Member(m) => Self::Member((&m).into()),
            OrgRow::Invitation(i) => Self::Invitation((&i).into()),
            OrgRow::Course(c) => Self::Course((&c).into()),
            OrgRow::Module(m) => Self::Module((&m).into()),
            OrgRow::Lesson(l) => Self::Lesson((&l).into()),
            OrgRow::Media(m) => Self::Media((&m).into()),
            OrgRow::Enrollment(e) => Self::Enrollment((&e).into()),
            OrgRow::Progress(p) => Self::Progress((&p).into()),
            OrgRow::QuizAttempt(a) => Self::QuizAttempt((&a).into()),
            OrgRow::Submission(s) => Self::Submission((&s).into()),
            OrgRow::Certificate(c) => Self::Certificate((&c).into()),
            OrgRow::Post(p) => Self::Post((&p).into()),
            OrgRow::Payment(p) => Self::Payment((&p).into()),
            OrgRow::Subscription(s) => Self::Subscription((&s).into()),
        }
    }
}
