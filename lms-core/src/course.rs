//! Courses, their modules and lessons, and lesson content per kind.

use crate::error::{ConflictKind, LmsError, ValidationErrors};
use crate::ids::{CourseId, LessonId, ModuleId, OrgId, UserId};
use crate::quiz::{LearnerQuiz, Quiz};
use crate::validate;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};

/// Largest price, in minor units (Stripe's limit for most currencies).
pub const MAX_PRICE_MINOR_UNITS: i64 = 99_999_999;
/// Longest lesson duration, in minutes.
pub const MAX_DURATION_MINUTES: u32 = 100_000;

/// Where a course is in its life.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CourseStatus {
    /// Being written; visible to its owner and the org's admins only.
    Draft,
    /// In the catalog; open for enrollment.
    Published,
    /// Out of the catalog and closed to new enrollments; enrolled learners keep access.
    Archived,
}

impl CourseStatus {
    /// The status as stored and sent.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Published => "published",
            Self::Archived => "archived",
        }
    }

    /// Parses [`CourseStatus::as_str`]'s output.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "draft" => Some(Self::Draft),
            "published" => Some(Self::Published),
            "archived" => Some(Self::Archived),
            _ => None,
        }
    }

    /// Whether a course may move from `self` to `next`: only `draft → published →
    /// archived`, one step at a time. Staying put is allowed (a no-op).
    pub fn can_move_to(self, next: Self) -> bool {
        matches!(
            (self, next),
            (Self::Draft, Self::Published) | (Self::Published, Self::Archived)
        ) || self == next
    }
}

/// A price in minor units of a currency. A free course has no price.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Price {
    /// Minor units (cents), 1..=[`MAX_PRICE_MINOR_UNITS`].
    pub amount: i64,
    /// ISO 4217, lowercase.
    pub currency: String,
}

impl Price {
    /// Checks an input price; `amount: 0` means free (`Ok(None)`).
    pub fn from_input(amount: i64, currency: &str, errors: &mut ValidationErrors) -> Option<Price> {
        if !(0..=MAX_PRICE_MINOR_UNITS).contains(&amount) {
            errors.add(
                "price.amount",
                format!("must be 0 (free) to {MAX_PRICE_MINOR_UNITS} minor units"),
            );
        }
        errors.check("price.currency", validate::currency(currency));
        (amount > 0).then(|| Price {
            amount,
            currency: currency.to_ascii_lowercase(),
        })
    }
}

/// A course of an org.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Course {
    /// Stable id.
    pub id: CourseId,
    /// The org it belongs to.
    pub org_id: OrgId,
    /// Unique within the org.
    pub slug: String,
    /// Display title.
    pub title: String,
    /// Markdown description (may be empty).
    pub description: String,
    /// Draft, published or archived.
    pub status: CourseStatus,
    /// `None` when free.
    pub price: Option<Price>,
    /// The instructor who manages it.
    pub owner_id: UserId,
    /// Free-form JSON object for the host.
    pub metadata: serde_json::Value,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change time.
    pub updated_at: DateTime<Utc>,
}

impl Course {
    /// Whether the course costs nothing.
    pub fn is_free(&self) -> bool {
        self.price.is_none()
    }

