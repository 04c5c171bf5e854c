//! A learner's way through a course: progress on lessons and the course, and quiz attempts.

use super::paths::{CoursePath, LessonPath};
use super::{Answer, QueryParams, created, ok};
use crate::AppState;
use crate::auth::CurrentActor;
use crate::error::ClientErrors;
use crate::extract::{Input, id, page};
use axum::extract::{Path, Query, State};
use lms_core::ProgressUpdate;
use serde::Deserialize;
use serde_json::Value;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// `…/lessons/{lesson}/progress`, `…/progress` and `…/lessons/{lesson}/attempts` of a course.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(record_progress))
        .routes(routes!(course_progress))
        .routes(routes!(lesson_states))
        .routes(routes!(attempts, submit_attempt))
}

#[utoipa::path(
    put,
    path = "/orgs/{org}/courses/{course}/lessons/{lesson}/progress",
    tag = "Progress",
    params(LessonPath),
    request_body = ProgressUpdate,
    responses((status = 200, description = "success", body = lms_core::ProgressResult), ClientErrors)
)]
async fn record_progress(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(path): Path<LessonPath>,
    Input(update): Input<ProgressUpdate>,
) -> Answer {
    ok(s.lms
        .record_progress(&actor, path.course(), id(&path.lesson, "lesson")?, update)
        .await?)
}

#[utoipa::path(
    get,
    path = "/orgs/{org}/courses/{course}/progress",
    tag = "Progress",
    params(CoursePath),
    responses((status = 200, description = "success", body = lms_core::CourseProgress), ClientErrors)
)]
async fn course_progress(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(path): Path<CoursePath>,
) -> Answer {
    ok(s.lms.course_progress(&actor, path.course()).await?)
}

/// Every lesson's state, as `GET …/progress/lessons` answers it.
#[derive(serde::Serialize, utoipa::ToSchema)]
struct LessonStates {
    items: Vec<lms_core::LessonState>,
}

#[utoipa::path(
    get,
    path = "/orgs/{org}/courses/{course}/progress/lessons",
    tag = "Progress",
    params(CoursePath),
    responses((status = 200, description = "every lesson in curriculum order, with the caller's progress and whether a release rule holds it", body = LessonStates), ClientErrors)
)]
async fn lesson_states(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(path): Path<CoursePath>,
) -> Answer {
    let items = s.lms.lesson_states(&actor, path.course()).await?;
    ok(LessonStates { items })
}

#[derive(Deserialize, utoipa::ToSchema)]
struct AttemptBody {
    answers: Value,
}

#[utoipa::path(
    post,
    path = "/orgs/{org}/courses/{course}/lessons/{lesson}/attempts",
    tag = "Quizzes",
    params(LessonPath),
    request_body = AttemptBody,
    responses((status = 201, description = "success", body = lms_core::QuizAttempt), ClientErrors)
)]
async fn submit_attempt(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(path): Path<LessonPath>,
    Input(body): Input<AttemptBody>,
) -> Answer {
    let answers = body.map(|b| b.answers);
    created(
        s.lms
            .submit_attempt(&actor, path.course(), id(&path.lesson, "lesson")?, answers)
            .await?,
    )
}

#[utoipa::path(
    get,
    path = "/orgs/{org}/courses/{course}/lessons/{lesson}/attempts",
    tag = "Quizzes",
    params(LessonPath, ("limit" = Option<i64>, Query, description = "1..=200, default 50"), ("cursor" = Option<String>, Query, description = "next_cursor of the previous page")),
    responses((status = 200, description = "success", body = lms_core::Page<lms_core::QuizAttempt>), ClientErrors)
)]
async fn attempts(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(path): Path<LessonPath>,
    Query(q): QueryParams,
) -> Answer {
    ok(s.lms
        .attempts(
            &actor,
            path.course(),
            id(&path.lesson, "lesson")?,
            page(&q)?,
        )
        .await?)
}
