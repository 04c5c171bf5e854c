//! The routes of the contract this crate serves, each a thin handler: parse, call the
//! service, shape the answer.

use crate::AppState;
use crate::auth::Caller;
use crate::certificates::ApiBase;
use crate::error::ApiError;
use crate::error::Problem;
use crate::extract::{Input, id, json_body, page, parse_json};
use crate::views;
use axum::Json;
use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use lms_core::{
    Actor, CoursePatch, CourseStatus, CurriculumLayout, LessonPatch, LmsError, ModuleInput,
    NewCourse, NewLesson, NewMember, NewOrg, OrgPatch, Parsed, ProgressUpdate, Role, UserId,
};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

type Answer = Result<Response, ApiError>;
type Query_ = Query<HashMap<String, String>>;

fn ok(value: impl serde::Serialize) -> Answer {
    Ok(Json(value).into_response())
}

fn created(value: impl serde::Serialize) -> Answer {
    Ok((StatusCode::CREATED, Json(value)).into_response())
}

fn no_content() -> Answer {
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Every route this crate serves, relative to where the host nests the router, each
/// registered together with its OpenAPI description.
pub fn all() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(health))
        .routes(routes!(me))
        .routes(routes!(my_courses))
        .routes(routes!(create_org))
        .routes(routes!(org, update_org))
        .routes(routes!(members, add_member))
        .routes(routes!(set_member_role, remove_member))
        .routes(routes!(courses, create_course))
        .routes(routes!(org_report))
        .routes(routes!(course_outline, update_course))
        .routes(routes!(create_module))
        .routes(routes!(update_module, delete_module))
        .routes(routes!(create_lesson))
        .routes(routes!(lesson, update_lesson, delete_lesson))
        .routes(routes!(reorder_curriculum))
        .routes(routes!(enrollments, enroll))
        .routes(routes!(revoke_enrollment))
        .routes(routes!(record_progress))
        .routes(routes!(course_progress))
        .routes(routes!(course_report))
        .routes(routes!(attempts, submit_attempt))
        .merge(crate::certificates::routes())
        .merge(crate::payments::routes())
        .merge(crate::discussions::routes())
        .merge(crate::events::routes())
        .merge(crate::media::routes())
}

/// `GET /openapi.json`.
pub fn openapi() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(openapi_document))
}

#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "Health",
    responses((status = 200, description = "the OpenAPI 3.1 document of these routes", body = Object))
)]
async fn openapi_document(State(s): State<AppState>) -> Answer {
    ok(s.openapi.get().cloned().unwrap_or_default())
}

/// The built-in sign-in's routes.
pub fn sign_in() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(sign_up))
        .routes(routes!(sign_in_user))
        .routes(routes!(sign_out))
}

fn builtin(s: &AppState) -> Result<&crate::BuiltInAuth, ApiError> {
    s.builtin
        .as_ref()
        .ok_or(ApiError(LmsError::NotFound("route")))
}

fn signed_in(auth: &crate::BuiltInAuth, status: StatusCode, signed_in: crate::SignedIn) -> Answer {
    let cookie = auth.cookie(&signed_in.token);
    let body = Json(json!({"user": signed_in.user, "token": signed_in.token}));
    Ok((status, [(axum::http::header::SET_COOKIE, cookie)], body).into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
struct SignUp {
    email: String,
    password: String,
    name: String,
}

#[utoipa::path(
    post,
    path = "/auth/sign-up",
    tag = "Auth",
    request_body = SignUp,
    responses((status = 201, description = "`{user, token}` and the session cookie", body = Object), (status = "4XX", description = "problem details", body = Problem, content_type = "application/problem+json"))
)]
async fn sign_up(State(s): State<AppState>, Input(body): Input<SignUp>) -> Answer {
    let auth = builtin(&s)?;
    let body = body.into_result()?;
    let new = lms_core::NewUser {
        email: body.email,
        name: body.name,
    };
    signed_in(
        auth,
        StatusCode::CREATED,
        auth.sign_up(new, &body.password).await?,
    )
}

#[derive(Deserialize, utoipa::ToSchema)]
struct SignIn {
    email: String,
    password: String,
}