    /// Applies a checked patch. Fails with `invalid_transition` for an illegal status move.
    pub fn apply(&mut self, patch: CoursePatch, now: DateTime<Utc>) -> Result<(), LmsError> {
        let mut errors = ValidationErrors::default();
        if let Some(title) = &patch.title {
            errors.check("title", validate::title(title));
        }
        if let Some(description) = &patch.description {
            errors.check("description", validate::long_text(description));
        }
        if let Some(metadata) = &patch.metadata {
            errors.check("metadata", validate::json_object(metadata));
        }
        let price = match &patch.price {
            Some(Some(p)) => Some(Price::from_input(p.amount, &p.currency, &mut errors)),
            Some(None) => Some(None),
            None => None,
        };
        errors.into_result()?;
        if let Some(status) = patch.status {
            if !self.status.can_move_to(status) {
                return Err(LmsError::conflict(
                    ConflictKind::InvalidTransition,
                    format!(
                        "a {} course cannot become {}: status moves only draft → published → archived",
                        self.status.as_str(),
                        status.as_str()
                    ),
                ));
            }
            self.status = status;
        }
        if let Some(title) = patch.title {
            self.title = title;
        }
        if let Some(description) = patch.description {
            self.description = description;
        }
        if let Some(metadata) = patch.metadata {
            self.metadata = metadata;
        }
        if let Some(price) = price {
            self.price = price;
        }
        self.updated_at = now;
        Ok(())
    }
}

/// A price as the API takes it: `amount: 0` makes a course free.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct PriceInput {
    /// Minor units; 0 means free.
    pub amount: i64,
    /// ISO 4217 code.
    pub currency: String,
}

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
}

/// Tells a present `null` (`Some(None)`) from an absent field (`None`).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// A module: an ordered group of lessons in a course.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Module {
    /// Stable id.
    pub id: ModuleId,
    /// Its course.
    pub course_id: CourseId,
    /// Display title.
    pub title: String,
    /// 0-based place in the course.
    pub position: u32,
}

/// Input of [`crate::Lms::create_module`] and [`crate::Lms::update_module`].
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ModuleInput {
    /// See [`Module::title`].
    pub title: String,
}

/// The kinds of lesson.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LessonKind {
    /// Markdown to read.
    Text,
    /// A video by URL or uploaded media key, with an optional transcript.
    Video,
    /// A graded quiz; completed only by a passing attempt.
    Quiz,
    /// Instructions to follow; completed like a text lesson.
    Assignment,
}

impl LessonKind {
    /// The kind as stored and sent.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Video => "video",
            Self::Quiz => "quiz",
            Self::Assignment => "assignment",
        }
    }

    /// Parses [`LessonKind::as_str`]'s output.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "text" => Some(Self::Text),
            "video" => Some(Self::Video),
            "quiz" => Some(Self::Quiz),
            "assignment" => Some(Self::Assignment),
            _ => None,
        }
    }
}

/// Content of a text lesson.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextContent {
    /// The lesson body.
    pub markdown: String,
}

/// Content of a video lesson: exactly one of `url` and `media_key`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VideoContent {
    /// An external video URL (http or https).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The key of uploaded media.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_key: Option<String>,
    /// A transcript.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transcript: Option<String>,
}

/// Content of an assignment lesson.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssignmentContent {
    /// What to do.
    pub instructions: String,
}

/// A lesson's content, typed by its kind.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "content", rename_all = "snake_case")]
pub enum LessonContent {
    /// See [`TextContent`].
    Text(TextContent),
    /// See [`VideoContent`].
    Video(VideoContent),
    /// See [`Quiz`]; carries the answer key.
    Quiz(Quiz),
    /// See [`AssignmentContent`].
    Assignment(AssignmentContent),
}

impl LessonContent {
    /// The kind of this content.
    pub fn kind(&self) -> LessonKind {
        match self {
            Self::Text(_) => LessonKind::Text,
            Self::Video(_) => LessonKind::Video,
            Self::Quiz(_) => LessonKind::Quiz,
            Self::Assignment(_) => LessonKind::Assignment,
        }
    }

