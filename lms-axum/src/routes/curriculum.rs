//! A course's curriculum: its modules, their lessons, and their order.

use super::paths::{CoursePath, LessonPath, ModulePath};
use super::{Answer, created, no_content, ok};
use crate::AppState;
use crate::auth::CurrentActor;
use crate::error::ClientErrors;
use crate::extract::{ApiBase, Input, id};
use crate::views;
use axum::extract::{Path, State};
use lms_core::{CurriculumLayout, LessonPatch, ModuleInput, ModulePatch, NewLesson};
use serde_json::json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// `…/modules…`, `…/lessons/{lesson}` and `…/curriculum` of a course.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_module))
        .routes(routes!(update_module, delete_module))
        .routes(routes!(create_lesson))
        .routes(routes!(lesson, update_lesson, delete_lesson))
        .routes(routes!(reorder_curriculum))
}

#[utoipa::path(
    post,
    path = "/orgs/{org}/courses/{course}/modules",
    tag = "Curriculum",
    params(CoursePath),
    request_body = ModuleInput,
    responses((status = 201, description = "success", body = lms_core::Module), ClientErrors)
)]
async fn create_module(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(path): Path<CoursePath>,
    Input(input): Input<ModuleInput>,
) -> Answer {
    created(s.lms.create_module(&actor, path.course(), input).await?)
}

#[utoipa::path(
    patch,
    path = "/orgs/{org}/courses/{course}/modules/{module}",
    tag = "Curriculum",
    params(ModulePath),
    request_body = ModulePatch,
    responses((status = 200, description = "success", body = lms_core::Module), ClientErrors)
)]
async fn update_module(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(path): Path<ModulePath>,
    Input(input): Input<ModulePatch>,
) -> Answer {
    ok(s.lms
        .update_module(&actor, path.course(), id(&path.module, "module")?, input)
        .await?)
}

#[utoipa::path(
    delete,
    path = "/orgs/{org}/courses/{course}/modules/{module}",
    tag = "Curriculum",
    params(ModulePath),
    responses((status = 204, description = "done"), ClientErrors)
)]
async fn delete_module(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(path): Path<ModulePath>,
) -> Answer {
    s.lms
        .delete_module(&actor, path.course(), id(&path.module, "module")?)
        .await?;
    no_content()
}

#[utoipa::path(
    post,
    path = "/orgs/{org}/courses/{course}/modules/{module}/lessons",
    tag = "Curriculum",
    params(ModulePath),
    request_body = NewLesson,
    responses((status = 201, description = "the lesson with its content", body = crate::schemas::LessonBody), ClientErrors)
)]
async fn create_lesson(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    base: ApiBase,
    Path(path): Path<ModulePath>,
    Input(new): Input<NewLesson>,
) -> Answer {
    let lesson = s
        .lms
        .create_lesson(&actor, path.course(), id(&path.module, "module")?, new)
        .await?;
    created(crate::media::with_signed_url(json!(lesson), &s, &base))
}

#[utoipa::path(
    get,
    path = "/orgs/{org}/courses/{course}/lessons/{lesson}",
    tag = "Curriculum",
    params(LessonPath),
    responses((status = 200, description = "the lesson with `content` (no answer keys for learners)", body = crate::schemas::LessonBody), ClientErrors)
)]
async fn lesson(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    base: ApiBase,
    Path(path): Path<LessonPath>,
) -> Answer {
    let lesson = s
        .lms
        .lesson(&actor, path.course(), id(&path.lesson, "lesson")?)
        .await?;
    ok(crate::media::with_signed_url(json!(lesson), &s, &base))
}

#[utoipa::path(
    patch,
    path = "/orgs/{org}/courses/{course}/lessons/{lesson}",
    tag = "Curriculum",
    params(LessonPath),
    request_body = LessonPatch,
    responses((status = 200, description = "the lesson with its content", body = crate::schemas::LessonBody), ClientErrors)
)]
async fn update_lesson(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    base: ApiBase,
    Path(path): Path<LessonPath>,
    Input(patch): Input<LessonPatch>,
) -> Answer {
    let lesson = s
        .lms
        .update_lesson(&actor, path.course(), id(&path.lesson, "lesson")?, patch)
        .await?;
    ok(crate::media::with_signed_url(json!(lesson), &s, &base))
}

#[utoipa::path(
    delete,
    path = "/orgs/{org}/courses/{course}/lessons/{lesson}",
    tag = "Curriculum",
    params(LessonPath),
    responses((status = 204, description = "done"), ClientErrors)
)]
async fn delete_lesson(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(path): Path<LessonPath>,
) -> Answer {
    s.lms
        .delete_lesson(&actor, path.course(), id(&path.lesson, "lesson")?)
        .await?;
    no_content()
}

#[utoipa::path(
    put,
    path = "/orgs/{org}/courses/{course}/curriculum",
    tag = "Curriculum",
    params(CoursePath),
    request_body = CurriculumLayout,
    responses((status = 200, description = "success", body = lms_core::CourseOutline), ClientErrors)
)]
async fn reorder_curriculum(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(path): Path<CoursePath>,
    Input(layout): Input<CurriculumLayout>,
) -> Answer {
    ok(views::outline(
        &s.lms
            .reorder_curriculum(&actor, path.course(), layout)
            .await?,
        &path.org,
    ))
}
