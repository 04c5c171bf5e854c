//! Embedding lms-rs without HTTP: a console walkthrough of the `Lms` service.
//!
//! ```sh
//! cargo run -p lms-examples --example embedded
//! ```
//!
//! It seeds a demo org with an admin, an instructor and a learner, a published free course
//! with text, video and quiz lessons and a paid course, then plays a learner's path through
//! it and prints what the service answers at each step.
//!
//! `LMS_DATABASE_URL` picks the database (default `sqlite::memory:`; e.g.
//! `sqlite://lms-demo.db` keeps the data in a file, seeded on first start). A `postgres://`
//! URL selects Postgres; the example migrates it on start
//! and turns row-level security on.

use lms::{Actor, LessonKind, Lms, LmsError, NewOrg, NewUser, PageRequest, ProgressUpdate, Role};
use serde_json::json;

#[path = "shared/demo.rs"]
mod demo;

use demo::{FREE, FREE_COURSE, ORG, PAID_COURSE};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    demo::exit_with(run().await)
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("LMS_DATABASE_URL").unwrap_or_else(|_| "sqlite::memory:".into());
    let lms = demo::connect(&url).await?;
    println!("lms-rs demo on {url}\n");

    let people = match lms.org(ORG).await {
        Ok(_) => existing_people(&lms).await?,
        Err(LmsError::NotFound(_)) => seed(&lms).await?,
        Err(e) => return Err(e.into()),
    };
    let Demo {
        admin,
        instructor,
        learner,
    } = people;
    println!("Demo accounts (the host's auth vouches for them; the core stores no passwords):");
    for (email, role) in [
        ("admin@demo.test", "admin"),
        ("instructor@demo.test", "instructor"),
        ("learner@demo.test", "learner"),
    ] {
        println!("  {email:<22} {role}");
    }

    println!("\nCatalog of '{ORG}', as anyone sees it:");
    for course in lms
        .courses(&Actor::Anonymous, ORG, None, PageRequest::default())
        .await?
        .items
    {
        let price = course.price.map_or("free".to_string(), |p| {
            format!("{} {}", p.amount, p.currency)
        });
        println!("  {:<12} {:<28} {price}", course.slug, course.title);
    }

    println!("\nThe learner's path through '{FREE}':");
    match lms.enroll(&learner, FREE_COURSE).await {
        Ok(e) => println!("  enrolled ({:?})", e.source),
        Err(e) if e.code() == "already_enrolled" => println!("  already enrolled"),
        Err(e) => return Err(e.into()),
    }
    let outline = lms.course(&learner, FREE_COURSE).await?;
    let already_done = lms.course_progress(&learner, FREE_COURSE).await?.completed;
    for lesson in outline
        .modules
        .iter()
        .flat_map(|m| &m.lessons)
        .filter(|_| !already_done)
    {
        match lesson.kind {
            LessonKind::Quiz => {
                let wrong = lms
                    .submit_attempt(&learner, FREE_COURSE, lesson.id, json!({"q1": "copy"}))
                    .await?;
                println!(
                    "  quiz attempt {}: {}% passed={}",
                    wrong.attempt_number, wrong.score_percent, wrong.passed
                );
                let answers = json!({"q1": "move", "q2": true, "q3": ["ownership", "borrowing"]});
                let right = lms
                    .submit_attempt(&learner, FREE_COURSE, lesson.id, answers)
                    .await?;
                println!(
                    "  quiz attempt {}: {}% passed={}",
                    right.attempt_number, right.score_percent, right.passed
                );
            }
            _ => {
                let update = ProgressUpdate {
                    position_seconds: None,
                    percent: Some(100),
                    status: None,
                };
                let r = lms
                    .record_progress(&learner, FREE_COURSE, lesson.id, update)
                    .await?;
                println!(
                    "  completed '{}' → course {}% ({}/{})",
                    lesson.title,
                    r.course.percent,
                    r.course.completed_lessons,
                    r.course.total_lessons
                );
            }
        }
    }
    let progress = lms.course_progress(&learner, FREE_COURSE).await?;
    println!(
        "  course complete: {} at {:?}",
        progress.completed, progress.completed_at
    );

    println!("\nA paid course without a payment provider:");
    let refused = lms.enroll(&learner, PAID_COURSE).await.unwrap_err();
    println!(
        "  enroll → {} {} ({refused})",
        refused.status(),
        refused.code()
    );
    let checkout = lms
        .checkout(
            &learner,
            PAID_COURSE,
            lms::CheckoutUrls::new("https://demo.test/ok", "https://demo.test/no"),
        )
        .await
        .unwrap_err();
    println!("  checkout → {} {}", checkout.status(), checkout.code());

    println!("\nCourse report of '{FREE}' (read from per-enrollment rollups):");
    let report = lms
        .course_report(&instructor, FREE_COURSE, PageRequest::default())
        .await?;
    println!(
        "  enrolled {}, completed {}, average {:.1}%",
        report.summary.enrolled, report.summary.completed, report.summary.average_percent
    );
    for item in report.items {
        println!(
            "  {:<12} {:>3}%  completed_at={:?}",
            item.name, item.percent, item.completed_at
        );
    }
    println!("\nOrg report:");
    for row in lms
        .org_report(&admin, ORG, PageRequest::default())
        .await?
        .items
    {
        println!(
            "  {:<12} enrolled {:>2}  completed {:>2}  average {:>5.1}%",
            row.slug, row.enrolled, row.completed, row.average_percent
        );
    }
    Ok(())
}

struct Demo {
    admin: Actor,
    instructor: Actor,
    learner: Actor,
}

async fn existing_people(lms: &Lms) -> Result<Demo, LmsError> {
    let actor = |u: lms::User| Actor::User(u.id);
    Ok(Demo {
        admin: actor(lms.user_by_email("admin@demo.test").await?),
        instructor: actor(lms.user_by_email("instructor@demo.test").await?),
        learner: actor(lms.user_by_email("learner@demo.test").await?),
    })
}

async fn seed(lms: &Lms) -> Result<Demo, LmsError> {
    let user = |email: &str, name: &str| {
        lms.create_user(NewUser {
            email: email.into(),
            name: name.into(),
        })
    };
    let admin = Actor::User(user("admin@demo.test", "Ada Admin").await?.id);
    let instructor = user("instructor@demo.test", "Ivan Instructor").await?;
    let learner = user("learner@demo.test", "Lea Learner").await?;
    lms.create_org(
        &admin,
        NewOrg {
            slug: ORG.into(),
            name: "Demo Academy".into(),
        },
    )
    .await?;
    lms.set_member_role(&admin, ORG, instructor.id, Role::Instructor)
        .await?;
    lms.set_member_role(&admin, ORG, learner.id, Role::Learner)
        .await?;
    let instructor = Actor::User(instructor.id);

    demo::seed_courses(lms, &instructor).await?;
    Ok(Demo {
        admin,
        instructor,
        learner: Actor::User(learner.id),
    })
}
