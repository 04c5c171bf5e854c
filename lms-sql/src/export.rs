//! An org read whole, for its export: a statement per kind of stored value, in the export
//! format's order, each streamed as the database sends its rows and decoded by the
//! decoders every other statement uses.

use crate::invitations::invitation_sql;
use crate::row::SqlRow;
use crate::{Dialect, Query, SqlTx};
use futures_util::StreamExt;
use lms_core::store::{ExportTx, OrgRow, RowStream};
use lms_core::{OrgId, StoreError};

/// The kinds of stored value an export reads, in the format's order.
#[derive(Clone, Copy, Debug)]
enum Part {
    Org,
    User,
    Member,
    Invitation,
    Course,
    Module,
    Lesson,
    Media,
    Enrollment,
    Progress,
    QuizAttempt,
    Submission,
    Certificate,
    Post,
    Payment,
    Subscription,
}

/// Courses of the org `$1`: how rows without an `org_id` column of their own (SQLite keeps
/// none on them) are found.
macro_rules! of_org_courses {
    ($table:literal) => {
        concat!(
            "SELECT * FROM ",
            $table,
            " WHERE course_id IN (SELECT id FROM courses WHERE org_id = $1)"
        )
    };
}

/// Each part's statement (the org is `$1`). Every user another record names is read, so an
/// import finds each one it refers to; the progress rows come unordered, as stored, since
/// sorting millions of them would hold the first row back.
const PARTS: [(Part, &str); 16] = [
    (Part::Org, "SELECT * FROM orgs WHERE id = $1"),
    (
        Part::User,
        "SELECT * FROM users WHERE id IN (
             SELECT user_id FROM memberships WHERE org_id = $1
             UNION SELECT owner_id FROM courses WHERE org_id = $1
             UNION SELECT user_id FROM enrollments
                   WHERE course_id IN (SELECT id FROM courses WHERE org_id = $1)
             UNION SELECT graded_by FROM submissions
                   WHERE course_id IN (SELECT id FROM courses WHERE org_id = $1)
             UNION SELECT author_id FROM posts
                   WHERE course_id IN (SELECT id FROM courses WHERE org_id = $1)
             UNION SELECT user_id FROM certificates WHERE org_id = $1
             UNION SELECT user_id FROM payments WHERE org_id = $1
             UNION SELECT user_id FROM plan_subscriptions WHERE org_id = $1
             UNION SELECT invited_by FROM invitations WHERE org_id = $1 AND status = 'pending'
         ) ORDER BY id",
    ),
    (
        Part::Member,
        "SELECT * FROM memberships WHERE org_id = $1 ORDER BY user_id",
    ),
    (
        Part::Invitation,
        invitation_sql!("WHERE i.org_id = $1 AND i.status = 'pending' ORDER BY i.id"),
    ),
    (
        Part::Course,
        "SELECT * FROM courses WHERE org_id = $1 ORDER BY id",
    ),
    (
        Part::Module,
        concat!(of_org_courses!("modules"), " ORDER BY id"),
    ),
    (
        Part::Lesson,
        concat!(of_org_courses!("lessons"), " ORDER BY id"),
    ),
    // A learner's file outlives a deleted lesson and its submissions until the sweep takes
    // it: such leftovers are not the org's data, and would name records the file lacks.
    (
        Part::Media,
        "SELECT m.id, m.key, m.org_id, m.course_id, m.content_type, m.size, m.created_at,
                m.uploaded_by, m.lesson_id, m.sha256,
                (SELECT s.id FROM submissions s WHERE s.id = m.submission_id) AS submission_id
         FROM media m
         WHERE m.org_id = $1
           AND (m.lesson_id IS NULL OR m.lesson_id IN (
                    SELECT id FROM lessons
                    WHERE course_id IN (SELECT id FROM courses WHERE org_id = $1)))
         ORDER BY m.id",
    ),
    (
        Part::Enrollment,
        concat!(of_org_courses!("enrollments"), " ORDER BY id"),
    ),
    (Part::Progress, of_org_courses!("lesson_progress")),
    (
        Part::QuizAttempt,
        concat!(of_org_courses!("quiz_attempts"), " ORDER BY id"),
    ),
    (
        Part::Submission,
        concat!(of_org_courses!("submissions"), " ORDER BY id"),
    ),
    (
        Part::Certificate,
        "SELECT * FROM certificates WHERE org_id = $1 ORDER BY code",
    ),
    (
        Part::Post,
        "SELECT p.*, u.name AS author_name FROM posts p JOIN users u ON u.id = p.author_id
         WHERE p.course_id IN (SELECT id FROM courses WHERE org_id = $1) ORDER BY p.id",
    ),
    (
        Part::Payment,
        "SELECT * FROM payments WHERE org_id = $1 ORDER BY id",
    ),
    (
        Part::Subscription,
        "SELECT * FROM plan_subscriptions WHERE org_id = $1 ORDER BY user_id",
    ),
];

impl<C: Dialect> ExportTx for SqlTx<C> {
    fn into_org_rows(self: Box<Self>, org: OrgId) -> RowStream<OrgRow> {
        Box::pin(async_stream::try_stream! {
            let mut tx = self;
            for (part, sql) in PARTS {
                let mut rows = tx.conn.fetch_stream(Query::new(sql).bind(org.0));
                while let Some(row) = rows.next().await {
                    yield decode(part, &row?)?;
                }
            }
        })
    }
}

/// Reads a row of `part`'s statement.
fn decode(part: Part, row: &impl SqlRow) -> Result<OrgRow, StoreError> {
    Ok(match part {
        Part::Org => OrgRow::Org(crate::orgs::org(row)?),
        Part::User => OrgRow::User(crate::users::user(row)?),
        Part::Member => OrgRow::Member(crate::members::membership(row)?),
        Part::Invitation => OrgRow::Invitation(crate::invitations::invitation(row)?),
        Part::Course => OrgRow::Course(crate::courses::course(row)?),
        Part::Module => OrgRow::Module(crate::curriculum::module(row)?),
        Part::Lesson => OrgRow::Lesson(crate::curriculum::lesson(row)?),
        Part::Media => OrgRow::Media(crate::media::media(row)?),
        Part::Enrollment => OrgRow::Enrollment(crate::enrollments::enrollment(row)?),
        Part::Progress => OrgRow::Progress(crate::progress::lesson_progress(row)?),
        Part::QuizAttempt => OrgRow::QuizAttempt(crate::assessments::attempt(row)?),
        Part::Submission => OrgRow::Submission(crate::submissions::submission(row)?),
        Part::Certificate => OrgRow::Certificate(crate::certificates::certificate(row)?),
        Part::Post => OrgRow::Post(crate::discussions::post(row)?),
        Part::Payment => OrgRow::Payment(crate::payments::payment(row)?),
        Part::Subscription => OrgRow::Subscription(crate::payments::subscription(row)?),
    })
}
