//! Quizzes: the author's form (with the answer key), the learner's form (without it, a
//! different type so a key cannot leak by accident) and grading.

use crate::error::ValidationErrors;
use crate::ids::{AttemptId, CourseId, LessonId, UserId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::HashSet;

/// Most questions in one quiz.
pub const MAX_QUESTIONS: usize = 200;
/// Most points one question can be worth.
pub const MAX_POINTS: u32 = 1_000;
/// Longest answer to one question, as JSON, in bytes: a sentence, a number or a list of
/// option ids fit many times over.
pub const MAX_ANSWER_BYTES: usize = 2_000;
/// Most an attempt stores, as JSON: one answer of at most [`MAX_ANSWER_BYTES`] per question
/// of the quiz (answers to anything else are dropped), so at most about 400 KB.
pub const MAX_ATTEMPT_BYTES: usize = MAX_QUESTIONS * MAX_ANSWER_BYTES;

/// A quiz as its author writes it, answer key included. Learners get [`LearnerQuiz`].
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Quiz {
    /// The questions, in order.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<crate::quiz_schema::QuestionSchema>))]
    pub questions: Vec<Question>,
    /// The score (0..=100) at or above which an attempt passes.
    pub pass_percent: u8,
    /// How many attempts a learner has; unlimited when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_attempts: Option<u32>,
}

/// One question with its answer key.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Question {
    /// The author's id for the question, unique in the quiz.
    pub id: String,
    /// The question's text.
    pub prompt: String,
    /// What a correct answer earns (default 1).
    #[serde(default = "one_point")]
    pub points: u32,
    /// The kind of question and its answer key.
    #[serde(flatten)]
    pub kind: QuestionKind,
}

fn one_point() -> u32 {
    1
}

/// A choice of a choice question.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuizOption {
    /// The author's id for the option, unique in the question.
    pub id: String,
    /// The option's text.
    pub text: String,
}

/// The kinds of question and, for each, its answer key.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum QuestionKind {
    /// One option is right; answered with its id.
    SingleChoice {
        /// The choices.
        options: Vec<QuizOption>,
        /// The one right option's id.
        correct: Vec<String>,
    },
    /// Several options are right; answered with the ids, scored all-or-nothing.
    MultipleChoice {
        /// The choices.
        options: Vec<QuizOption>,
        /// Every right option's id.
        correct: Vec<String>,
    },
    /// Answered with `true` or `false`.
    TrueFalse {
        /// The right answer.
        answer: bool,
    },
    /// Answered with text, compared ignoring case and surrounding or repeated white space.
    ShortText {
        /// The accepted answers.
        accepted: Vec<String>,
    },
    /// Answered with a number within `tolerance` of `value`.
    Numeric {
        /// The right answer.
        value: f64,
        /// How far an answer may be from `value` (default 0).
        #[serde(default)]
        tolerance: f64,
    },
}

/// A quiz as a learner sees it: no answer key.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LearnerQuiz {
    /// The questions, in order.
    pub questions: Vec<LearnerQuestion>,
    /// The score needed to pass.
    pub pass_percent: u8,
    /// How many attempts a learner has; unlimited when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_attempts: Option<u32>,
}

/// A question as a learner sees it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LearnerQuestion {
    /// The question's id (the key of its answer in an attempt).
    pub id: String,
    /// The question's text.
    pub prompt: String,
    /// What a correct answer earns.
    pub points: u32,
    /// The kind of question, and the options to choose from.
    #[serde(flatten)]
    pub kind: LearnerQuestionKind,
}

/// The kinds of question without their answer keys.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LearnerQuestionKind {
    /// Answer with one option id.
    SingleChoice {
        /// The choices.
        options: Vec<QuizOption>,
    },
    /// Answer with an array of option ids.
    MultipleChoice {
        /// The choices.
        options: Vec<QuizOption>,
    },
    /// Answer with `true` or `false`.
    TrueFalse,
    /// Answer with text.
    ShortText,
    /// Answer with a number.
    Numeric,
}

/// The result of grading one set of answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Grade {
    /// Points earned.
    pub earned_points: u32,
    /// Points available.
    pub total_points: u32,
    /// `earned * 100 / total`, rounded down.
    pub score_percent: u8,
    /// `score_percent >= pass_percent`.
    pub passed: bool,
}

/// A graded, stored attempt at a quiz.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QuizAttempt {
    /// Stable id.
    pub id: AttemptId,
    /// Who answered.
    pub user_id: UserId,
    /// The quiz lesson.
    pub lesson_id: LessonId,
    /// The lesson's course.
    pub course_id: CourseId,
    /// 1 for the learner's first attempt at this quiz, then 2, 3, …
    pub attempt_number: u32,
    /// See [`Grade::score_percent`].
    pub score_percent: u8,
    /// See [`Grade::passed`].
    pub passed: bool,
    /// The answers as submitted.
    pub answers: Value,
    /// When the attempt was graded.
    pub submitted_at: DateTime<Utc>,
}

