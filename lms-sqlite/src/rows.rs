//! Rows → domain values. Columns hold the enums' `as_str` forms; anything else is corrupt.

use lms_core::course::{LessonContent, LessonKind, LessonSummary};
use lms_core::store::ReportRow;
use lms_core::{
    Certificate, CertificateCode, Course, CourseStatus, Enrollment, EnrollmentSource,
    EnrollmentStatus, Lesson, LessonProgress, LessonStatus, Member, Membership, Module, Org, Price,
    QuizAttempt, RevocationReason, Role, StoreError, User,
};
use lms_core::{PaymentKind, PaymentRecord, Subscription, SubscriptionStatus, SubscriptionVersion};
use sqlx::sqlite::SqliteRow;
use sqlx::{Decode, Row, Sqlite, Type};

fn get<'r, T: Decode<'r, Sqlite> + Type<Sqlite>>(
    row: &'r SqliteRow,
    column: &str,
) -> Result<T, StoreError> {
    row.try_get(column)
        .map_err(|e| StoreError::Corrupt(format!("column {column}: {e}")))
}

fn id<T: From<uuid::Uuid>>(row: &SqliteRow, column: &str) -> Result<T, StoreError> {
    get::<uuid::Uuid>(row, column).map(T::from)
}

fn parsed<T>(row: &SqliteRow, column: &str, parse: fn(&str) -> Option<T>) -> Result<T, StoreError> {
    let text: String = get(row, column)?;
    parse(&text)
        .ok_or_else(|| StoreError::Corrupt(format!("column {column}: unknown value {text:?}")))
}

fn json(row: &SqliteRow, column: &str) -> Result<serde_json::Value, StoreError> {
    let text: String = get(row, column)?;
    serde_json::from_str(&text).map_err(|e| StoreError::Corrupt(format!("column {column}: {e}")))
}

fn count(row: &SqliteRow, column: &str) -> Result<u32, StoreError> {
    let n: i64 = get(row, column)?;
    u32::try_from(n).map_err(|_| StoreError::Corrupt(format!("column {column}: {n} out of range")))
}

pub(crate) fn org(row: &SqliteRow) -> Result<Org, StoreError> {
    let plan: Option<String> = get(row, "membership_plan")?;
    let membership_plan = plan
        .map(|text| serde_json::from_str(&text))
        .transpose()
        .map_err(|e| StoreError::Corrupt(format!("column membership_plan: {e}")))?;
    Ok(Org {
        id: id(row, "id")?,
        slug: get(row, "slug")?,
        name: get(row, "name")?,
        settings: json(row, "settings")?,
        membership_plan,
        created_at: get(row, "created_at")?,
    })
}

pub(crate) fn user(row: &SqliteRow) -> Result<User, StoreError> {
    Ok(User {
        id: id(row, "id")?,
        email: get(row, "email")?,
        name: get(row, "name")?,
        created_at: get(row, "created_at")?,
    })
}

pub(crate) fn membership(row: &SqliteRow) -> Result<Membership, StoreError> {
    Ok(Membership {
        org_id: id(row, "org_id")?,
        user_id: id(row, "user_id")?,
        role: parsed(row, "role", Role::parse)?,
        joined_at: get(row, "joined_at")?,
    })
}

pub(crate) fn member(row: &SqliteRow) -> Result<Member, StoreError> {
    Ok(Member {
        user_id: id(row, "user_id")?,
        name: get(row, "name")?,
        email: get(row, "email")?,
        role: parsed(row, "role", Role::parse)?,
        joined_at: get(row, "joined_at")?,
    })
}

pub(crate) fn course(row: &SqliteRow) -> Result<Course, StoreError> {
    let amount: Option<i64> = get(row, "price_amount")?;
    let currency: Option<String> = get(row, "price_currency")?;
    Ok(Course {
        id: id(row, "id")?,
        org_id: id(row, "org_id")?,
        slug: get(row, "slug")?,
        title: get(row, "title")?,
        description: get(row, "description")?,
        status: parsed(row, "status", CourseStatus::parse)?,
        price: amount
            .zip(currency)
            .map(|(amount, currency)| Price { amount, currency }),
        owner_id: id(row, "owner_id")?,
        metadata: json(row, "metadata")?,
        created_at: get(row, "created_at")?,
        updated_at: get(row, "updated_at")?,
    })
}

pub(crate) fn module(row: &SqliteRow) -> Result<Module, StoreError> {
    Ok(Module {
        id: id(row, "id")?,
        course_id: id(row, "course_id")?,
        title: get(row, "title")?,
        position: count(row, "position")?,
    })
}

