//! The path parameters of the routes: one struct per shape of path, read by name and
//! described to OpenAPI by `IntoParams`. A field's doc comment is its description in the
//! document, which is why the id fields have none (the document never gave them one).
//!
//! Ids stay text here and the handlers parse them with [`crate::extract::id`]: a malformed
//! id is then a problem+json 400 that comes after the caller is identified, where a typed
//! field would be the extractor's plain-text rejection, before it.

use lms_core::CourseRef;
use serde::Deserialize;
use utoipa::IntoParams;

/// `/orgs/{org}…`
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub(super) struct OrgPath {
    /// the org's slug
    pub org: String,
}

/// `/orgs/{org}/members/{user_id}`
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub(super) struct MemberPath {
    /// the org's slug
    pub org: String,
    #[param(value_type = uuid::Uuid)]
    pub user_id: String,
}

/// `/orgs/{org}/invitations/{id}`
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub(super) struct InvitationPath {
    /// the org's slug
    pub org: String,
    #[param(value_type = uuid::Uuid)]
    pub id: String,
}

/// `/orgs/{org}/courses/{course}…`
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub(super) struct CoursePath {
    /// the org's slug
    pub org: String,
    /// the course's id or slug
    pub course: String,
}

/// `/orgs/{org}/courses/{course}/media/{media_key}`
#[cfg(feature = "media")]
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub(super) struct MediaPath {
    /// the org's slug
    pub org: String,
    /// the course's id or slug
    pub course: String,
    /// the upload's key, percent-encoded (its `/` as `%2F`)
    pub media_key: String,
}

/// `/orgs/{org}/courses/{course}/modules/{module}…`
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub(super) struct ModulePath {
    /// the org's slug
    pub org: String,
    /// the course's id or slug
    pub course: String,
    #[param(value_type = uuid::Uuid)]
    pub module: String,
}

/// `/orgs/{org}/courses/{course}/lessons/{lesson}…`
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub(super) struct LessonPath {
    /// the org's slug
    pub org: String,
    /// the course's id or slug
    pub course: String,
    #[param(value_type = uuid::Uuid)]
    pub lesson: String,
}

/// `/orgs/{org}/courses/{course}/enrollments/{user_id}`
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub(super) struct EnrollmentPath {
    /// the org's slug
    pub org: String,
    /// the course's id or slug
    pub course: String,
    #[param(value_type = uuid::Uuid)]
    pub user_id: String,
}

/// `/orgs/{org}/courses/{course}/posts/{post}`
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub(super) struct PostPath {
    /// the org's slug
    pub org: String,
    /// the course's id or slug
    pub course: String,
    #[param(value_type = uuid::Uuid)]
    pub post: String,
}

/// `/orgs/{org}/courses/{course}/submissions/{id}…`
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub(super) struct SubmissionPath {
    /// the org's slug
    pub org: String,
    /// the course's id or slug
    pub course: String,
    #[param(value_type = uuid::Uuid)]
    pub id: String,
}

/// `path.course()`: the course a path addresses, as the service takes it.
macro_rules! course_ref {
    ($($path:ident),*) => {$(
        impl $path {
            pub fn course(&self) -> CourseRef<'_> {
                CourseRef {
                    org: &self.org,
                    course: &self.course,
                }
            }
        }
    )*};
}

course_ref!(
    CoursePath,
    ModulePath,
    LessonPath,
    EnrollmentPath,
    PostPath,
    SubmissionPath
);
#[cfg(feature = "media")]
course_ref!(MediaPath);
