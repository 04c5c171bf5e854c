//! The routes of the contract this crate serves, each a thin handler: parse, call the
//! service, shape the answer.

use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::{Input, id, json_body, page, parse_json};
use crate::views;
use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post, put};
use lms_core::{
    Actor, CoursePatch, CourseStatus, CurriculumLayout, LessonPatch, LmsError, ModuleInput, NewCourse, NewLesson,
    NewMember, NewOrg, OrgPatch, Parsed, ProgressUpdate, Role, UserId,
};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;

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

/// Every route this crate serves, relative to where the host nests the router.
pub fn all() -> Router<AppState> {
    let course = "/orgs/{org}/courses/{course}";
    Router::new()
        .route("/health", get(health))
        .route("/me", get(me))
        .route("/me/courses", get(my_courses))
        .route("/orgs", post(create_org))
        .route("/orgs/{org}", get(org).patch(update_org))
        .route("/orgs/{org}/members", get(members).post(add_member))
        .route("/orgs/{org}/members/{user_id}", put(set_member_role).delete(remove_member))
        .route("/orgs/{org}/courses", get(courses).post(create_course))
        .route("/orgs/{org}/reports/courses", get(org_report))
        .route(course, get(course_outline).patch(update_course))
        .route(&format!("{course}/modules"), post(create_module))
        .route(&format!("{course}/modules/{{module}}"), patch(update_module).delete(delete_module))
        .route(&format!("{course}/modules/{{module}}/lessons"), post(create_lesson))
        .route(&format!("{course}/lessons/{{lesson}}"), get(lesson).patch(update_lesson).delete(delete_lesson))
        .route(&format!("{course}/curriculum"), put(reorder_curriculum))
        .route(&format!("{course}/enrollments"), get(enrollments).post(enroll))
        .route(&format!("{course}/enrollments/{{user_id}}"), axum::routing::delete(revoke_enrollment))
        .route(&format!("{course}/lessons/{{lesson}}/progress"), put(record_progress))
        .route(&format!("{course}/progress"), get(course_progress))
        .route(&format!("{course}/report"), get(course_report))
        .route(&format!("{course}/lessons/{{lesson}}/attempts"), get(attempts).post(submit_attempt))
}

/// The built-in sign-in's routes.
pub fn sign_in() -> Router<AppState> {
    Router::new()
        .route("/auth/sign-up", post(sign_up))
        .route("/auth/sign-in", post(sign_in_user))
        .route("/auth/sign-out", post(sign_out))
}

fn builtin(s: &AppState) -> Result<&crate::BuiltInAuth, ApiError> {
    s.builtin.as_ref().ok_or(ApiError(LmsError::NotFound("route")))
}

fn signed_in(auth: &crate::BuiltInAuth, status: StatusCode, signed_in: crate::SignedIn) -> Answer {
    let cookie = auth.cookie(&signed_in.token);
    let body = Json(json!({"user": signed_in.user, "token": signed_in.token}));
    Ok((status, [(axum::http::header::SET_COOKIE, cookie)], body).into_response())
}

#[derive(Deserialize)]
struct SignUp {
    email: String,
    password: String,
    name: String,
}

async fn sign_up(State(s): State<AppState>, Input(body): Input<SignUp>) -> Answer {
    let auth = builtin(&s)?;
    let body = body.into_result()?;
    let new = lms_core::NewUser { email: body.email, name: body.name };
    signed_in(auth, StatusCode::CREATED, auth.sign_up(new, &body.password).await?)
}

#[derive(Deserialize)]
struct SignIn {
    email: String,
    password: String,
}

async fn sign_in_user(State(s): State<AppState>, client: ClientAddr, Input(body): Input<SignIn>) -> Answer {
    let auth = builtin(&s)?;
    let body = body.into_result()?;
    let client = client.0.map(|ip| ip.to_string());
    signed_in(auth, StatusCode::OK, auth.sign_in(&body.email, &body.password, client.as_deref()).await?)
}

async fn sign_out(State(s): State<AppState>, Caller(actor): Caller, headers: axum::http::HeaderMap) -> Answer {
    let auth = builtin(&s)?;
    let (Actor::User(_), Some(token)) = (actor, crate::session_token(&headers)) else {
        return Err(ApiError(LmsError::Unauthenticated));
    };
    auth.sign_out(token).await?;
    Ok((StatusCode::NO_CONTENT, [(axum::http::header::SET_COOKIE, auth.expired_cookie())]).into_response())
}

