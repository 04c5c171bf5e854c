//! Property tests of the core's parsers of outside input (issue 17): quiz answers and content,
//! pagination cursors and limits, media keys. No input may panic; every refusal is typed.
//!
//! Normal run (a few thousand cases a property): `cargo test -p lms-core --test properties`.
//! Long run, 100,000 cases a property (the `_long` twins), with no failure file written:
//! `cargo test -p lms-core --test properties -- --ignored _long`

use lms_core::quiz::{MAX_ANSWER_BYTES, Question, QuestionKind, QuizOption};
use lms_core::{
    LessonContent, LessonKind, MEDIA_TYPES, MediaKey, Page, PageRequest, Quiz, ValidationErrors,
};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRunner};
use serde_json::{Map, Value, json};
use std::collections::BTreeSet;
use uuid::Uuid;

/// Cases of each `_long` twin.
const LONG: u32 = 100_000;

/// Runs `check` on `cases` inputs of `strategy`, with no failure file.
fn run<S: Strategy>(
    cases: u32,
    strategy: S,
    check: impl Fn(S::Value) -> Result<(), TestCaseError>,
) {
    let config = Config {
        cases,
        failure_persistence: None,
        // ChaCha, the default, is most of the time of a case in an unoptimised build.
        rng_algorithm: RngAlgorithm::XorShift,
        ..Config::default()
    };
    if let Err(failure) = TestRunner::new(config).run(&strategy, check) {
        panic!("{failure}");
    }
}

/// A normal test with `$cases` cases and its ignored twin `$long` with [`LONG`].
macro_rules! property {
    ($name:ident, $long:ident, $cases:expr, $strategy:expr, $check:expr) => {
        #[test]
        fn $name() {
            run($cases, $strategy, $check);
        }
        #[test]
        #[ignore = "long run: cargo test -p lms-core --test properties -- --ignored _long"]
        fn $long() {
            run(LONG, $strategy, $check);
        }
    };
}

// ---- Random JSON ----------------------------------------------------------------------

/// A character of any sort, often one of a few (so that ids collide) or a tricky one.
/// (Not a regex strategy: those are slow to build, and some strategies are built per case.)
fn any_char() -> impl Strategy<Value = char> + Clone {
    prop_oneof![
        4 => prop::char::range('a', 'c'),
        2 => prop::char::range('A', 'z'),
        1 => prop::sample::select(vec![
            ' ', '\t', '\n', '\u{a0}', '\u{3000}', 'é', 'ß', 'İ', '\u{0}', '"', '\\', '/', '.', '~',
            '#', '😀',
        ]),
        1 => any::<char>(),
    ]
}

fn text(max: usize) -> impl Strategy<Value = String> + Clone {
    prop::collection::vec(any_char(), 0..=max).prop_map(String::from_iter)
}

/// Text of every sort: empty, blank, any character, long.
fn any_text() -> impl Strategy<Value = String> + Clone {
    prop_oneof![
        6 => text(10),
        1 => Just(String::new()),
        1 => (0usize..2_500).prop_map(|n| "x".repeat(n)),
    ]
}

fn any_number() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        (-3i64..5).prop_map(Value::from),
        (-2.0f64..2.0).prop_map(Value::from),
    ]
}