impl Quiz {
    /// Checks the quiz's own rules; field names are prefixed with `prefix`
    /// (e.g. `content`).
    pub fn validate(&self, prefix: &str, errors: &mut ValidationErrors) {
        if self.questions.is_empty() || self.questions.len() > MAX_QUESTIONS {
            errors.add(
                format!("{prefix}.questions"),
                format!("must hold 1 to {MAX_QUESTIONS} questions"),
            );
        }
        if self.pass_percent > 100 {
            errors.add(format!("{prefix}.pass_percent"), "must be 0 to 100");
        }
        if self.max_attempts == Some(0) {
            errors.add(
                format!("{prefix}.max_attempts"),
                "must be at least 1, or absent for unlimited",
            );
        }
        let mut ids = HashSet::new();
        for (i, q) in self.questions.iter().enumerate() {
            let at = |field: &str| format!("{prefix}.questions[{i}].{field}");
            if q.id.trim().is_empty() || q.id.len() > 64 {
                errors.add(at("id"), "must be 1 to 64 characters");
            } else if !ids.insert(q.id.as_str()) {
                errors.add(at("id"), format!("'{}' is used by another question", q.id));
            }
            if q.prompt.trim().is_empty() || q.prompt.chars().count() > 10_000 {
                errors.add(at("prompt"), "must be 1 to 10000 characters");
            }
            if q.points > MAX_POINTS {
                errors.add(at("points"), format!("must be 0 to {MAX_POINTS}"));
            }
            match &q.kind {
                QuestionKind::SingleChoice { options, correct }
                | QuestionKind::MultipleChoice { options, correct } => {
                    let single = matches!(q.kind, QuestionKind::SingleChoice { .. });
                    validate_choices(options, correct, single, &at, errors);
                }
                QuestionKind::TrueFalse { .. } => {}
                QuestionKind::ShortText { accepted } => {
                    if accepted.is_empty() || accepted.iter().any(|a| normalize_text(a).is_empty())
                    {
                        errors.add(at("accepted"), "must hold at least one non-blank answer");
                    }
                }
                QuestionKind::Numeric { value, tolerance } => {
                    if !value.is_finite() {
                        errors.add(at("value"), "must be a finite number");
                    }
                    if !tolerance.is_finite() || *tolerance < 0.0 {
                        errors.add(at("tolerance"), "must be a finite number, 0 or more");
                    }
                }
            }
        }
        let total: u64 = self.questions.iter().map(|q| u64::from(q.points)).sum();
        if !self.questions.is_empty() && total == 0 {
            errors.add(
                format!("{prefix}.questions"),
                "must be worth at least one point in all",
            );
        }
    }

    /// The quiz without its answer key.
    pub fn for_learner(&self) -> LearnerQuiz {
        LearnerQuiz {
            questions: self
                .questions
                .iter()
                .map(|q| LearnerQuestion {
                    id: q.id.clone(),
                    prompt: q.prompt.clone(),
                    points: q.points,
                    kind: match &q.kind {
                        QuestionKind::SingleChoice { options, .. } => {
                            LearnerQuestionKind::SingleChoice {
                                options: options.clone(),
                            }
                        }
                        QuestionKind::MultipleChoice { options, .. } => {
                            LearnerQuestionKind::MultipleChoice {
                                options: options.clone(),
                            }
                        }
                        QuestionKind::TrueFalse { .. } => LearnerQuestionKind::TrueFalse,
                        QuestionKind::ShortText { .. } => LearnerQuestionKind::ShortText,
                        QuestionKind::Numeric { .. } => LearnerQuestionKind::Numeric,
                    },
                })
                .collect(),
            pass_percent: self.pass_percent,
            max_attempts: self.max_attempts,
        }
    }

