//! Discussion routes: a lesson's posts, and editing, hiding or deleting one.

use super::paths::{LessonPath, PostPath};
use super::{Answer, QueryParams, created, no_content, ok};
use crate::AppState;
use crate::auth::CurrentActor;
use crate::error::{ClientErrors, Problem};
use crate::extract::{Input, id, page};
use axum::extract::{Path, Query, State};
use lms_core::{NewPost, PostPatch};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// A lesson's posts, and one post by its id.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(posts, create_post))
        .routes(routes!(update_post, delete_post))
}

#[utoipa::path(
    get,
    path = "/orgs/{org}/courses/{course}/lessons/{lesson}/posts",
    tag = "Discussions",
    params(LessonPath, ("limit" = Option<i64>, Query, description = "1..=200, default 50"), ("cursor" = Option<String>, Query, description = "next_cursor of the previous page")),
    responses((status = 200, description = "paginated posts and replies, oldest first", body = lms_core::Page<lms_core::Post>), ClientErrors)
)]
async fn posts(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(path): Path<LessonPath>,
    Query(query): QueryParams,
) -> Answer {
    let lesson = id(&path.lesson, "lesson")?;
    let page = page(&query)?;
    ok(s.lms.posts(&actor, path.course(), lesson, page).await?)
}

#[utoipa::path(
    post,
    path = "/orgs/{org}/courses/{course}/lessons/{lesson}/posts",
    tag = "Discussions",
    params(LessonPath),
    request_body = NewPost,
    responses((status = 201, description = "the post", body = lms_core::Post), (status = "4XX", description = "problem details (429 past the posting rate)", body = Problem, content_type = "application/problem+json"))
)]
async fn create_post(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(path): Path<LessonPath>,
    Input(new): Input<NewPost>,
) -> Answer {
    let lesson = id(&path.lesson, "lesson")?;
    let post = s
        .lms
        .create_post(&actor, path.course(), lesson, new)
        .await?;
    created(post)
}

#[utoipa::path(
    patch,
    path = "/orgs/{org}/courses/{course}/posts/{post}",
    tag = "Discussions",
    params(PostPath),
    request_body = PostPatch,
    responses((status = 200, description = "the post", body = lms_core::Post), ClientErrors)
)]
async fn update_post(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(path): Path<PostPath>,
    Input(patch): Input<PostPatch>,
) -> Answer {
    let post = id(&path.post, "post")?;
    ok(s.lms
        .update_post(&actor, path.course(), post, patch)
        .await?)
}

#[utoipa::path(
    delete,
    path = "/orgs/{org}/courses/{course}/posts/{post}",
    tag = "Discussions",
    params(PostPath),
    responses((status = 204, description = "deleted, with its replies"), ClientErrors)
)]
async fn delete_post(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(path): Path<PostPath>,
) -> Answer {
    let post = id(&path.post, "post")?;
    s.lms.delete_post(&actor, path.course(), post).await?;
    no_content()
}