    /// Reads and checks `content` as the content of a `kind` lesson. Problems are
    /// reported on fields under `content`.
    pub fn parse(kind: LessonKind, content: serde_json::Value) -> Result<Self, ValidationErrors> {
        fn typed<T: for<'de> Deserialize<'de>>(
            value: serde_json::Value,
        ) -> Result<T, ValidationErrors> {
            serde_json::from_value(value).map_err(|e| {
                let mut errors = ValidationErrors::default();
                errors.add("content", e.to_string());
                errors
            })
        }
        let mut errors = ValidationErrors::default();
        let parsed = match kind {
            LessonKind::Text => {
                let text: TextContent = typed(content)?;
                errors.check("content.markdown", validate::long_text(&text.markdown));
                Self::Text(text)
            }
            LessonKind::Video => {
                let video: VideoContent = typed(content)?;
                match (&video.url, &video.media_key) {
                    (Some(url), None) => {
                        let ok = (url.starts_with("https://") || url.starts_with("http://"))
                            && url.len() <= 2048
                            && !url.chars().any(char::is_whitespace);
                        if !ok {
                            errors.add(
                                "content.url",
                                "must be an http(s) URL of at most 2048 characters",
                            );
                        }
                    }
                    (None, Some(key)) => {
                        if key.is_empty() || key.len() > 200 {
                            errors.add("content.media_key", "must be 1 to 200 characters");
                        }
                    }
                    _ => errors.add("content", "give exactly one of url and media_key"),
                }
                if let Some(t) = &video.transcript {
                    errors.check("content.transcript", validate::long_text(t));
                }
                Self::Video(video)
            }
            LessonKind::Quiz => {
                let quiz: Quiz = typed(content)?;
                quiz.validate("content", &mut errors);
                Self::Quiz(quiz)
            }
            LessonKind::Assignment => {
                let assignment: AssignmentContent = typed(content)?;
                errors.check(
                    "content.instructions",
                    validate::long_text(&assignment.instructions),
                );
                Self::Assignment(assignment)
            }
        };
        if errors.is_empty() {
            Ok(parsed)
        } else {
            Err(errors)
        }
    }

    /// The content without its kind tag, as stored and as the API's `content` field.
    pub fn to_inner_json(&self) -> serde_json::Value {
        let value = match self {
            Self::Text(c) => serde_json::to_value(c),
            Self::Video(c) => serde_json::to_value(c),
            Self::Quiz(c) => serde_json::to_value(c),
            Self::Assignment(c) => serde_json::to_value(c),
        };
        value.expect("lesson content is plain data and always serializes")
    }

    fn serialize_inner<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Text(c) => c.serialize(s),
            Self::Video(c) => c.serialize(s),
            Self::Quiz(c) => c.serialize(s),
            Self::Assignment(c) => c.serialize(s),
        }
    }

    /// The content as a learner may see it: a quiz loses its answer key.
    pub fn for_learner(&self) -> LearnerContent {
        match self {
            Self::Text(c) => LearnerContent::Text(c.clone()),
            Self::Video(c) => LearnerContent::Video(c.clone()),
            Self::Quiz(q) => LearnerContent::Quiz(q.for_learner()),
            Self::Assignment(c) => LearnerContent::Assignment(c.clone()),
        }
    }
}

/// A lesson's content as a learner sees it (no quiz answer key).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "content", rename_all = "snake_case")]
pub enum LearnerContent {
    /// See [`TextContent`].
    Text(TextContent),
    /// See [`VideoContent`].
    Video(VideoContent),
    /// See [`LearnerQuiz`].
    Quiz(LearnerQuiz),
    /// See [`AssignmentContent`].
    Assignment(AssignmentContent),
}

impl LearnerContent {
    fn serialize_inner<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Text(c) => c.serialize(s),
            Self::Video(c) => c.serialize(s),
            Self::Quiz(c) => c.serialize(s),
            Self::Assignment(c) => c.serialize(s),
        }
    }
}

/// A lesson without its content, as course outlines show it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LessonSummary {
    /// Stable id.
    pub id: LessonId,
    /// Its course.
    pub course_id: CourseId,
    /// Its module.
    pub module_id: ModuleId,
    /// Display title.
    pub title: String,
    /// What kind of lesson.
    pub kind: LessonKind,
    /// 0-based place in its module.
    pub position: u32,
    /// Estimated length.
    pub duration_minutes: Option<u32>,
    /// Readable without enrollment by anyone who can see the course.
    pub free_preview: bool,
    /// Counts towards completion.
    pub required: bool,
}