    /// The answers of an attempt worth keeping: those to this quiz's questions (anything
    /// else is dropped before it is stored), each at most [`MAX_ANSWER_BYTES`] as JSON —
    /// a longer one is a field error (`answers.<question id>`).
    ///
    /// ```
    /// # fn demo(quiz: lms_core::Quiz) {
    /// let sent = serde_json::json!({"q1": "b", "junk": "x".repeat(100_000)});
    /// let kept = quiz.kept_answers(sent.as_object().unwrap()).unwrap();
    /// assert!(!kept.contains_key("junk"));
    /// # }
    /// ```
    pub fn kept_answers(
        &self,
        answers: &Map<String, Value>,
    ) -> Result<Map<String, Value>, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let mut kept = Map::new();
        for question in &self.questions {
            let Some(answer) = answers.get(&question.id) else {
                continue;
            };
            if answer.to_string().len() > MAX_ANSWER_BYTES {
                let field = format!("answers.{}", question.id);
                errors.add(
                    field,
                    format!("must be at most {MAX_ANSWER_BYTES} bytes as JSON"),
                );
                continue;
            }
            kept.insert(question.id.clone(), answer.clone());
        }
        if errors.is_empty() {
            Ok(kept)
        } else {
            Err(errors)
        }
    }

    /// Grades `answers` (question id → answer). A missing or ill-typed answer scores 0
    /// for its question; answers to unknown question ids are ignored.
    ///
    /// ```
    /// use lms_core::quiz::{Quiz, Question, QuestionKind};
    /// let quiz = Quiz {
    ///     questions: vec![
    ///         Question { id: "q1".into(), prompt: "2+2?".into(), points: 1,
    ///                    kind: QuestionKind::Numeric { value: 4.0, tolerance: 0.0 } },
    ///         Question { id: "q2".into(), prompt: "Rust is safe".into(), points: 2,
    ///                    kind: QuestionKind::TrueFalse { answer: true } },
    ///     ],
    ///     pass_percent: 60,
    ///     max_attempts: None,
    /// };
    /// let answers = serde_json::json!({"q1": 5, "q2": true});
    /// let grade = quiz.grade(answers.as_object().unwrap());
    /// assert_eq!((grade.score_percent, grade.passed), (66, true));
    /// ```
    pub fn grade(&self, answers: &Map<String, Value>) -> Grade {
        let total: u64 = self.questions.iter().map(|q| u64::from(q.points)).sum();
        let earned: u64 = self
            .questions
            .iter()
            .filter(|q| answers.get(&q.id).is_some_and(|a| q.kind.is_correct(a)))
            .map(|q| u64::from(q.points))
            .sum();
        // A validated quiz is worth at least one point; an empty one scores 0.
        let score_percent = (earned * 100).checked_div(total).unwrap_or(0) as u8;
        Grade {
            earned_points: earned as u32,
            total_points: total as u32,
            score_percent,
            passed: score_percent >= self.pass_percent,
        }
    }
}

fn validate_choices(
    options: &[QuizOption],
    correct: &[String],
    single: bool,
    at: &dyn Fn(&str) -> String,
    errors: &mut ValidationErrors,
) {
    let mut ids = HashSet::new();
    if options.len() < 2 || options.len() > 50 {
        errors.add(at("options"), "must hold 2 to 50 options");
    }
    for o in options {
        if o.id.trim().is_empty() || o.text.trim().is_empty() || !ids.insert(o.id.as_str()) {
            errors.add(at("options"), "every option needs a unique id and a text");
            break;
        }
    }
    let unique: HashSet<&str> = correct.iter().map(String::as_str).collect();
    if single && correct.len() != 1 {
        errors.add(at("correct"), "must name exactly one option");
    } else if correct.is_empty() || unique.len() != correct.len() {
        errors.add(at("correct"), "must name one or more options, each once");
    } else if let Some(unknown) = correct.iter().find(|c| !ids.contains(c.as_str())) {
        errors.add(
            at("correct"),
            format!("'{unknown}' is not one of the options"),
        );
    }
}

impl QuestionKind {
    /// Whether `answer` is right. An answer of the wrong JSON type is wrong.
    pub fn is_correct(&self, answer: &Value) -> bool {
        match self {
            Self::SingleChoice { correct, .. } => answer
                .as_str()
                .is_some_and(|a| correct.iter().any(|c| c == a)),
            Self::MultipleChoice { correct, .. } => {
                let Some(items) = answer.as_array() else {
                    return false;
                };
                let mut chosen = HashSet::new();
                for item in items {
                    match item.as_str() {
                        Some(id) => chosen.insert(id),
                        None => return false,
                    };
                }
                chosen.len() == correct.len() && correct.iter().all(|c| chosen.contains(c.as_str()))
            }
            Self::TrueFalse { answer: right } => answer.as_bool() == Some(*right),
            Self::ShortText { accepted } => answer
                .as_str()
                .map(normalize_text)
                .is_some_and(|a| accepted.iter().any(|acc| normalize_text(acc) == a)),
            Self::Numeric { value, tolerance } => answer.as_f64().is_some_and(|a| {
                // Decimal inputs such as 3.15 vs 3.14 ± 0.01 differ by 0.0100000000000002 in
                // binary floating point; allow that representation error, nothing more.
                let slack = 1e-9 * value.abs().max(1.0);
                a.is_finite() && (a - value).abs() <= tolerance + slack
            }),
        }
    }
}