#[utoipa::path(
    post,
    path = "/auth/sign-in",
    tag = "Auth",
    request_body = SignIn,
    responses((status = 200, description = "`{user, token}` and the session cookie", body = Object), (status = "4XX", description = "problem details", body = Problem, content_type = "application/problem+json"))
)]
async fn sign_in_user(
    State(s): State<AppState>,
    client: ClientAddr,
    Input(body): Input<SignIn>,
) -> Answer {
    let auth = builtin(&s)?;
    let body = body.into_result()?;
    let client = client.0.map(|ip| ip.to_string());
    signed_in(
        auth,
        StatusCode::OK,
        auth.sign_in(&body.email, &body.password, client.as_deref())
            .await?,
    )
}

#[utoipa::path(
    post,
    path = "/auth/sign-out",
    tag = "Auth",
    responses((status = 204, description = "done"), (status = "4XX", description = "problem details", body = Problem, content_type = "application/problem+json"))
)]
async fn sign_out(
    State(s): State<AppState>,
    Caller(actor): Caller,
    headers: axum::http::HeaderMap,
) -> Answer {
    let auth = builtin(&s)?;
    let (Actor::User(_), Some(token)) = (actor, crate::session_token(&headers)) else {
        return Err(ApiError(LmsError::Unauthenticated));
    };
    auth.sign_out(token).await?;
    Ok((
        StatusCode::NO_CONTENT,
        [(axum::http::header::SET_COOKIE, auth.expired_cookie())],
    )
        .into_response())
}

/// The client's address when the server was started with connect info.
struct ClientAddr(Option<std::net::IpAddr>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        let info = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>();
        Ok(ClientAddr(info.map(|c| c.0.ip())))
    }
}

#[utoipa::path(
    get,
    path = "/health",
    tag = "Health",
    responses((status = 200, description = "the store answers", body = Object), (status = 503, description = "the store does not answer", body = Problem), (status = "4XX", description = "problem details", body = Problem, content_type = "application/problem+json"))
)]
async fn health(State(s): State<AppState>) -> Answer {
    s.lms.health().await?;
    ok(json!({"status": "ok"}))
}

// ------------------------------------------------------------------ me

#[utoipa::path(
    get,
    path = "/me",
    tag = "Me",
    responses((status = 200, description = "success", body = lms_core::Me), (status = "4XX", description = "problem details", body = Problem, content_type = "application/problem+json"))
)]
async fn me(State(s): State<AppState>, Caller(actor): Caller) -> Answer {
    ok(s.lms.me(&actor).await?)
}

#[utoipa::path(
    get,
    path = "/me/courses",
    tag = "Me",
    params(("limit" = Option<i64>, Query, description = "1..=200, default 50"), ("cursor" = Option<String>, Query, description = "next_cursor of the previous page")),
    responses((status = 200, description = "my enrollments, each with `course` and `progress`", body = Object), (status = "4XX", description = "problem details", body = Problem, content_type = "application/problem+json"))
)]
async fn my_courses(State(s): State<AppState>, Caller(actor): Caller, Query(q): Query_) -> Answer {
    let page = s.lms.my_courses(&actor, page(&q)?).await?;
    ok(page.map(|item| views::dashboard_item(&item)))
}

// ------------------------------------------------------------------ orgs and members

#[utoipa::path(
    post,
    path = "/orgs",
    tag = "Orgs",
    request_body = NewOrg,
    responses((status = 201, description = "success", body = lms_core::Org), (status = "4XX", description = "problem details", body = Problem, content_type = "application/problem+json"))
)]
async fn create_org(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Input(new): Input<NewOrg>,
) -> Answer {
    created(views::org(&s.lms.create_org(&actor, new).await?))
}

#[utoipa::path(
    get,
    path = "/orgs/{org}",
    tag = "Orgs",
    params(("org" = String, Path, description = "the org's slug")),
    responses((status = 200, description = "success", body = lms_core::Org), (status = "4XX", description = "problem details", body = Problem, content_type = "application/problem+json"))
)]
async fn org(State(s): State<AppState>, Path(org): Path<String>) -> Answer {
    ok(views::org(&s.lms.org(&org).await?))
}