/// Any JSON value, up to three levels deep.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any_number(),
        any_text().prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 32, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::from),
            prop::collection::btree_map(any_text(), inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Mostly `typed`, sometimes any JSON at all.
fn or_any(typed: impl Strategy<Value = Value> + 'static) -> BoxedStrategy<Value> {
    prop_oneof![4 => typed, 1 => any_json()].boxed()
}

// ---- Valid quizzes --------------------------------------------------------------------

/// Text with at least one letter: never blank. Short enough for any id limit.
fn nonblank() -> impl Strategy<Value = String> {
    let letter = prop_oneof![prop::char::range('a', 'z'), prop::char::range('0', '9')];
    (text(5), letter, text(5)).prop_map(|(a, b, c)| format!("{a}{b}{c}"))
}

fn finite() -> impl Strategy<Value = f64> {
    prop_oneof![
        -1e6f64..1e6,
        any::<f64>().prop_filter("finite", |f| f.is_finite()),
        Just(0.0),
    ]
}

/// 2 to 5 options with unique, non-blank ids and texts.
fn options() -> impl Strategy<Value = Vec<QuizOption>> {
    prop::collection::vec(nonblank(), 2..6).prop_map(|texts| {
        let options = texts.iter().enumerate().map(|(i, text)| QuizOption {
            id: format!("{}#{i}", text.replace('#', "")),
            text: text.clone(),
        });
        options.collect()
    })
}

/// A valid question and its right answer (its id is made unique by [`valid_quiz`]).
fn question() -> impl Strategy<Value = (Question, Value)> {
    let kind = prop_oneof![
        (options(), any::<prop::sample::Index>()).prop_map(|(options, pick)| {
            let right = options[pick.index(options.len())].id.clone();
            let correct = vec![right.clone()];
            (
                QuestionKind::SingleChoice { options, correct },
                json!(right),
            )
        }),
        (options(), prop::collection::vec(any::<bool>(), 6)).prop_map(|(options, chosen)| {
            let mut correct: Vec<String> = options
                .iter()
                .zip(&chosen)
                .filter(|(_, chosen)| **chosen)
                .map(|(o, _)| o.id.clone())
                .collect();
            if correct.is_empty() {
                correct.push(options[0].id.clone());
            }
            let right = json!(correct.iter().rev().collect::<Vec<_>>());
            (QuestionKind::MultipleChoice { options, correct }, right)
        }),
        any::<bool>().prop_map(|answer| (QuestionKind::TrueFalse { answer }, json!(answer))),
        prop::collection::vec(nonblank(), 1..4).prop_map(|accepted| {
            let right = json!(format!("  {}\t", accepted[accepted.len() - 1]));
            (QuestionKind::ShortText { accepted }, right)
        }),
        (
            finite(),
            prop_oneof![Just(0.0), 0.0f64..10.0, finite().prop_map(f64::abs)]
        )
            .prop_map(|(value, tolerance)| (
                QuestionKind::Numeric { value, tolerance },
                json!(value)
            )),
    ];
    let question = (nonblank(), nonblank(), 0u32..=1_000, kind);
    question.prop_map(|(id, prompt, points, (kind, right))| {
        (
            Question {
                id,
                prompt,
                points,
                kind,
            },
            right,
        )
    })
}

/// A quiz that passes its own validation, with the right answer of each question.
fn valid_quiz() -> impl Strategy<Value = (Quiz, Vec<Value>)> {
    let questions = prop::collection::vec(question(), 1..8);
    let max_attempts = prop_oneof![Just(None), (1u32..=u32::MAX).prop_map(Some)];
    (questions, 0u8..=100, max_attempts).prop_map(|(questions, pass_percent, max_attempts)| {
        let (mut questions, right): (Vec<Question>, Vec<Value>) = questions.into_iter().unzip();
        for (i, q) in questions.iter_mut().enumerate() {
            q.id = format!("{}~{i}", q.id.replace('~', ""));
        }
        if questions.iter().all(|q| q.points == 0) {
            questions[0].points = 1;
        }
        let quiz = Quiz {
            questions,
            pass_percent,
            max_attempts,
        };
        (quiz, right)
    })
}

/// Answers, keyed by a question (picked by index) or by any text.
type RawAnswers = Vec<(Result<prop::sample::Index, String>, Value)>;

fn raw_answers() -> impl Strategy<Value = RawAnswers> {
    let key =
        prop_oneof![3 => any::<prop::sample::Index>().prop_map(Ok), 1 => any_text().prop_map(Err)];
    let answer = prop_oneof![
        3 => any_json(),
        1 => prop::collection::vec(any_text().prop_map(Value::from), 0..4).prop_map(Value::from),
    ];
    prop::collection::vec((key, answer), 0..10)
}

/// Some answers to the quiz's questions, some to ids it does not have, of any JSON.
fn answers(quiz: &Quiz, raw: RawAnswers) -> Map<String, Value> {
    let ids: Vec<&String> = quiz.questions.iter().map(|q| &q.id).collect();
    raw.into_iter()
        .map(|(key, answer)| match key {
            Ok(pick) => (ids[pick.index(ids.len())].clone(), answer),
            Err(other) => (other, answer),
        })
        .collect()
}

fn validation(quiz: &Quiz) -> ValidationErrors {
    let mut errors = ValidationErrors::default();
    quiz.validate("content", &mut errors);
    errors
}

/// What grading and keeping answers must satisfy for any quiz and any answers.
fn check_answers(quiz: &Quiz, answers: &Map<String, Value>) -> Result<(), TestCaseError> {
    let grade = quiz.grade(answers);
    let total: u32 = quiz.questions.iter().map(|q| q.points).sum();
    let earned: u32 = quiz
        .questions
        .iter()
        .filter(|q| answers.get(&q.id).is_some_and(|a| q.kind.is_correct(a)))
        .map(|q| q.points)
        .sum();
    prop_assert_eq!((grade.earned_points, grade.total_points), (earned, total));
    prop_assert!(grade.score_percent <= 100);
    prop_assert_eq!(
        u64::from(grade.score_percent),
        (u64::from(earned) * 100)
            .checked_div(u64::from(total))
            .unwrap_or(0)
    );
    prop_assert_eq!(grade.passed, grade.score_percent >= quiz.pass_percent);

    let too_long: BTreeSet<String> = quiz
        .questions
        .iter()
        .filter(|q| {
            answers
                .get(&q.id)
                .is_some_and(|a| a.to_string().len() > MAX_ANSWER_BYTES)
        })
        .map(|q| format!("answers.{}", q.id))
        .collect();
    match quiz.kept_answers(answers) {
        Ok(kept) => {
            prop_assert!(too_long.is_empty());
            let expected: BTreeSet<&String> = quiz
                .questions
                .iter()
                .map(|q| &q.id)
                .filter(|id| answers.contains_key(*id))
                .collect();
            prop_assert_eq!(kept.keys().collect::<BTreeSet<_>>(), expected);
            for (id, answer) in &kept {
                prop_assert_eq!(Some(answer), answers.get(id));
            }
            // Dropping answers to no question changes nothing.
            prop_assert_eq!(quiz.grade(&kept), grade);
        }
        Err(errors) => {
            let fields: BTreeSet<String> = errors.0.iter().map(|e| e.field.clone()).collect();
            prop_assert!(!fields.is_empty());
            prop_assert_eq!(fields, too_long);
        }
    }
    Ok(())
}

property!(
    any_answers_to_a_valid_quiz_grade_and_keep_cleanly,
    any_answers_to_a_valid_quiz_grade_and_keep_cleanly_long,
    3_000,
    (valid_quiz(), raw_answers()),
    |((quiz, _), raw)| {
        let answers = answers(&quiz, raw);
        let errors = validation(&quiz);
        prop_assert!(errors.is_empty(), "{:?}", errors);
        check_answers(&quiz, &answers)
    }
);

property!(
    right_answers_score_everything_whatever_else_is_sent,
    right_answers_score_everything_whatever_else_is_sent_long,
    2_000,
    (
        valid_quiz(),
        prop::collection::btree_map(any_text(), any_json(), 0..4)
    ),
    |((quiz, right), junk)| {
        let mut answers: Map<String, Value> = junk.into_iter().collect();
        for (q, answer) in quiz.questions.iter().zip(right) {
            answers.insert(q.id.clone(), answer);
        }
        let grade = quiz.grade(&answers);
        prop_assert_eq!(grade.earned_points, grade.total_points);
        prop_assert_eq!((grade.score_percent, grade.passed), (100, true));
        check_answers(&quiz, &answers)
    }
);

property!(
    an_answer_of_the_wrong_json_type_is_wrong,
    an_answer_of_the_wrong_json_type_is_wrong_long,
    3_000,
    (question(), any_json()),
    |((question, _), answer)| {
        let fits = match &question.kind {
            QuestionKind::SingleChoice { .. } | QuestionKind::ShortText { .. } => {
                answer.is_string()
            }
            QuestionKind::MultipleChoice { .. } => answer.is_array(),
            QuestionKind::TrueFalse { .. } => answer.is_boolean(),
            QuestionKind::Numeric { .. } => answer.is_number(),
        };
        let correct = question.kind.is_correct(&answer);
        prop_assert!(fits || !correct, "{:?} accepted {}", question.kind, answer);
        Ok(())
    }
);

// ---- Quiz content as authors send it --------------------------------------------------

fn abc() -> impl Strategy<Value = String> {
    prop::char::range('a', 'c').prop_map(String::from)
}

fn pool_text() -> BoxedStrategy<Value> {
    or_any(prop_oneof![
        abc().prop_map(Value::from),
        nonblank().prop_map(Value::from),
        any_text().prop_map(Value::from),
    ])
}

fn small_int() -> impl Strategy<Value = Value> {
    prop_oneof![(-2i64..1_100).prop_map(Value::from), any_number()]
}

/// An object of `fields`, each present with probability 3/4.
fn object(fields: Vec<(&'static str, BoxedStrategy<Value>)>) -> BoxedStrategy<Value> {
    let fields: Vec<_> = fields
        .into_iter()
        .map(|(name, value)| prop::option::weighted(0.75, value.prop_map(move |v| (name, v))))
        .collect();
    let object = fields.prop_map(|fields| fields.into_iter().flatten().map(|(k, v)| (k.into(), v)));
    object
        .prop_map(|fields| Value::Object(fields.collect()))
        .boxed()
}

/// Objects with a quiz's field names (each often present) and random values.
fn quiz_shaped() -> impl Strategy<Value = Value> {
    let kinds = vec![
        "single_choice",
        "multiple_choice",
        "true_false",
        "short_text",
        "numeric",
    ];
    let kind = prop_oneof![
        prop::sample::select(kinds).prop_map(Value::from),
        any_text().prop_map(Value::from),
    ];
    let option = (pool_text(), pool_text()).prop_map(|(id, text)| json!({"id": id, "text": text}));
    let texts = |n| or_any(prop::collection::vec(pool_text(), 0..n).prop_map(Value::from));
    let question = object(vec![
        ("id", pool_text()),
        ("prompt", pool_text()),
        ("points", or_any(small_int())),
        ("kind", or_any(kind)),
        (
            "options",
            or_any(prop::collection::vec(option, 0..5).prop_map(Value::from)),
        ),
        ("correct", texts(4)),
        ("answer", or_any(any::<bool>().prop_map(Value::from))),
        ("accepted", texts(3)),
        ("value", or_any(any_number())),
        ("tolerance", or_any(any_number())),
    ]);
    object(vec![
        (
            "questions",
            or_any(prop::collection::vec(question, 0..5).prop_map(Value::from)),
        ),
        ("pass_percent", or_any(small_int())),
        ("max_attempts", or_any(small_int())),
    ])
}

property!(
    any_quiz_content_parses_or_fails_on_content_fields,
    any_quiz_content_parses_or_fails_on_content_fields_long,
    3_000,
    (
        prop_oneof![4 => quiz_shaped(), 1 => any_json()],
        // Question ids are often a, b or c: so are these answers' keys.
        prop::collection::btree_map(prop_oneof![abc(), any_text()], any_json(), 0..6),
    ),
    |(content, answers)| {
        let answers: Map<String, Value> = answers.into_iter().collect();
        match LessonContent::parse(LessonKind::Quiz, content) {
            Err(errors) => {
                prop_assert!(!errors.0.is_empty());
                for error in &errors.0 {
                    prop_assert!(error.field.starts_with("content"), "{:?}", error);
                }
            }
            Ok(parsed) => {
                let LessonContent::Quiz(quiz) = &parsed else {
                    return Err(TestCaseError::fail(format!("not a quiz: {parsed:?}")));
                };
                prop_assert!(validation(quiz).is_empty());
                // What is stored reads back as the same content.
                let again = LessonContent::parse(LessonKind::Quiz, parsed.to_inner_json());
                prop_assert_eq!(again.as_ref().ok(), Some(&parsed));
                // The learner's form carries no key.
                let learner = serde_json::to_value(quiz.for_learner()).expect("serializes");
                for q in learner["questions"].as_array().expect("questions") {
                    for key in ["correct", "answer", "accepted", "value", "tolerance"] {
                        prop_assert!(q.get(key).is_none(), "{} leaked: {}", key, q);
                    }
                }
                check_answers(quiz, &answers)?;
            }
        }
        Ok(())
    }
);

// ---- Pagination -----------------------------------------------------------------------

/// The cursor the API hands out after an item whose sort key is `key`.
fn handed_out(key: Uuid) -> String {
    let page = Page::from_rows(vec![key, key], &PageRequest::first(1), |k| *k);
    page.next_cursor.expect("a second row means a next page")
}

fn any_cursor() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<u128>().prop_map(|u| handed_out(Uuid::from_u128(u))),
        (any::<u128>(), any::<prop::sample::Index>(), any::<char>()).prop_map(|(u, at, c)| {
            // A handed-out cursor with one character changed.
            let mut chars: Vec<char> = handed_out(Uuid::from_u128(u)).chars().collect();
            let at = at.index(chars.len());
            chars[at] = c;
            chars.into_iter().collect()
        }),
        "[A-Za-z0-9_=+/-]{0,30}",
        ".{0,30}",
        "\\PC{0,30}",
    ]
}