/// Lowercases and folds every run of white space into one space, trimming the ends.
pub fn normalize_text(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    /// A question of any kind with its right answer and a wrong one.
    fn question(index: usize) -> impl Strategy<Value = (Question, Value, Value)> {
        let id = format!("q{index}");
        (0u32..=5, 0usize..5).prop_map(move |(points, kind)| {
            let options = || {
                vec![
                    QuizOption {
                        id: "a".into(),
                        text: "A".into(),
                    },
                    QuizOption {
                        id: "b".into(),
                        text: "B".into(),
                    },
                ]
            };
            let (kind, right, wrong) = match kind {
                0 => (
                    QuestionKind::SingleChoice {
                        options: options(),
                        correct: vec!["a".into()],
                    },
                    json!("a"),
                    json!("b"),
                ),
                1 => (
                    QuestionKind::MultipleChoice {
                        options: options(),
                        correct: vec!["a".into(), "b".into()],
                    },
                    json!(["b", "a"]),
                    json!(["a"]),
                ),
                2 => (
                    QuestionKind::TrueFalse { answer: false },
                    json!(false),
                    json!(true),
                ),
                3 => (
                    QuestionKind::ShortText {
                        accepted: vec!["Borrow Checker".into()],
                    },
                    json!(" borrow   CHECKER"),
                    json!("borrow"),
                ),
                _ => (
                    QuestionKind::Numeric {
                        value: 1.5,
                        tolerance: 0.25,
                    },
                    json!(1.7),
                    json!(2.0),
                ),
            };
            (
                Question {
                    id: id.clone(),
                    prompt: "?".into(),
                    points,
                    kind,
                },
                right,
                wrong,
            )
        })
    }

    fn any_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            "[a-z ]{0,8}".prop_map(Value::from),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
                prop::collection::btree_map("[a-z0-9_]{1,6}", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn score_is_the_earned_share_rounded_down(
            questions in (1usize..12).prop_flat_map(|n| (0..n).map(question).collect::<Vec<_>>()),
            right in prop::collection::vec(any::<bool>(), 12),
            pass_percent in 0u8..=100,
        ) {
            let total: u32 = questions.iter().map(|(q, _, _)| q.points).sum();
            prop_assume!(total > 0);
            let mut answers = Map::new();
            let mut earned = 0;
            for (i, (q, good, bad)) in questions.iter().enumerate() {
                if right[i] { earned += q.points; }
                answers.insert(q.id.clone(), if right[i] { good.clone() } else { bad.clone() });
            }
            let quiz = Quiz { questions: questions.into_iter().map(|(q, _, _)| q).collect(), pass_percent, max_attempts: None };
            let grade = quiz.grade(&answers);
            prop_assert_eq!((grade.earned_points, grade.total_points), (earned, total));
            prop_assert_eq!(u32::from(grade.score_percent), earned * 100 / total);
            prop_assert_eq!(grade.passed, grade.score_percent >= pass_percent);
        }

        #[test]
        fn any_answers_grade_without_panicking(
            questions in (1usize..6).prop_flat_map(|n| (0..n).map(question).collect::<Vec<_>>()),
            answers in prop::collection::btree_map("q[0-5]", any_json(), 0..6),
        ) {
            let quiz = Quiz { questions: questions.into_iter().map(|(q, _, _)| q).collect(), pass_percent: 50, max_attempts: None };
            let grade = quiz.grade(&answers.into_iter().collect());
            prop_assert!(grade.score_percent <= 100);
        }

        #[test]
        fn any_json_content_parses_or_fails_cleanly(content in any_json(), kind in 0usize..4) {
            use crate::course::{LessonContent, LessonKind};
            let kind = [LessonKind::Text, LessonKind::Video, LessonKind::Quiz, LessonKind::Assignment][kind];
            if let Ok(parsed) = LessonContent::parse(kind, content) {
                prop_assert_eq!(parsed.kind(), kind);
            }
        }
    }

    #[test]
    fn the_learner_form_drops_every_key() {
        let quiz: Quiz = serde_json::from_value(json!({
            "pass_percent": 60,
            "questions": [
                {"id": "a", "kind": "single_choice", "prompt": "?", "options": [{"id": "x", "text": "X"}, {"id": "y", "text": "Y"}], "correct": ["x"]},
                {"id": "b", "kind": "multiple_choice", "prompt": "?", "options": [{"id": "x", "text": "X"}, {"id": "y", "text": "Y"}], "correct": ["x", "y"]},
                {"id": "c", "kind": "true_false", "prompt": "?", "answer": true},
                {"id": "d", "kind": "short_text", "prompt": "?", "accepted": ["yes"]},
                {"id": "e", "kind": "numeric", "prompt": "?", "value": 2.0, "tolerance": 0.5}
            ]
        }))
        .unwrap();
        let text = serde_json::to_string(&quiz.for_learner()).unwrap();
        for key in ["correct", "answer", "accepted", "value", "tolerance"] {
            assert!(
                !text.contains(&format!("\"{key}\"")),
                "{key} leaked: {text}"
            );
        }
        assert_eq!(quiz.for_learner().questions.len(), 5);
    }
}