#[utoipa::path(
    patch,
    path = "/orgs/{org}",
    tag = "Orgs",
    params(("org" = String, Path, description = "the org's slug")),
    request_body = OrgPatch,
    responses((status = 200, description = "success", body = lms_core::Org), (status = "4XX", description = "problem details", body = Problem, content_type = "application/problem+json"))
)]
async fn update_org(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(org): Path<String>,
    Input(patch): Input<OrgPatch>,
) -> Answer {
    ok(views::org(&s.lms.update_org(&actor, &org, patch).await?))
}

#[utoipa::path(
    get,
    path = "/orgs/{org}/members",
    tag = "Orgs",
    params(("org" = String, Path, description = "the org's slug"), ("limit" = Option<i64>, Query, description = "1..=200, default 50"), ("cursor" = Option<String>, Query, description = "next_cursor of the previous page")),
    responses((status = 200, description = "success", body = lms_core::Page<lms_core::Member>), (status = "4XX", description = "problem details", body = Problem, content_type = "application/problem+json"))
)]
async fn members(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(org): Path<String>,
    Query(q): Query_,
) -> Answer {
    ok(s.lms.members(&actor, &org, page(&q)?).await?)
}

#[utoipa::path(
    post,
    path = "/orgs/{org}/members",
    tag = "Orgs",
    params(("org" = String, Path, description = "the org's slug")),
    request_body = NewMember,
    responses((status = 201, description = "success", body = lms_core::Member), (status = "4XX", description = "problem details", body = Problem, content_type = "application/problem+json"))
)]
async fn add_member(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(org): Path<String>,
    Input(new): Input<NewMember>,
) -> Answer {
    created(s.lms.add_member(&actor, &org, new).await?)
}

#[derive(Deserialize, utoipa::ToSchema)]
struct RoleBody {
    role: Role,
}

#[utoipa::path(
    put,
    path = "/orgs/{org}/members/{user_id}",
    tag = "Orgs",
    params(("org" = String, Path, description = "the org's slug"), ("user_id" = uuid::Uuid, Path)),
    request_body = RoleBody,
    responses((status = 200, description = "success", body = lms_core::Member), (status = "4XX", description = "problem details", body = Problem, content_type = "application/problem+json"))
)]
async fn set_member_role(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path((org, user)): Path<(String, String)>,
    Input(body): Input<RoleBody>,
) -> Answer {
    let user: UserId = id(&user, "user_id")?;
    ok(s.lms
        .set_member_role(&actor, &org, user, body.map(|b| b.role))
        .await?)
}

#[utoipa::path(
    delete,
    path = "/orgs/{org}/members/{user_id}",
    tag = "Orgs",
    params(("org" = String, Path, description = "the org's slug"), ("user_id" = uuid::Uuid, Path)),
    responses((status = 204, description = "done"), (status = "4XX", description = "problem details", body = Problem, content_type = "application/problem+json"))
)]
async fn remove_member(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path((org, user)): Path<(String, String)>,
) -> Answer {
    s.lms
        .remove_member(&actor, &org, id(&user, "user_id")?)
        .await?;
    no_content()
}

// ------------------------------------------------------------------ catalog and curriculum

#[utoipa::path(
    get,
    path = "/orgs/{org}/courses",
    tag = "Catalog",
    params(("org" = String, Path, description = "the org's slug"), ("status" = Option<lms_core::CourseStatus>, Query), ("limit" = Option<i64>, Query, description = "1..=200, default 50"), ("cursor" = Option<String>, Query, description = "next_cursor of the previous page")),
    responses((status = 200, description = "success", body = lms_core::Page<lms_core::Course>), (status = "4XX", description = "problem details", body = Problem, content_type = "application/problem+json"))
)]
async fn courses(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(org): Path<String>,
    Query(q): Query_,
) -> Answer {
    let status = match q.get("status").map(String::as_str) {
        None => None,
        Some(text) => Some(CourseStatus::parse(text).ok_or_else(|| {
            ApiError(LmsError::Malformed(
                "status must be draft, published or archived".into(),
            ))
        })?),
    };
    let page = s.lms.courses(&actor, &org, status, page(&q)?).await?;
    ok(page.map(|c| views::course(&c, &org)))
}

