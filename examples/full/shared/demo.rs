//! What the examples share (`#[path]`-included: each example is its own crate): opening the
//! store a URL names, and the demo org's courses.

use lms::CourseRef;
use lms::release::Release;
use lms::sqlite::SqliteStore;
use lms::{
    Actor, CoursePatch, CourseStatus, LessonKind, Lms, LmsError, ModuleInput, NewCourse, NewLesson,
    PriceInput,
};
use serde_json::json;

/// The demo org's slug.
pub const ORG: &str = "demo";
/// The free course: two lessons and a quiz.
pub const FREE: &str = "rust-101";
/// The paid course.
pub const PAID: &str = "async-rust";
/// The course of graded work: an assignment, a lesson after it, a module that drips.
pub const PROJECTS: &str = "rust-projects";
/// [`FREE`] as the service addresses it.
pub const FREE_COURSE: CourseRef<'static> = CourseRef {
    org: ORG,
    course: FREE,
};
/// [`PROJECTS`] as the service addresses it.
pub const PROJECTS_COURSE: CourseRef<'static> = CourseRef {
    org: ORG,
    course: PROJECTS,
};
/// [`PAID`] as the service addresses it.
pub const PAID_COURSE: CourseRef<'static> = CourseRef {
    org: ORG,
    course: PAID,
};

/// An LMS on the database `url` names: `sqlite:…` (the file is created if missing) or
/// `postgres://…` (migrated, with row-level security on).
pub async fn connect(url: &str) -> Result<Lms, Box<dyn std::error::Error>> {
    if !url.starts_with("postgres://") && !url.starts_with("postgresql://") {
        return Ok(Lms::new(SqliteStore::connect(url).await?));
    }
    // LISTEN for live events needs a session: behind a transaction-mode pooler, point
    // LMS_LISTEN_URL at a direct URL of the same database.
    let listen_url = std::env::var("LMS_LISTEN_URL")
        .ok()
        .filter(|v| !v.trim().is_empty());
    let mut options = lms::postgres::PgOptions::default();
    options.row_level_security = true;
    options.listen_url = listen_url;
    let store = lms::postgres::PgStore::connect_with(url, options).await?;
    store.migrate().await?;
    Ok(Lms::new(store))
}

/// Creates and publishes the demo courses, owned by `instructor`, in the demo org.
pub async fn seed_courses(lms: &Lms, instructor: &Actor) -> Result<(), LmsError> {
    let course = NewCourse {
        slug: FREE.into(),
        title: "Rust 101".into(),
        description: Some("Ownership, borrowing and the compiler as a friend.".into()),
        ..Default::default()
    };
    lms.create_course(instructor, ORG, course).await?;
    let lesson = |title: &str, kind, content, free_preview| NewLesson {
        release: None,
        title: title.into(),
        kind,
        content,
        free_preview: Some(free_preview),
        duration_minutes: Some(10),
        required: None,
    };
    let basics = lms
        .create_module(
            instructor,
            FREE_COURSE,
            ModuleInput {
                release: None,
                title: "Basics".into(),
            },
        )
        .await?;
    let text = json!({"markdown": "# Ownership\nEvery value has exactly one owner."});
    lms.create_lesson(
        instructor,
        FREE_COURSE,
        basics.id,
        lesson("Ownership", LessonKind::Text, text, true),
    )
    .await?;
    let video = json!({"url": "https://example.com/borrowing.mp4", "transcript": "Borrowing lets you use a value without owning it."});
    lms.create_lesson(
        instructor,
        FREE_COURSE,
        basics.id,
        lesson("Borrowing", LessonKind::Video, video, false),
    )
    .await?;
    let check = lms
        .create_module(
            instructor,
            FREE_COURSE,
            ModuleInput {
                release: None,
                title: "Check".into(),
            },
        )
        .await?;
    let quiz = json!({
        "pass_percent": 70,
        "max_attempts": 3,
        "questions": [
            {"id": "q1", "kind": "single_choice", "prompt": "`let b = a;` for a String does…",
             "options": [{"id": "copy", "text": "a copy"}, {"id": "move", "text": "a move"}], "correct": ["move"]},
            {"id": "q2", "kind": "true_false", "prompt": "A value has exactly one owner.", "answer": true},
            {"id": "q3", "kind": "multiple_choice", "prompt": "Which are Rust concepts?",
             "options": [{"id": "ownership", "text": "Ownership"}, {"id": "borrowing", "text": "Borrowing"},
                         {"id": "gc", "text": "A tracing GC"}], "correct": ["ownership", "borrowing"]}
        ]
    });
    lms.create_lesson(
        instructor,
        FREE_COURSE,
        check.id,
        lesson("Checkpoint", LessonKind::Quiz, quiz, false),
    )
    .await?;
    let publish = || CoursePatch {
        status: Some(CourseStatus::Published),
        ..Default::default()
    };
    lms.update_course(instructor, FREE_COURSE, publish())
        .await?;

    let paid = NewCourse {
        slug: PAID.into(),
        title: "Async Rust in Practice".into(),
        price: Some(PriceInput {
            amount: 4900,
            currency: "usd".into(),
        }),
        ..Default::default()
    };
    lms.create_course(instructor, ORG, paid).await?;
    let futures = lms
        .create_module(
            instructor,
            PAID_COURSE,
            ModuleInput {
                release: None,
                title: "Futures".into(),
            },
        )
        .await?;
    let intro = json!({"markdown": "A future is a value that is not ready yet."});
    lms.create_lesson(
        instructor,
        PAID_COURSE,
        futures.id,
        lesson("What a future is", LessonKind::Text, intro, true),
    )
    .await?;
    let pinning = json!({"markdown": "`Pin` promises a value will not move, so a future may point into itself."});
    lms.create_lesson(
        instructor,
        PAID_COURSE,
        futures.id,
        lesson("Pinning", LessonKind::Text, pinning, false),
    )
    .await?;
    lms.update_course(instructor, PAID_COURSE, publish())
        .await?;
    seed_projects(lms, instructor).await
}

