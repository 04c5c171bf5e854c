//! How the OpenAPI document describes quiz questions (feature `openapi`).
//!
//! A question is its common fields plus a kind-tagged part (`#[serde(flatten)]` of an
//! internally tagged enum). Derived as it is, that becomes an `allOf` of an object and a
//! `oneOf`, which code generators cannot turn into a model. These schema-only types
//! describe the same JSON as one flat object whose kind-specific fields are optional; a
//! learner's question is the same object without the answer-key fields.

use crate::quiz::QuizOption;
use utoipa::ToSchema;

/// The kinds of question.
#[derive(ToSchema)]
#[schema(as = QuestionKindName)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
pub(crate) enum QuestionKindName {
    /// Answered with one option's id.
    SingleChoice,
    /// Answered with an array of option ids.
    MultipleChoice,
    /// Answered with `true` or `false`.
    TrueFalse,
    /// Answered with text.
    ShortText,
    /// Answered with a number.
    Numeric,
}

/// A quiz question. Its answer key is shown to the quiz's editors only, never to learners;
/// which key field an editor gets depends on `kind`: `correct` (choice), `answer`
/// (true/false), `accepted` (short text), `value` and `tolerance` (numeric).
#[derive(ToSchema)]
#[schema(as = Question)]
#[allow(dead_code)]
pub(crate) struct QuestionSchema {
    /// The author's id for the question, unique in the quiz.
    id: String,
    /// The question's text.
    prompt: String,
    /// What a correct answer earns (default 1).
    points: u32,
    /// The kind of question.
    kind: QuestionKindName,
    /// The choices (choice questions only).
    #[schema(nullable = false)]
    options: Option<Vec<QuizOption>>,
    /// The right options' ids (choice questions).
    #[schema(nullable = false)]
    correct: Option<Vec<String>>,
    /// The right answer (true/false questions).
    #[schema(nullable = false)]
    answer: Option<bool>,
    /// The accepted answers (short-text questions).
    #[schema(nullable = false)]
    accepted: Option<Vec<String>>,
    /// The right answer (numeric questions).
    #[schema(nullable = false)]
    value: Option<f64>,
    /// How far an answer may be from `value` (numeric questions; default 0).
    #[schema(nullable = false)]
    tolerance: Option<f64>,
}
