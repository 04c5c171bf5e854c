//! The data `scripts/bench-http.sh` loads the example server with before it runs wrk
//! (BENCHMARKS.md, "Over HTTP"): an org `bench` with one published course `load` of 5
//! modules × 8 text lessons, and learners signed up through the built-in sign-in and
//! enrolled in it. Writes a Lua file for wrk's scripts: the learners' bearer tokens and the
//! lesson ids.
//!
//! ```sh
//! cargo run -p lms-examples --release --example load_data -- sqlite://bench.db bench.lua 200
//! ```

use lms::{
    Actor, CoursePatch, CourseRef, CourseStatus, LessonKind, Lms, ModuleInput, NewCourse,
    NewLesson, NewOrg, NewUser,
};
use lms_axum::{AuthConfig, BuiltInAuth};
use lms_examples::demo;
use std::fmt::Write as _;

const ORG: &str = "bench";
const COURSE: CourseRef<'static> = CourseRef {
    org: ORG,
    course: "load",
};
const MODULES: usize = 5;
const LESSONS_PER_MODULE: usize = 8;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    demo::exit_with(run().await)
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: load_data <database url> <lua file to write> [learners, default 200]";
    let url = args.next().ok_or(usage)?;
    let out = args.next().ok_or(usage)?;
    let learners: usize = args.next().map_or(Ok(200), |n| n.parse())?;
    let lms = demo::connect(&url).await?;
    let auth = BuiltInAuth::new(lms.clone(), AuthConfig::default());
    let sign_up = |i: usize| {
        let new = NewUser {
            email: format!("learner{i}@bench.test"),
            name: format!("Learner {i}"),
        };
        auth.sign_up(new, "bench-password-1")
    };
    let owner = sign_up(0).await.map_err(|e| format!("{e:?}"))?;
    let owner_id = owner.user.id;
    let owner = Actor::User(owner_id);
    let org = NewOrg {
        slug: ORG.into(),
        name: "Bench".into(),
    };
    lms.create_org_for(owner_id, org).await?;
    let lessons = course(&lms, &owner).await?;
    let mut lua = String::from("tokens = {\n");
    for i in 1..=learners {
        let learner = sign_up(i).await.map_err(|e| format!("{e:?}"))?;
        lms.enroll(&Actor::User(learner.user.id), COURSE).await?;
        writeln!(lua, "  \"{}\",", learner.token)?;
    }
    lua.push_str("}\nlessons = {\n");
    for lesson in &lessons {
        writeln!(lua, "  \"{lesson}\",")?;
    }
    lua.push_str("}\n");
    std::fs::write(&out, lua)?;
    println!(
        "{learners} learners enrolled in {ORG}/{} ({} lessons); wrote {out}",
        COURSE.course,
        lessons.len()
    );
    Ok(())
}

/// The published course, and its lesson ids in curriculum order.
async fn course(lms: &Lms, owner: &Actor) -> Result<Vec<lms::LessonId>, lms::LmsError> {
    let new = NewCourse {
        slug: COURSE.course.into(),
        title: "Load".into(),
        ..Default::default()
    };
    lms.create_course(owner, ORG, new).await?;
    let mut lessons = Vec::new();
    for m in 0..MODULES {
        let module = ModuleInput {
            title: format!("Module {m}"),
            ..Default::default()
        };
        let module = lms.create_module(owner, COURSE, module).await?;
        for l in 0..LESSONS_PER_MODULE {
            let lesson = NewLesson {
                title: format!("Lesson {m}.{l}"),
                kind: LessonKind::Text,
                content: serde_json::json!({"markdown": "Read this."}),
                free_preview: None,
                duration_minutes: None,
                required: None,
                release: None,
            };
            let lesson = lms.create_lesson(owner, COURSE, module.id, lesson).await?;
            lessons.push(lesson.summary.id);
        }
    }
    let publish = CoursePatch {
        status: Some(CourseStatus::Published),
        ..Default::default()
    };
    lms.update_course(owner, COURSE, publish).await?;
    Ok(lessons)
}
