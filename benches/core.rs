//! Micro-benchmarks of the pure core (the work every progress read, quiz attempt and request
//! does besides I/O) and of rendering a certificate PDF.
//!
//! ```sh
//! cargo bench --bench core
//! ```

use lms::course::{LessonKind, LessonSummary, Module, OutlineModule};
use lms::enrollment::{LessonProgress, LessonStatus};
use lms::policy::{Action, Standing, decide};
use lms::quiz::{Question, QuestionKind, Quiz, QuizOption};
use lms::{
    Course, CourseId, CourseStatus, Enrollment, EnrollmentId, EnrollmentSource, EnrollmentStatus,
    LessonId,
};
use lms::{ModuleId, OrgId, Role, UserId, progress};
use serde_json::{Map, Value, json};

fn main() {
    divan::main();
}

/// A 40-lesson course (5 modules × 8 lessons) and a learner who completed the first 20.
fn course_40() -> (Vec<OutlineModule>, Vec<LessonProgress>) {
    let course_id = CourseId::new();
    let user = UserId::new();
    let now = chrono::Utc::now();
    let mut progress = Vec::new();
    let modules: Vec<OutlineModule> = (0..5)
        .map(|m| {
            let module = Module {
                release: None,
                id: ModuleId::new(),
                course_id,
                title: format!("Module {m}"),
                position: m,
            };
            let lessons = (0..8)
                .map(|l| {
                    let lesson = LessonSummary {
                        release: None,
                        id: LessonId::new(),
                        course_id,
                        module_id: module.id,
                        title: format!("Lesson {m}.{l}"),
                        kind: if l == 7 {
                            LessonKind::Quiz
                        } else {
                            LessonKind::Text
                        },
                        position: l,
                        duration_minutes: Some(5),
                        free_preview: false,
                        required: true,
                    };
                    if m * 8 + l < 20 {
                        let mut p = LessonProgress::not_started(user, course_id, lesson.id, now);
                        p.status = LessonStatus::Completed;
                        p.percent = 100;
                        progress.push(p);
                    }
                    lesson
                })
                .collect();
            OutlineModule { module, lessons }
        })
        .collect();
    (modules, progress)
}

#[divan::bench]
fn course_progress_of_a_40_lesson_course(bencher: divan::Bencher) {
    let (outline, rows) = course_40();
    bencher.bench(|| {
        progress::evaluate(
            divan::black_box(&outline),
            divan::black_box(&rows),
            None,
            &[],
        )
    });
}

#[divan::bench]
fn rollup_of_a_40_lesson_course(bencher: divan::Bencher) {
    let (outline, rows) = course_40();
    bencher.bench(|| {
        progress::completed_required(divan::black_box(&outline), divan::black_box(&rows))
    });
}

/// A 50-question quiz of every kind, and answers that get about half of it right.
fn quiz_50() -> (Quiz, Map<String, Value>) {
    let options = || {
        (0..4)
            .map(|i| QuizOption {
                id: format!("o{i}"),
                text: format!("Option {i}"),
            })
            .collect()
    };
    let mut answers = Map::new();
    let questions = (0..50)
        .map(|i| {
            let (kind, answer) = match i % 5 {
                0 => (
                    QuestionKind::SingleChoice {
                        options: options(),
                        correct: vec!["o1".into()],
                    },
                    json!("o1"),
                ),
                1 => (
                    QuestionKind::MultipleChoice {
                        options: options(),
                        correct: vec!["o0".into(), "o2".into()],
                    },
                    json!(["o2", "o1"]),
                ),
                2 => (QuestionKind::TrueFalse { answer: true }, json!(true)),
                3 => (
                    QuestionKind::ShortText {
                        accepted: vec!["Borrow checker".into(), "borrowck".into()],
                    },
                    json!("  borrow   CHECKER "),
                ),
                _ => (
                    QuestionKind::Numeric {
                        value: 2.75,
                        tolerance: 0.01,
                    },
                    json!(2.0),
                ),
            };
            answers.insert(format!("q{i}"), answer);
            Question {
                id: format!("q{i}"),
                prompt: format!("Question {i}"),
                points: 1 + (i % 3) as u32,
                kind,
            }
        })
        .collect();
    (
        Quiz {
            questions,
            pass_percent: 70,
            max_attempts: None,
        },
        answers,
    )
}

#[divan::bench]
fn grading_a_50_question_quiz(bencher: divan::Bencher) {
    let (quiz, answers) = quiz_50();
    bencher.bench(|| divan::black_box(&quiz).grade(divan::black_box(&answers)));
}

#[divan::bench]
fn policy_decisions(bencher: divan::Bencher) {
    let owner = UserId::new();
    let now = chrono::Utc::now();
    let course = Course {
        prerequisites: Vec::new(),
        id: CourseId::new(),
        org_id: OrgId::new(),
        slug: "c".into(),
        title: "C".into(),
        description: String::new(),
        status: CourseStatus::Published,
        price: None,
        owner_id: owner,
        metadata: json!({}),
        created_at: now,
        updated_at: now,
    };
    let learner = Standing {
        user: Some(UserId::new()),
        role: Some(Role::Learner),
    };
    let enrollment = Enrollment {
        last_activity_at: None,
        unlocked: Default::default(),
        id: EnrollmentId::new(),
        user_id: learner.user.unwrap_or_default(),
        course_id: course.id,
        source: EnrollmentSource::Free,
        status: EnrollmentStatus::Active,
        revoked_reason: None,
        enrolled_at: now,
        completed_at: None,
        completed_required: 0,
    };
    let admin = Standing {
        user: Some(UserId::new()),
        role: Some(Role::Admin),
    };
    bencher.bench(|| {
        let a = decide(
            divan::black_box(&learner),
            Action::Learn(&course, Some(&enrollment)),
        );
        let b = decide(
            divan::black_box(&admin),
            Action::ManageCourse(&course, None),
        );
        let c = decide(
            divan::black_box(&Standing::ANONYMOUS),
            Action::ViewCourse(&course, None),
        );
        (a, b, c)
    });
}

/// Rendering a certificate PDF (fonts parsed once per process, as in a server; the name mixes
/// Latin and CJK, so three fonts are subset and embedded).
#[divan::bench]
fn certificate_pdf(bencher: divan::Bencher) {
    let issued_at = chrono::Utc::now();
    let document = lms_pdf::CertificateDocument {
        learner_name: "Zoë Łukasz 山田",
        course_title: "Rust for Embedders: Ownership, Borrowing and Lifetimes",
        org_name: "Demo Academy",
        issued_at,
        code: "K7QM-2XPD-9HVA-TRC3-WN4E-BJ8F-GSYZ",
        verify_url: "https://lms.example.com/api/v1/certificates/K7QM-2XPD-9HVA-TRC3-WN4E-BJ8F-GSYZ",
        revoked_notice: None,
    };
    lms_pdf::render(&document, lms_pdf::PaperSize::A4); // parse the embedded fonts
    bencher.bench(|| lms_pdf::render(divan::black_box(&document), lms_pdf::PaperSize::A4));
}