#[utoipa::path(
    post,
    path = "/orgs/{org}/courses",
    tag = "Catalog",
    params(("org" = String, Path, description = "the org's slug")),
    request_body = NewCourse,
    responses((status = 201, description = "success", body = lms_core::Course), (status = "4XX", description = "problem details", body = Problem, content_type = "application/problem+json"))
)]
async fn create_course(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(org): Path<String>,
    Input(new): Input<NewCourse>,
) -> Answer {
    created(views::course(
        &s.lms.create_course(&actor, &org, new).await?,
        &org,
    ))
}

#[utoipa::path(
    get,
    path = "/orgs/{org}/courses/{course}",
    tag = "Catalog",
    params(("org" = String, Path, description = "the org's slug"), ("course" = String, Path, description = "the course's id or slug")),
    responses((status = 200, description = "success", body = lms_core::CourseOutline), (status = "4XX", description = "problem details", body = Problem, content_type = "application/problem+json"))
)]
async fn course_outline(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path((org, course)): Path<(String, String)>,
) -> Answer {
    ok(views::outline(
        &s.lms.course(&actor, &org, &course).await?,
        &org,
    ))
}

#[utoipa::path(
    patch,
    path = "/orgs/{org}/courses/{course}",
    tag = "Catalog",
    params(("org" = String, Path, description = "the org's slug"), ("course" = String, Path, description = "the course's id or slug")),
    request_body = CoursePatch,
    responses((status = 200, description = "success", body = lms_core::Course), (status = "4XX", description = "problem details", body = Problem, content_type = "application/problem+json"))
)]
async fn update_course(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path((org, course)): Path<(String, String)>,
    Input(patch): Input<CoursePatch>,
) -> Answer {
    ok(views::course(
        &s.lms.update_course(&actor, &org, &course, patch).await?,
        &org,
    ))
}

#[utoipa::path(
    post,
    path = "/orgs/{org}/courses/{course}/modules",
    tag = "Curriculum",
    params(("org" = String, Path, description = "the org's slug"), ("course" = String, Path, description = "the course's id or slug")),
    request_body = ModuleInput,
    responses((status = 201, description = "success", body = lms_core::Module), (status = "4XX", description = "problem details", body = Problem, content_type = "application/problem+json"))
)]
async fn create_module(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path((org, course)): Path<(String, String)>,
    Input(input): Input<ModuleInput>,
) -> Answer {
    created(s.lms.create_module(&actor, &org, &course, input).await?)
}

#[utoipa::path(
    patch,
    path = "/orgs/{org}/courses/{course}/modules/{module}",
    tag = "Curriculum",
    params(("org" = String, Path, description = "the org's slug"), ("course" = String, Path, description = "the course's id or slug"), ("module" = uuid::Uuid, Path)),
    request_body = ModuleInput,
    responses((status = 200, description = "success", body = lms_core::Module), (status = "4XX", description = "problem details", body = Problem, content_type = "application/problem+json"))
)]
async fn update_module(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path((org, course, module)): Path<(String, String, String)>,
    Input(input): Input<ModuleInput>,
) -> Answer {
    ok(s.lms
        .update_module(&actor, &org, &course, id(&module, "module")?, input)
        .await?)
}

#[utoipa::path(
    delete,
    path = "/orgs/{org}/courses/{course}/modules/{module}",
    tag = "Curriculum",
    params(("org" = String, Path, description = "the org's slug"), ("course" = String, Path, description = "the course's id or slug"), ("module" = uuid::Uuid, Path)),
    responses((status = 204, description = "done"), (status = "4XX", description = "problem details", body = Problem, content_type = "application/problem+json"))
)]
async fn delete_module(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path((org, course, module)): Path<(String, String, String)>,
) -> Answer {
    s.lms
        .delete_module(&actor, &org, &course, id(&module, "module")?)
        .await?;
    no_content()
}

