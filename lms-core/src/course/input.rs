//! What the API takes to create and change courses, modules and lessons, and the checks on
//! it that need no stored state.

#[cfg(doc)]
use super::{Course, LessonContent, LessonSummary, Module};
use super::{CourseStatus, LessonKind, PriceInput};
use crate::error::ValidationErrors;
use crate::ids::CourseId;
use crate::release::Release;
use serde::{Deserialize, Deserializer};

/// Longest lesson duration, in minutes.
pub const MAX_DURATION_MINUTES: u32 = 100_000;

/// Input of [`crate::Lms::create_course`].
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Default, Deserialize)]
pub struct NewCourse {
    /// See [`Course::slug`].
    pub slug: String,
    /// See [`Course::title`].
    pub title: String,
    /// See [`Course::description`].
    #[serde(default)]
    pub description: Option<String>,
    /// See [`Course::price`]; absent, null or `amount: 0` make it free.
    #[serde(default)]
    pub price: Option<PriceInput>,
    /// See [`Course::metadata`].
    #[serde(default)]
    pub metadata: Option<serde_json::Value>,
    /// See [`Course::prerequisites`]; default none.
    #[serde(default)]
    pub prerequisites: Option<Vec<CourseId>>,
}

/// Input of [`crate::Lms::duplicate_course`]: the copy's own slug and title.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CourseCopy {
    /// See [`Course::slug`]; free in the org.
    pub slug: String,
    /// See [`Course::title`].
    pub title: String,
}

/// Input of [`crate::Lms::update_course`]; absent fields stay as they are.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Default, Deserialize)]
pub struct CoursePatch {
    /// A new title.
    pub title: Option<String>,
    /// A new description.
    pub description: Option<String>,
    /// `Some(None)` (JSON `null`) makes the course free.
    #[serde(default, deserialize_with = "present")]
    pub price: Option<Option<PriceInput>>,
    /// A status move (`draft → published → archived`).
    pub status: Option<CourseStatus>,
    /// A new metadata object.
    pub metadata: Option<serde_json::Value>,
    /// A new list of prerequisites (`[]` removes them all).
    pub prerequisites: Option<Vec<CourseId>>,
}

/// Tells a present `null` (`Some(None)`) from an absent field (`None`).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// Input of [`crate::Lms::create_module`].
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ModuleInput {
    /// See [`Module::title`].
    pub title: String,
    /// See [`Module::release`]; default none.
    #[serde(default)]
    pub release: Option<Release>,
}

/// Input of [`crate::Lms::update_module`]; absent fields stay as they are.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ModulePatch {
    /// A new title.
    pub title: Option<String>,
    /// `Some(None)` (JSON `null`) removes the module's release rule.
    #[serde(default, deserialize_with = "present")]
    pub release: Option<Option<Release>>,
}

/// Input of [`crate::Lms::create_lesson`].
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Deserialize)]
pub struct NewLesson {
    /// See [`LessonSummary::title`].
    pub title: String,
    /// See [`LessonSummary::kind`].
    pub kind: LessonKind,
    /// The content for `kind`, checked by [`LessonContent::parse`].
    pub content: serde_json::Value,
    /// Default false.
    #[serde(default)]
    pub free_preview: Option<bool>,
    /// Default none.
    #[serde(default)]
    pub duration_minutes: Option<u32>,
    /// Default true.
    #[serde(default)]
    pub required: Option<bool>,
    /// See [`LessonSummary::release`]; default none.
    #[serde(default)]
    pub release: Option<Release>,
}

/// Input of [`crate::Lms::update_lesson`]; absent fields stay as they are. To change the
/// kind, give `kind` and `content` together.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Default, Deserialize)]
pub struct LessonPatch {
    /// A new title.
    pub title: Option<String>,
    /// A new kind (needs `content`).
    pub kind: Option<LessonKind>,
    /// New content for the lesson's (new) kind.
    pub content: Option<serde_json::Value>,
    /// See [`LessonSummary::free_preview`].
    pub free_preview: Option<bool>,
    /// `Some(None)` (JSON `null`) clears the duration.
    #[serde(default, deserialize_with = "present")]
    pub duration_minutes: Option<Option<u32>>,
    /// See [`LessonSummary::required`].
    pub required: Option<bool>,
    /// `Some(None)` (JSON `null`) removes the lesson's release rule.
    #[serde(default, deserialize_with = "present")]
    pub release: Option<Option<Release>>,
}

/// Checks a lesson duration.
pub(crate) fn check_duration(minutes: Option<u32>, errors: &mut ValidationErrors) {
    if minutes.is_some_and(|m| m > MAX_DURATION_MINUTES) {
        errors.add(
            "duration_minutes",
            format!("must be 0 to {MAX_DURATION_MINUTES}"),
        );
    }
}