/// The client's address when the server was started with connect info.
struct ClientAddr(Option<std::net::IpAddr>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Self, Self::Rejection> {
        let info = parts.extensions.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>();
        Ok(ClientAddr(info.map(|c| c.0.ip())))
    }
}

async fn health(State(s): State<AppState>) -> Answer {
    s.lms.health().await?;
    ok(json!({"status": "ok"}))
}

// ------------------------------------------------------------------ me

async fn me(State(s): State<AppState>, Caller(actor): Caller) -> Answer {
    ok(s.lms.me(&actor).await?)
}

async fn my_courses(State(s): State<AppState>, Caller(actor): Caller, Query(q): Query_) -> Answer {
    let page = s.lms.my_courses(&actor, page(&q)?).await?;
    ok(page.map(|item| views::dashboard_item(&item)))
}

// ------------------------------------------------------------------ orgs and members

async fn create_org(State(s): State<AppState>, Caller(actor): Caller, Input(new): Input<NewOrg>) -> Answer {
    created(views::org(&s.lms.create_org(&actor, new).await?))
}

async fn org(State(s): State<AppState>, Path(org): Path<String>) -> Answer {
    ok(views::org(&s.lms.org(&org).await?))
}

async fn update_org(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(org): Path<String>,
    Input(patch): Input<OrgPatch>,
) -> Answer {
    ok(views::org(&s.lms.update_org(&actor, &org, patch).await?))
}

async fn members(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(org): Path<String>,
    Query(q): Query_,
) -> Answer {
    ok(s.lms.members(&actor, &org, page(&q)?).await?)
}

async fn add_member(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(org): Path<String>,
    Input(new): Input<NewMember>,
) -> Answer {
    created(s.lms.add_member(&actor, &org, new).await?)
}

#[derive(Deserialize)]
struct RoleBody {
    role: Role,
}

async fn set_member_role(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path((org, user)): Path<(String, String)>,
    Input(body): Input<RoleBody>,
) -> Answer {
    let user: UserId = id(&user, "user_id")?;
    ok(s.lms.set_member_role(&actor, &org, user, body.map(|b| b.role)).await?)
}

async fn remove_member(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path((org, user)): Path<(String, String)>,
) -> Answer {
    s.lms.remove_member(&actor, &org, id(&user, "user_id")?).await?;
    no_content()
}

// ------------------------------------------------------------------ catalog and curriculum

async fn courses(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(org): Path<String>,
    Query(q): Query_,
) -> Answer {
    let status = match q.get("status").map(String::as_str) {
        None => None,
        Some(text) => Some(
            CourseStatus::parse(text)
                .ok_or_else(|| ApiError(LmsError::Malformed("status must be draft, published or archived".into())))?,
        ),
    };
    let page = s.lms.courses(&actor, &org, status, page(&q)?).await?;
    ok(page.map(|c| views::course(&c, &org)))
}

async fn create_course(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(org): Path<String>,
    Input(new): Input<NewCourse>,
) -> Answer {
    created(views::course(&s.lms.create_course(&actor, &org, new).await?, &org))
}

async fn course_outline(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path((org, course)): Path<(String, String)>,
) -> Answer {
    ok(views::outline(&s.lms.course(&actor, &org, &course).await?, &org))
}

async fn update_course(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path((org, course)): Path<(String, String)>,
    Input(patch): Input<CoursePatch>,
) -> Answer {
    ok(views::course(&s.lms.update_course(&actor, &org, &course, patch).await?, &org))
}

async fn create_module(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path((org, course)): Path<(String, String)>,
    Input(input): Input<ModuleInput>,
) -> Answer {
    created(s.lms.create_module(&actor, &org, &course, input).await?)
}

async fn update_module(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path((org, course, module)): Path<(String, String, String)>,
    Input(input): Input<ModuleInput>,
) -> Answer {
    ok(s.lms.update_module(&actor, &org, &course, id(&module, "module")?, input).await?)
}