/// [`PROJECTS`]: a word counter graded by the instructor, a review that opens once it
/// passes, and a module that opens three days after enrollment.
async fn seed_projects(lms: &Lms, instructor: &Actor) -> Result<(), LmsError> {
    let course = NewCourse {
        slug: PROJECTS.into(),
        title: "Rust in Projects".into(),
        description: Some("Build, get graded, go further.".into()),
        ..Default::default()
    };
    lms.create_course(instructor, ORG, course).await?;
    let module = |title: &str, release| ModuleInput {
        title: title.into(),
        release,
    };
    let lesson = |title: &str, kind, content, release| NewLesson {
        title: title.into(),
        kind,
        content,
        free_preview: Some(false),
        duration_minutes: Some(30),
        required: None,
        release,
    };
    let build = lms
        .create_module(instructor, PROJECTS_COURSE, module("Build", None))
        .await?;
    let task = json!({
        "instructions": "Write `wc` in Rust: count the lines, words and bytes of a file. Submit your code (paste it, or attach a .zip or .txt).",
        "max_score": 10,
        "pass_percent": 70,
        "max_submissions": 3
    });
    lms.create_lesson(
        instructor,
        PROJECTS_COURSE,
        build.id,
        lesson("A word counter", LessonKind::Assignment, task, None),
    )
    .await?;
    let review = json!({"markdown": "# Review\nCompare your counter with the idiomatic one: `BufRead::lines`, `split_whitespace`, `?`."});
    let after_the_grade = Some(Release {
        requires_previous: true,
        ..Release::default()
    });
    lms.create_lesson(
        instructor,
        PROJECTS_COURSE,
        build.id,
        lesson("Review", LessonKind::Text, review, after_the_grade),
    )
    .await?;
    let three_days = Some(Release {
        after_days: Some(3),
        ..Release::default()
    });
    let further = lms
        .create_module(
            instructor,
            PROJECTS_COURSE,
            module("Going further", three_days),
        )
        .await?;
    let errors = json!({"markdown": "# Errors in depth\n`thiserror` for libraries, `anyhow` for applications."});
    lms.create_lesson(
        instructor,
        PROJECTS_COURSE,
        further.id,
        lesson("Error handling", LessonKind::Text, errors, None),
    )
    .await?;
    let publish = CoursePatch {
        status: Some(CourseStatus::Published),
        ..Default::default()
    };
    lms.update_course(instructor, PROJECTS_COURSE, publish)
        .await?;
    Ok(())
}

/// Ends an example: on an error, its message and causes in words (`Display`, not a `Debug`
/// dump) and a failing exit code.
pub fn exit_with(result: Result<(), Box<dyn std::error::Error>>) -> std::process::ExitCode {
    let Err(error) = result else {
        return std::process::ExitCode::SUCCESS;
    };
    eprintln!("error: {error}");
    let (mut said, mut cause) = (error.to_string(), error.source());
    while let Some(source) = cause {
        // Errors that wrap another often repeat its message: print only what is new.
        let text = source.to_string();
        if !said.contains(&text) {
            eprintln!("  because: {text}");
        }
        said = text;
        cause = source.source();
    }
    std::process::ExitCode::FAILURE
}
