//! Assignments: a learner's submissions, the course's grading queue, grading, and one
//! learner's drill-down for the course's owner and admins. (A learner's files are uploaded
//! with the media routes.)

use super::paths::{CoursePath, EnrollmentPath, LessonPath, SubmissionPath};
use super::{Answer, QueryParams, created, ok};
use crate::AppState;
use crate::auth::CurrentActor;
use crate::error::ClientErrors;
use crate::extract::{ApiBase, Input, id, page};
use crate::media::with_signed_attachments;
use axum::extract::{Path, Query, State};
use lms_core::{GradeInput, LmsError, NewSubmission, Page, Parsed, Submission, SubmissionStatus};
use serde_json::{Value, json};
use std::collections::HashMap;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// `…/lessons/{lesson}/submissions`, `…/submissions`, `…/submissions/{id}/grade` and
/// `…/learners/{user_id}` of a course.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(lesson_submissions, submit))
        .routes(routes!(grading_queue))
        .routes(routes!(grade))
        .routes(routes!(learner))
}

/// A submission as answered: its attachments with signed URLs.
fn view(submission: &Submission, s: &AppState, base: &ApiBase) -> Value {
    with_signed_attachments(json!(submission), s, base)
}

/// A page of submissions as answered.
fn page_view(page: Page<Submission>, s: &AppState, base: &ApiBase) -> Value {
    let items: Vec<Value> = page.items.iter().map(|i| view(i, s, base)).collect();
    json!({"items": items, "next_cursor": page.next_cursor})
}

/// `?status=submitted|graded`; another value is 422 naming the field, answered after the
/// service has checked who is asking.
fn status(q: &HashMap<String, String>) -> Parsed<Option<SubmissionStatus>> {
    match q.get("status") {
        None => Parsed::from(None),
        Some(value) => match SubmissionStatus::parse(value) {
            Some(status) => Parsed::from(Some(status)),
            None => Parsed::failed(LmsError::invalid("status", "must be submitted or graded")),
        },
    }
}

#[utoipa::path(
    post,
    path = "/orgs/{org}/courses/{course}/lessons/{lesson}/submissions",
    tag = "Assignments",
    params(LessonPath),
    request_body = NewSubmission,
    responses((status = 201, description = "the submission, awaiting grading", body = Submission), ClientErrors)
)]
async fn submit(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(path): Path<LessonPath>,
    base: ApiBase,
    Input(new): Input<NewSubmission>,
) -> Answer {
    let lesson = id(&path.lesson, "lesson")?;
    let submission = s
        .lms
        .submit_assignment(&actor, path.course(), lesson, new)
        .await?;
    created(view(&submission, &s, &base))
}

#[utoipa::path(
    get,
    path = "/orgs/{org}/courses/{course}/lessons/{lesson}/submissions",
    tag = "Assignments",
    params(LessonPath, ("status" = Option<String>, Query, description = "submitted or graded"), ("limit" = Option<i64>, Query, description = "1..=200, default 50"), ("cursor" = Option<String>, Query, description = "next_cursor of the previous page")),
    responses((status = 200, description = "newest first: mine, or (owner, admin) everyone's", body = Page<Submission>), ClientErrors)
)]
async fn lesson_submissions(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(path): Path<LessonPath>,
    base: ApiBase,
    Query(q): QueryParams,
) -> Answer {
    let lesson = id(&path.lesson, "lesson")?;
    let (status, page) = (status(&q), page(&q)?);
    let found = s
        .lms
        .lesson_submissions(&actor, path.course(), lesson, status, page)
        .await?;
    ok(page_view(found, &s, &base))
}

#[utoipa::path(
    get,
    path = "/orgs/{org}/courses/{course}/submissions",
    tag = "Assignments",
    params(CoursePath, ("status" = Option<String>, Query, description = "submitted (default) or graded"), ("limit" = Option<i64>, Query, description = "1..=200, default 50"), ("cursor" = Option<String>, Query, description = "next_cursor of the previous page")),
    responses((status = 200, description = "the course's grading queue, oldest first", body = Page<Submission>), ClientErrors)
)]
async fn grading_queue(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(path): Path<CoursePath>,
    base: ApiBase,
    Query(q): QueryParams,
) -> Answer {
    let (status, page) = (status(&q), page(&q)?);
    let found = s
        .lms
        .grading_queue(&actor, path.course(), status, page)
        .await?;
    ok(page_view(found, &s, &base))
}

#[utoipa::path(
    post,
    path = "/orgs/{org}/courses/{course}/submissions/{id}/grade",
    tag = "Assignments",
    params(SubmissionPath),
    request_body = GradeInput,
    responses((status = 200, description = "the graded submission", body = Submission), ClientErrors)
)]
async fn grade(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(path): Path<SubmissionPath>,
    base: ApiBase,
    Input(input): Input<GradeInput>,
) -> Answer {
    let submission = id(&path.id, "id")?;
    let graded = s
        .lms
        .grade_submission(&actor, path.course(), submission, input)
        .await?;
    ok(view(&graded, &s, &base))
}

#[utoipa::path(
    get,
    path = "/orgs/{org}/courses/{course}/learners/{user_id}",
    tag = "Progress",
    params(EnrollmentPath),
    responses((status = 200, description = "one learner's enrollment, progress, every lesson, latest attempts and submissions", body = lms_core::LearnerDetail), ClientErrors)
)]
async fn learner(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(path): Path<EnrollmentPath>,
    base: ApiBase,
) -> Answer {
    let user = id(&path.user_id, "user_id")?;
    let detail = s.lms.learner_detail(&actor, path.course(), user).await?;
    let mut answer = json!(detail);
    let submissions: Vec<Value> = detail
        .submissions
        .iter()
        .map(|item| view(item, &s, &base))
        .collect();
    answer["submissions"] = Value::Array(submissions);
    ok(answer)
}