property!(
    any_limit_and_cursor_parse_or_are_refused_by_type,
    any_limit_and_cursor_parse_or_are_refused_by_type_long,
    5_000,
    (
        prop::option::of(prop_oneof![any::<i64>(), -3i64..250]),
        prop::option::of(any_cursor()),
    ),
    |(limit, cursor)| {
        let result = PageRequest::parse(limit, cursor.as_deref());
        let limit_ok = limit.is_none_or(|l| (1..=200).contains(&l));
        match result {
            Ok(request) => {
                prop_assert!(limit_ok);
                prop_assert_eq!(i64::from(request.limit), limit.unwrap_or(50));
                prop_assert_eq!(request.fetch_limit(), request.limit + 1);
                match (&cursor, request.after) {
                    (None, None) => {}
                    // A cursor is read only if it is exactly one the API hands out.
                    (Some(cursor), Some(after)) => prop_assert_eq!(&handed_out(after), cursor),
                    (cursor, after) => {
                        return Err(TestCaseError::fail(format!("{cursor:?} read as {after:?}")));
                    }
                }
            }
            Err(error) => {
                let code = (error.code(), error.status());
                let cursor_error = (cursor.is_some(), ("malformed_request", 400));
                match limit_ok {
                    false => prop_assert_eq!(code, ("validation_failed", 422)),
                    true => prop_assert_eq!((true, code), cursor_error),
                }
            }
        }
        Ok(())
    }
);