/// A lesson with its content (answer key included): for authors and stores.
///
/// Serializes as the API's lesson object: the summary's fields plus `content`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Lesson {
    /// Everything but the content.
    #[serde(flatten)]
    pub summary: LessonSummary,
    /// The content (its kind matches `summary.kind`).
    #[serde(serialize_with = "LessonContent::serialize_inner")]
    pub content: LessonContent,
}

/// A lesson as a learner reads it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LearnerLesson {
    /// Everything but the content.
    #[serde(flatten)]
    pub summary: LessonSummary,
    /// The content without answer keys.
    #[serde(serialize_with = "LearnerContent::serialize_inner")]
    pub content: LearnerContent,
}

/// What [`crate::Lms::lesson`] gives: the full lesson to those who manage the course,
/// the learner's form to everyone else.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum LessonView {
    /// For the course's owner and the org's admins.
    Author(Lesson),
    /// For learners and free-preview readers.
    Learner(LearnerLesson),
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

/// A module and its lessons, in curriculum order.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutlineModule {
    /// The module.
    #[serde(flatten)]
    pub module: Module,
    /// Its lessons, without content.
    pub lessons: Vec<LessonSummary>,
}

/// A course with its curriculum (no lesson content), as `GET …/courses/{course}` shows it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CourseOutline {
    /// The course.
    #[serde(flatten)]
    pub course: Course,
    /// Its modules, in order, each with its lessons in order.
    pub modules: Vec<OutlineModule>,
}

impl CourseOutline {
    /// Every lesson in curriculum order.
    pub fn lessons(&self) -> impl Iterator<Item = &LessonSummary> {
        self.modules.iter().flat_map(|m| m.lessons.iter())
    }
}

/// Input of [`crate::Lms::reorder_curriculum`]: every module of the course once, each with
/// every lesson that should end up in it, in the new order.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct CurriculumLayout {
    /// Modules in their new order.
    pub modules: Vec<ModuleLayout>,
}

/// One module of a [`CurriculumLayout`].
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub struct ModuleLayout {
    /// The module.
    pub id: ModuleId,
    /// Its lessons in their new order (they may come from other modules of the course).
    pub lessons: Vec<LessonId>,
}

impl CurriculumLayout {
    /// Checks that the layout names exactly the outline's modules and lessons, each once.
    pub fn validate_against(&self, outline: &CourseOutline) -> Result<(), LmsError> {
        use std::collections::HashSet;
        let mut errors = ValidationErrors::default();
        let known_modules: HashSet<ModuleId> =
            outline.modules.iter().map(|m| m.module.id).collect();
        let known_lessons: HashSet<LessonId> = outline.lessons().map(|l| l.id).collect();
        let mut seen_modules = HashSet::new();
        let mut seen_lessons = HashSet::new();
        for (i, m) in self.modules.iter().enumerate() {
            if !known_modules.contains(&m.id) {
                errors.add(
                    format!("modules[{i}].id"),
                    format!("{} is not a module of this course", m.id),
                );
            } else if !seen_modules.insert(m.id) {
                errors.add(
                    format!("modules[{i}].id"),
                    format!("module {} is named twice", m.id),
                );
            }
            for (j, l) in m.lessons.iter().enumerate() {
                let field = format!("modules[{i}].lessons[{j}]");
                if !known_lessons.contains(l) {
                    errors.add(field, format!("{l} is not a lesson of this course"));
                } else if !seen_lessons.insert(*l) {
                    errors.add(field, format!("lesson {l} is named twice"));
                }
            }
        }
        if seen_modules.len() != known_modules.len() {
            errors.add("modules", "must name every module of the course");
        }
        if seen_lessons.len() != known_lessons.len() {
            errors.add("modules", "must name every lesson of the course");
        }
        errors.into_result()
    }
}
