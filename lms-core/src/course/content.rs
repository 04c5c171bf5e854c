//! Lesson content per kind: its kinds, parsing and checking it, and the learner's form
//! without a quiz's answer key.

use crate::error::ValidationErrors;
use crate::quiz::{LearnerQuiz, Quiz};
use crate::validate;
use serde::{Deserialize, Serialize};

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
    /// Work a learner submits and a person grades; completed only by a passing grade.
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextContent {
    /// The lesson body.
    pub markdown: String,
}

/// Content of a video lesson: exactly one of `url` and `media_key`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
// Every field is optional, so only refusing others tells a video's content from another
// kind's (in the OpenAPI document too: `additionalProperties: false`).
#[serde(deny_unknown_fields)]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssignmentContent {
    /// What to do.
    pub instructions: String,
    /// The highest score (1..=1000, default 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_score: Option<u32>,
    /// The share of `max_score` that passes (0..=100, default 50).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pass_percent: Option<u8>,
    /// How many submissions a learner may make (none: unlimited).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_submissions: Option<u32>,
}

impl AssignmentContent {
    /// The highest score, 100 unless the author chose.
    pub fn max_score(&self) -> u32 {
        self.max_score.unwrap_or(100)
    }

    /// The share of `max_score` that passes, 50 unless the author chose.
    pub fn pass_percent(&self) -> u8 {
        self.pass_percent.unwrap_or(50)
    }
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
                if assignment
                    .max_score
                    .is_some_and(|m| !(1..=1000).contains(&m))
                {
                    errors.add("content.max_score", "must be 1 to 1000");
                }
                if assignment.pass_percent.is_some_and(|p| p > 100) {
                    errors.add("content.pass_percent", "must be 0 to 100");
                }
                if assignment.max_submissions == Some(0) {
                    errors.add("content.max_submissions", "must be at least 1 (or absent)");
                }
                Self::Assignment(assignment)
            }
        };
        if errors.is_empty() {
            Ok(parsed)
        } else {
            Err(errors)
        }
    }

    /// The upload a video lesson plays (`content.media_key`), if any.
    pub fn media_key(&self) -> Option<&str> {
        match self {
            Self::Video(video) => video.media_key.as_deref(),
            _ => None,
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

    pub(super) fn serialize_inner<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
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
    pub(super) fn serialize_inner<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Text(c) => c.serialize(s),
            Self::Video(c) => c.serialize(s),
            Self::Quiz(c) => c.serialize(s),
            Self::Assignment(c) => c.serialize(s),
        }
    }
}