#[utoipa::path(
    post,
    path = "/orgs/{org}/courses/{course}/modules/{module}/lessons",
    tag = "Curriculum",
    params(("org" = String, Path, description = "the org's slug"), ("course" = String, Path, description = "the course's id or slug"), ("module" = uuid::Uuid, Path)),
    request_body = NewLesson,
    responses((status = 201, description = "the lesson with its content", body = Object), (status = "4XX", description = "problem details", body = Problem, content_type = "application/problem+json"))
)]
async fn create_lesson(
    State(s): State<AppState>,
    Caller(actor): Caller,
    base: ApiBase,
    Path((org, course, module)): Path<(String, String, String)>,
    Input(new): Input<NewLesson>,
) -> Answer {
    let lesson = s
        .lms
        .create_lesson(&actor, &org, &course, id(&module, "module")?, new)
        .await?;
    created(crate::media::with_signed_url(json!(lesson), &s, &base))
}

#[utoipa::path(
    get,
    path = "/orgs/{org}/courses/{course}/lessons/{lesson}",
    tag = "Curriculum",
    params(("org" = String, Path, description = "the org's slug"), ("course" = String, Path, description = "the course's id or slug"), ("lesson" = uuid::Uuid, Path)),
    responses((status = 200, description = "the lesson with `content` (no answer keys for learners)", body = Object), (status = "4XX", description = "problem details", body = Problem, content_type = "application/problem+json"))
)]
async fn lesson(
    State(s): State<AppState>,
    Caller(actor): Caller,
    base: ApiBase,
    Path((org, course, lesson)): Path<(String, String, String)>,
) -> Answer {
    let lesson = s
        .lms
        .lesson(&actor, &org, &course, id(&lesson, "lesson")?)
        .await?;
    ok(crate::media::with_signed_url(json!(lesson), &s, &base))
}

#[utoipa::path(
    patch,
    path = "/orgs/{org}/courses/{course}/lessons/{lesson}",
    tag = "Curriculum",
    params(("org" = String, Path, description = "the org's slug"), ("course" = String, Path, description = "the course's id or slug"), ("lesson" = uuid::Uuid, Path)),
    request_body = LessonPatch,
    responses((status = 200, description = "the lesson with its content", body = Object), (status = "4XX", description = "problem details", body = Problem, content_type = "application/problem+json"))
)]
async fn update_lesson(
    State(s): State<AppState>,
    Caller(actor): Caller,
    base: ApiBase,
    Path((org, course, lesson)): Path<(String, String, String)>,
    Input(patch): Input<LessonPatch>,
) -> Answer {
    let lesson = s
        .lms
        .update_lesson(&actor, &org, &course, id(&lesson, "lesson")?, patch)
        .await?;
    ok(crate::media::with_signed_url(json!(lesson), &s, &base))
}

#[utoipa::path(
    delete,
    path = "/orgs/{org}/courses/{course}/lessons/{lesson}",
    tag = "Curriculum",
    params(("org" = String, Path, description = "the org's slug"), ("course" = String, Path, description = "the course's id or slug"), ("lesson" = uuid::Uuid, Path)),
    responses((status = 204, description = "done"), (status = "4XX", description = "problem details", body = Problem, content_type = "application/problem+json"))
)]
async fn delete_lesson(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path((org, course, lesson)): Path<(String, String, String)>,
) -> Answer {
    s.lms
        .delete_lesson(&actor, &org, &course, id(&lesson, "lesson")?)
        .await?;
    no_content()
}

#[utoipa::path(
    put,
    path = "/orgs/{org}/courses/{course}/curriculum",
    tag = "Curriculum",
    params(("org" = String, Path, description = "the org's slug"), ("course" = String, Path, description = "the course's id or slug")),
    request_body = CurriculumLayout,
    responses((status = 200, description = "success", body = lms_core::CourseOutline), (status = "4XX", description = "problem details", body = Problem, content_type = "application/problem+json"))
)]
async fn reorder_curriculum(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path((org, course)): Path<(String, String)>,
    Input(layout): Input<CurriculumLayout>,
) -> Answer {
    ok(views::outline(
        &s.lms
            .reorder_curriculum(&actor, &org, &course, layout)
            .await?,
        &org,
    ))
}