property!(
    pages_hand_out_cursors_that_read_back,
    pages_hand_out_cursors_that_read_back_long,
    3_000,
    (prop::collection::vec(any::<u128>(), 0..30), 1u32..=200),
    |(keys, limit)| {
        let keys: Vec<Uuid> = keys.into_iter().map(Uuid::from_u128).collect();
        let request = PageRequest::parse(Some(i64::from(limit)), None).expect("in range");
        let page = Page::from_rows(keys.clone(), &request, |k| *k);
        prop_assert_eq!(page.items.len(), keys.len().min(limit as usize));
        prop_assert_eq!(page.next_cursor.is_some(), keys.len() > limit as usize);
        if let Some(cursor) = page.next_cursor {
            let next = PageRequest::parse(None, Some(&cursor)).expect("a handed-out cursor");
            prop_assert_eq!(next.after, page.items.last().copied());
        }
        Ok(())
    }
);

// ---- Media keys -----------------------------------------------------------------------

/// Pieces a key is made of, well-formed or not, joined by slashes: a mix that `parse`
/// often accepts, without assuming how many pieces a key has.
fn key_like() -> impl Strategy<Value = String> {
    let uuid = any::<u128>().prop_map(Uuid::from_u128);
    let segment = prop_oneof![
        6 => uuid.clone().prop_map(|u| u.hyphenated().to_string()),
        1 => uuid.clone().prop_map(|u| u.hyphenated().to_string().to_uppercase()),
        1 => uuid.clone().prop_map(|u| u.simple().to_string()),
        1 => uuid.prop_map(|u| u.braced().to_string()),
        1 => prop::sample::select(vec!["", ".", "..", "%2e%2e", "~"]).prop_map(String::from),
        1 => "\\PC{0,8}",
    ];
    let extension = prop_oneof![
        6 => prop::sample::select(MEDIA_TYPES.iter().map(|(_, e)| *e).collect::<Vec<_>>())
            .prop_map(String::from),
        1 => Just("MP4".to_owned()),
        1 => Just("mp4.mp4".to_owned()),
        1 => Just(String::new()),
        1 => "\\PC{0,5}",
    ];
    let separator = prop_oneof![8 => Just("/"), 1 => Just("//"), 1 => Just("\\")];
    (
        prop::collection::vec((segment.clone(), separator), 0..4),
        segment,
        extension,
        prop::option::weighted(0.1, "\\PC{0,3}"),
    )
        .prop_map(|(dirs, file, extension, prefix)| {
            let dirs: String = dirs.iter().map(|(d, s)| format!("{d}{s}")).collect();
            format!("{}{dirs}{file}.{extension}", prefix.unwrap_or_default())
        })
}

property!(
    any_text_is_a_media_key_only_if_it_reads_back_unchanged,
    any_text_is_a_media_key_only_if_it_reads_back_unchanged_long,
    5_000,
    prop_oneof![3 => key_like(), 1 => "\\PC{0,80}", 1 => ".{0,80}"],
    |text| {
        let Some(key) = MediaKey::parse(&text) else {
            return Ok(());
        };
        prop_assert_eq!(key.as_str(), text.as_str());
        prop_assert_eq!(key.to_string(), text.clone());
        prop_assert_eq!(MediaKey::parse(key.as_str()), Some(key.clone()));
        prop_assert!(MEDIA_TYPES.iter().any(|(t, _)| *t == key.content_type()));
        // No path tricks reach a store.
        let plain = text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '/' | '.'));
        prop_assert!(plain, "{}", text);
        prop_assert!(!text.starts_with('/') && !text.contains("//") && !text.contains(".."));
        Ok(())
    }
);