pub(crate) fn lesson_summary(row: &SqliteRow) -> Result<LessonSummary, StoreError> {
    let duration: Option<i64> = get(row, "duration_minutes")?;
    Ok(LessonSummary {
        id: id(row, "id")?,
        course_id: id(row, "course_id")?,
        module_id: id(row, "module_id")?,
        title: get(row, "title")?,
        kind: parsed(row, "kind", LessonKind::parse)?,
        position: count(row, "position")?,
        duration_minutes: duration.map(|d| d as u32),
        free_preview: get(row, "free_preview")?,
        required: get(row, "required")?,
    })
}

pub(crate) fn lesson(row: &SqliteRow) -> Result<Lesson, StoreError> {
    let summary = lesson_summary(row)?;
    let content = LessonContent::parse(summary.kind, json(row, "content")?)
        .map_err(|e| StoreError::Corrupt(format!("lesson {} content: {e}", summary.id)))?;
    Ok(Lesson { summary, content })
}

pub(crate) fn enrollment(row: &SqliteRow) -> Result<Enrollment, StoreError> {
    Ok(Enrollment {
        id: id(row, "id")?,
        user_id: id(row, "user_id")?,
        course_id: id(row, "course_id")?,
        source: parsed(row, "source", EnrollmentSource::parse)?,
        status: parsed(row, "status", EnrollmentStatus::parse)?,
        enrolled_at: get(row, "enrolled_at")?,
        completed_at: get(row, "completed_at")?,
        completed_required: count(row, "completed_required")?,
    })
}

pub(crate) fn report_row(row: &SqliteRow) -> Result<ReportRow, StoreError> {
    Ok(ReportRow {
        enrollment: enrollment(row)?,
        name: get(row, "name")?,
    })
}

pub(crate) fn lesson_progress(row: &SqliteRow) -> Result<LessonProgress, StoreError> {
    Ok(LessonProgress {
        user_id: id(row, "user_id")?,
        lesson_id: id(row, "lesson_id")?,
        course_id: id(row, "course_id")?,
        status: parsed(row, "status", LessonStatus::parse)?,
        percent: count(row, "percent")?.min(100) as u8,
        completed_at: get(row, "completed_at")?,
        updated_at: get(row, "updated_at")?,
    })
}

pub(crate) fn attempt(row: &SqliteRow) -> Result<QuizAttempt, StoreError> {
    Ok(QuizAttempt {
        id: id(row, "id")?,
        user_id: id(row, "user_id")?,
        lesson_id: id(row, "lesson_id")?,
        course_id: id(row, "course_id")?,
        attempt_number: count(row, "attempt_number")?,
        score_percent: count(row, "score_percent")?.min(100) as u8,
        passed: get(row, "passed")?,
        answers: json(row, "answers")?,
        submitted_at: get(row, "submitted_at")?,
    })
}

pub(crate) fn session(row: &SqliteRow) -> Result<lms_core::AuthSession, StoreError> {
    Ok(lms_core::AuthSession {
        token_hash: get(row, "token_hash")?,
        user_id: id(row, "user_id")?,
        created_at: get(row, "created_at")?,
        expires_at: get(row, "expires_at")?,
    })
}

pub(crate) fn all<T>(
    rows: Vec<SqliteRow>,
    decode: fn(&SqliteRow) -> Result<T, StoreError>,
) -> Result<Vec<T>, StoreError> {
    rows.iter().map(decode).collect()
}

pub(crate) fn u32_of(row: &SqliteRow, column: &str) -> Result<u32, StoreError> {
    count(row, column)
}

pub(crate) fn certificate(row: &SqliteRow) -> Result<Certificate, StoreError> {
    let reason: Option<String> = get(row, "revoked_reason")?;
    let revoked_reason = match reason {
        None => None,
        Some(text) => Some(RevocationReason::parse(&text).ok_or_else(|| {
            StoreError::Corrupt(format!("column revoked_reason: unknown value {text:?}"))
        })?),
    };
    Ok(Certificate {
        code: CertificateCode::from_stored(get(row, "code")?),
        user_id: id(row, "user_id")?,
        course_id: id(row, "course_id")?,
        org_id: id(row, "org_id")?,
        learner_name: get(row, "learner_name")?,
        course_title: get(row, "course_title")?,
        org_name: get(row, "org_name")?,
        issued_at: get(row, "issued_at")?,
        revoked_at: get(row, "revoked_at")?,
        revoked_reason,
    })
}