async fn delete_module(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path((org, course, module)): Path<(String, String, String)>,
) -> Answer {
    s.lms.delete_module(&actor, &org, &course, id(&module, "module")?).await?;
    no_content()
}

async fn create_lesson(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path((org, course, module)): Path<(String, String, String)>,
    Input(new): Input<NewLesson>,
) -> Answer {
    created(s.lms.create_lesson(&actor, &org, &course, id(&module, "module")?, new).await?)
}

async fn lesson(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path((org, course, lesson)): Path<(String, String, String)>,
) -> Answer {
    ok(s.lms.lesson(&actor, &org, &course, id(&lesson, "lesson")?).await?)
}

async fn update_lesson(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path((org, course, lesson)): Path<(String, String, String)>,
    Input(patch): Input<LessonPatch>,
) -> Answer {
    ok(s.lms.update_lesson(&actor, &org, &course, id(&lesson, "lesson")?, patch).await?)
}

async fn delete_lesson(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path((org, course, lesson)): Path<(String, String, String)>,
) -> Answer {
    s.lms.delete_lesson(&actor, &org, &course, id(&lesson, "lesson")?).await?;
    no_content()
}

async fn reorder_curriculum(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path((org, course)): Path<(String, String)>,
    Input(layout): Input<CurriculumLayout>,
) -> Answer {
    ok(views::outline(&s.lms.reorder_curriculum(&actor, &org, &course, layout).await?, &org))
}

// ------------------------------------------------------------------ enrollment and progress

#[derive(Deserialize)]
struct EnrollBody {
    user_id: Option<UserId>,
}

/// `POST …/enrollments`: without a body the caller enrolls; with `{user_id}` an owner or
/// admin enrolls that user.
async fn enroll(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path((org, course)): Path<(String, String)>,
    request: Request,
) -> Answer {
    let has_body = request.headers().contains_key(axum::http::header::CONTENT_TYPE)
        || request.headers().get(axum::http::header::CONTENT_LENGTH).is_some_and(|v| v != "0");
    let body: Option<Parsed<Option<UserId>>> = if has_body {
        let parsed = match json_body(request, &s).await.and_then(|bytes| parse_json::<EnrollBody>(&bytes)) {
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
        Some(Err(error)) => s.lms.enroll_user(&actor, &org, &course, Parsed::failed(error)).await?,
    };
    created(enrollment)
}

async fn enrollments(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path((org, course)): Path<(String, String)>,
    Query(q): Query_,
) -> Answer {
    ok(s.lms.enrollments(&actor, &org, &course, page(&q)?).await?)
}

async fn revoke_enrollment(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path((org, course, user)): Path<(String, String, String)>,
) -> Answer {
    s.lms.revoke_enrollment(&actor, &org, &course, id(&user, "user_id")?).await?;
    no_content()
}

async fn record_progress(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path((org, course, lesson)): Path<(String, String, String)>,
    Input(update): Input<ProgressUpdate>,
) -> Answer {
    ok(s.lms.record_progress(&actor, &org, &course, id(&lesson, "lesson")?, update).await?)
}

async fn course_progress(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path((org, course)): Path<(String, String)>,
) -> Answer {
    ok(s.lms.course_progress(&actor, &org, &course).await?)
}

async fn course_report(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path((org, course)): Path<(String, String)>,
    Query(q): Query_,
) -> Answer {
    ok(s.lms.course_report(&actor, &org, &course, page(&q)?).await?)
}

async fn org_report(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(org): Path<String>,
    Query(q): Query_,
) -> Answer {
    ok(s.lms.org_report(&actor, &org, page(&q)?).await?)
}

// ------------------------------------------------------------------ quizzes

#[derive(Deserialize)]
struct AttemptBody {
    answers: Value,
}

async fn submit_attempt(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path((org, course, lesson)): Path<(String, String, String)>,
    Input(body): Input<AttemptBody>,
) -> Answer {
    let answers = body.map(|b| b.answers);
    created(s.lms.submit_attempt(&actor, &org, &course, id(&lesson, "lesson")?, answers).await?)
}

async fn attempts(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path((org, course, lesson)): Path<(String, String, String)>,
    Query(q): Query_,
) -> Answer {
    ok(s.lms.attempts(&actor, &org, &course, id(&lesson, "lesson")?, page(&q)?).await?)
}