// ------------------------------------------------------------------ enrollment and progress

#[derive(Deserialize, utoipa::ToSchema)]
struct EnrollBody {
    user_id: Option<UserId>,
}

#[utoipa::path(
    post,
    path = "/orgs/{org}/courses/{course}/enrollments",
    tag = "Enrollment",
    params(("org" = String, Path, description = "the org's slug"), ("course" = String, Path, description = "the course's id or slug")),
    request_body = Option<EnrollBody>,
    responses((status = 201, description = "success", body = lms_core::Enrollment), (status = "4XX", description = "problem details", body = Problem, content_type = "application/problem+json"))
)]
/// `POST …/enrollments`: without a body the caller enrolls; with `{user_id}` an owner or
/// admin enrolls that user.
async fn enroll(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path((org, course)): Path<(String, String)>,
    request: Request,
) -> Answer {
    let has_body = request
        .headers()
        .contains_key(axum::http::header::CONTENT_TYPE)
        || request
            .headers()
            .get(axum::http::header::CONTENT_LENGTH)
            .is_some_and(|v| v != "0");
    let body: Option<Parsed<Option<UserId>>> = if has_body {
        let parsed = match json_body(request, &s)
            .await
            .and_then(|bytes| parse_json::<EnrollBody>(&bytes))
        {
            Ok(body) => Parsed::from(body.user_id),
            Err(error) => Parsed::failed(error),
        };
        Some(parsed)
    } else {
        None
    };
    let enrollment = match body.map(|b| b.into_result()) {
        None | Some(Ok(None)) => s.lms.enroll(&actor, &org, &course).await?,
        Some(Ok(Some(user))) => s.lms.enroll_user(&actor, &org, &course, user).await?,
        Some(Err(error)) => {
            s.lms
                .enroll_user(&actor, &org, &course, Parsed::failed(error))
                .await?
        }
    };
    created(enrollment)
}

#[utoipa::path(
    get,
    path = "/orgs/{org}/courses/{course}/enrollments",
    tag = "Enrollment",
    params(("org" = String, Path, description = "the org's slug"), ("course" = String, Path, description = "the course's id or slug"), ("limit" = Option<i64>, Query, description = "1..=200, default 50"), ("cursor" = Option<String>, Query, description = "next_cursor of the previous page")),
    responses((status = 200, description = "success", body = lms_core::Page<lms_core::Enrollment>), (status = "4XX", description = "problem details", body = Problem, content_type = "application/problem+json"))
)]
async fn enrollments(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path((org, course)): Path<(String, String)>,
    Query(q): Query_,
) -> Answer {
    ok(s.lms.enrollments(&actor, &org, &course, page(&q)?).await?)
}

#[utoipa::path(
    delete,
    path = "/orgs/{org}/courses/{course}/enrollments/{user_id}",
    tag = "Enrollment",
    params(("org" = String, Path, description = "the org's slug"), ("course" = String, Path, description = "the course's id or slug"), ("user_id" = uuid::Uuid, Path)),
    responses((status = 204, description = "done"), (status = "4XX", description = "problem details", body = Problem, content_type = "application/problem+json"))
)]
async fn revoke_enrollment(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path((org, course, user)): Path<(String, String, String)>,
) -> Answer {
    s.lms
        .revoke_enrollment(&actor, &org, &course, id(&user, "user_id")?)
        .await?;
    no_content()
}

#[utoipa::path(
    put,
    path = "/orgs/{org}/courses/{course}/lessons/{lesson}/progress",
    tag = "Progress",
    params(("org" = String, Path, description = "the org's slug"), ("course" = String, Path, description = "the course's id or slug"), ("lesson" = uuid::Uuid, Path)),
    request_body = ProgressUpdate,
    responses((status = 200, description = "success", body = lms_core::ProgressResult), (status = "4XX", description = "problem details", body = Problem, content_type = "application/problem+json"))
)]
async fn record_progress(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path((org, course, lesson)): Path<(String, String, String)>,
    Input(update): Input<ProgressUpdate>,
) -> Answer {
    ok(s.lms
        .record_progress(&actor, &org, &course, id(&lesson, "lesson")?, update)
        .await?)
}