pub(crate) fn payment(row: &SqliteRow) -> Result<PaymentRecord, StoreError> {
    let course: Option<uuid::Uuid> = get(row, "course_id")?;
    Ok(PaymentRecord {
        id: id(row, "id")?,
        org_id: id(row, "org_id")?,
        user_id: id(row, "user_id")?,
        course_id: course.map(Into::into),
        kind: parsed(row, "kind", PaymentKind::parse)?,
        reference: get(row, "reference")?,
        amount: get(row, "amount")?,
        currency: get(row, "currency")?,
        event_id: get(row, "event_id")?,
        created_at: get(row, "created_at")?,
    })
}

pub(crate) fn subscription(row: &SqliteRow) -> Result<Subscription, StoreError> {
    Ok(Subscription {
        org_id: id(row, "org_id")?,
        user_id: id(row, "user_id")?,
        provider_id: get(row, "provider_id")?,
        status: parsed(row, "status", SubscriptionStatus::parse)?,
        current_period_end: get(row, "current_period_end")?,
        cancel_at_period_end: get(row, "cancel_at_period_end")?,
        past_due_since: get(row, "past_due_since")?,
        version: SubscriptionVersion {
            event_created: get(row, "event_created")?,
            object_updated: get(row, "object_updated")?,
            is_final: get(row, "is_final")?,
        },
    })
}

pub(crate) fn course_context(row: &SqliteRow) -> Result<lms_core::CourseContext, StoreError> {
    let role: Option<String> = get(row, "member_role")?;
    let role =
        match role {
            None => None,
            Some(text) => Some(Role::parse(&text).ok_or_else(|| {
                StoreError::Corrupt(format!("column role: unknown value {text:?}"))
            })?),
        };
    let enrollment_id: Option<uuid::Uuid> = get(row, "e_id")?;
    let enrollment = match enrollment_id {
        None => None,
        Some(enrollment_id) => Some(Enrollment {
            id: enrollment_id.into(),
            user_id: id(row, "e_user_id")?,
            course_id: id(row, "id")?,
            source: parsed(row, "e_source", EnrollmentSource::parse)?,
            status: parsed(row, "e_status", EnrollmentStatus::parse)?,
            enrolled_at: get(row, "e_enrolled_at")?,
            completed_at: get(row, "e_completed_at")?,
            completed_required: count(row, "e_completed_required")?,
        }),
    };
    Ok(lms_core::CourseContext {
        course: course(row)?,
        role,
        enrollment,
    })
}

pub(crate) fn post(row: &SqliteRow) -> Result<lms_core::Post, StoreError> {
    let parent: Option<uuid::Uuid> = get(row, "parent_id")?;
    Ok(lms_core::Post {
        id: id(row, "id")?,
        course_id: id(row, "course_id")?,
        lesson_id: id(row, "lesson_id")?,
        author: lms_core::Author {
            id: id(row, "author_id")?,
            name: get(row, "author_name")?,
        },
        body: get(row, "body")?,
        parent_id: parent.map(Into::into),
        created_at: get(row, "created_at")?,
        edited_at: get(row, "edited_at")?,
        hidden: get(row, "hidden")?,
    })
}

pub(crate) fn event(row: &SqliteRow) -> Result<lms_core::Event, StoreError> {
    Ok(lms_core::Event {
        seq: get(row, "seq")?,
        org_id: id(row, "org_id")?,
        course_id: id(row, "course_id")?,
        kind: parsed(row, "kind", lms_core::EventKind::parse)?,
        data: json(row, "data")?,
        created_at: get(row, "created_at")?,
    })
}

pub(crate) fn event_head(row: &SqliteRow) -> Result<lms_core::EventHead, StoreError> {
    let audience: Vec<uuid::Uuid> = serde_json::from_value(json(row, "audience")?)
        .map_err(|e| StoreError::Corrupt(format!("column audience: {e}")))?;
    Ok(lms_core::EventHead {
        seq: get(row, "seq")?,
        org_id: id(row, "org_id")?,
        course_id: id(row, "course_id")?,
        kind: parsed(row, "kind", lms_core::EventKind::parse)?,
        audience: audience.into_iter().map(Into::into).collect(),
    })
}

pub(crate) fn notification(row: &SqliteRow) -> Result<lms_core::Notification, StoreError> {
    Ok(lms_core::Notification {
        id: id(row, "id")?,
        seq: get(row, "seq")?,
        user_id: id(row, "user_id")?,
        kind: parsed(row, "kind", lms_core::NotificationKind::parse)?,
        course_id: id(row, "course_id")?,
        data: json(row, "data")?,
        created_at: get(row, "created_at")?,
        read_at: get(row, "read_at")?,
    })
}
