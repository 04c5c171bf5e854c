//! Discussion routes: a lesson's posts, and editing, hiding or deleting one.

use super::{Answer, QueryParams, created, no_content, ok};
use crate::AppState;
use crate::auth::Caller;
use crate::error::Problem;
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
    params(("org" = String, Path, description = "the org's slug"), ("course" = String, Path, description = "the course's id or slug"), ("lesson" = uuid::Uuid, Path), ("limit" = Option<i64>, Query, description = "1..=200, default 50"), ("cursor" = Option<String>, Query, description = "next_cursor of the previous page")),
    responses((status = 200, description = "paginated posts and replies, oldest first", body = Object), (status = "4XX", description = "problem details", body = Problem, content_type = "application/problem+json"))
)]
async fn posts(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path((org, course, lesson)): Path<(String, String, String)>,
    Query(query): QueryParams,
) -> Answer {
    let lesson = id(&lesson, "lesson")?;
    let page = page(&query)?;
    ok(s.lms.posts(&actor, &org, &course, lesson, page).await?)
}

#[utoipa::path(
    post,
    path = "/orgs/{org}/courses/{course}/lessons/{lesson}/posts",
    tag = "Discussions",
    params(("org" = String, Path, description = "the org's slug"), ("course" = String, Path, description = "the course's id or slug"), ("lesson" = uuid::Uuid, Path)),
    request_body = NewPost,
    responses((status = 201, description = "the post", body = lms_core::Post), (status = "4XX", description = "problem details (429 past the posting rate)", body = Problem, content_type = "application/problem+json"))
)]
async fn create_post(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path((org, course, lesson)): Path<(String, String, String)>,
    Input(new): Input<NewPost>,
) -> Answer {
    let lesson = id(&lesson, "lesson")?;
    let post = s
        .lms
        .create_post(&actor, &org, &course, lesson, new)
        .await?;
    created(post)
}

#[utoipa::path(
    patch,
    path = "/orgs/{org}/courses/{course}/posts/{post}",
    tag = "Discussions",
    params(("org" = String, Path, description = "the org's slug"), ("course" = String, Path, description = "the course's id or slug"), ("post" = uuid::Uuid, Path)),
    request_body = PostPatch,
    responses((status = 200, description = "the post", body = lms_core::Post), (status = "4XX", description = "problem details", body = Problem, content_type = "application/problem+json"))
)]
async fn update_post(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path((org, course, post)): Path<(String, String, String)>,
    Input(patch): Input<PostPatch>,
) -> Answer {
    let post = id(&post, "post")?;
    ok(s.lms
        .update_post(&actor, &org, &course, post, patch)
        .await?)
}

#[utoipa::path(
    delete,
    path = "/orgs/{org}/courses/{course}/posts/{post}",
    tag = "Discussions",
    params(("org" = String, Path, description = "the org's slug"), ("course" = String, Path, description = "the course's id or slug"), ("post" = uuid::Uuid, Path)),
    responses((status = 204, description = "deleted, with its replies"), (status = "4XX", description = "problem details", body = Problem, content_type = "application/problem+json"))
)]
async fn delete_post(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path((org, course, post)): Path<(String, String, String)>,
) -> Answer {
    let post = id(&post, "post")?;
    s.lms.delete_post(&actor, &org, &course, post).await?;
    no_content()
}