#[utoipa::path(
    get,
    path = "/orgs/{org}/courses/{course}/progress",
    tag = "Progress",
    params(("org" = String, Path, description = "the org's slug"), ("course" = String, Path, description = "the course's id or slug")),
    responses((status = 200, description = "success", body = lms_core::CourseProgress), (status = "4XX", description = "problem details", body = Problem, content_type = "application/problem+json"))
)]
async fn course_progress(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path((org, course)): Path<(String, String)>,
) -> Answer {
    ok(s.lms.course_progress(&actor, &org, &course).await?)
}

#[utoipa::path(
    get,
    path = "/orgs/{org}/courses/{course}/report",
    tag = "Progress",
    params(("org" = String, Path, description = "the org's slug"), ("course" = String, Path, description = "the course's id or slug"), ("limit" = Option<i64>, Query, description = "1..=200, default 50"), ("cursor" = Option<String>, Query, description = "next_cursor of the previous page")),
    responses((status = 200, description = "success", body = lms_core::CourseReport), (status = "4XX", description = "problem details", body = Problem, content_type = "application/problem+json"))
)]
async fn course_report(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path((org, course)): Path<(String, String)>,
    Query(q): Query_,
) -> Answer {
    ok(s.lms
        .course_report(&actor, &org, &course, page(&q)?)
        .await?)
}

#[utoipa::path(
    get,
    path = "/orgs/{org}/reports/courses",
    tag = "Progress",
    params(("org" = String, Path, description = "the org's slug"), ("limit" = Option<i64>, Query, description = "1..=200, default 50"), ("cursor" = Option<String>, Query, description = "next_cursor of the previous page")),
    responses((status = 200, description = "success", body = lms_core::Page<lms_core::OrgReportRow>), (status = "4XX", description = "problem details", body = Problem, content_type = "application/problem+json"))
)]
async fn org_report(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(org): Path<String>,
    Query(q): Query_,
) -> Answer {
    ok(s.lms.org_report(&actor, &org, page(&q)?).await?)
}

// ------------------------------------------------------------------ quizzes

#[derive(Deserialize, utoipa::ToSchema)]
struct AttemptBody {
    answers: Value,
}

#[utoipa::path(
    post,
    path = "/orgs/{org}/courses/{course}/lessons/{lesson}/attempts",
    tag = "Quizzes",
    params(("org" = String, Path, description = "the org's slug"), ("course" = String, Path, description = "the course's id or slug"), ("lesson" = uuid::Uuid, Path)),
    request_body = AttemptBody,
    responses((status = 201, description = "success", body = lms_core::QuizAttempt), (status = "4XX", description = "problem details", body = Problem, content_type = "application/problem+json"))
)]
async fn submit_attempt(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path((org, course, lesson)): Path<(String, String, String)>,
    Input(body): Input<AttemptBody>,
) -> Answer {
    let answers = body.map(|b| b.answers);
    created(
        s.lms
            .submit_attempt(&actor, &org, &course, id(&lesson, "lesson")?, answers)
            .await?,
    )
}

#[utoipa::path(
    get,
    path = "/orgs/{org}/courses/{course}/lessons/{lesson}/attempts",
    tag = "Quizzes",
    params(("org" = String, Path, description = "the org's slug"), ("course" = String, Path, description = "the course's id or slug"), ("lesson" = uuid::Uuid, Path), ("limit" = Option<i64>, Query, description = "1..=200, default 50"), ("cursor" = Option<String>, Query, description = "next_cursor of the previous page")),
    responses((status = 200, description = "success", body = lms_core::Page<lms_core::QuizAttempt>), (status = "4XX", description = "problem details", body = Problem, content_type = "application/problem+json"))
)]
async fn attempts(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path((org, course, lesson)): Path<(String, String, String)>,
    Query(q): Query_,
) -> Answer {
    ok(s.lms
        .attempts(&actor, &org, &course, id(&lesson, "lesson")?, page(&q)?)
        .await?)
}
