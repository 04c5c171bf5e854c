//! Statements per grade: a course of its own (an assignment, then a text lesson) that 200
//! of the dataset's learners join and submit to; half are graded through the `Lms` the
//! workloads use (the two-statement path: it has seen the org), half each through a new
//! `Lms` on the same store (the general path, each fact read on its own: it has not).
//! Grades alternate passing (the lesson completes, the course does not) and failing.

use crate::dataset::{Dataset, ORG};
use lms::{
    Actor, CoursePatch, CourseRef, CourseStatus, GradeInput, LessonKind, Lms, ModuleInput,
    NewCourse, NewLesson, NewSubmission,
};
use serde_json::json;

const SLUG: &str = "graded";
const LEARNERS: usize = 200;

/// Statements per grade: (two-statement path, general path).
pub(crate) async fn statements_per_grade(
    lms: &Lms,
    data: &Dataset,
) -> Result<(f64, f64), Box<dyn std::error::Error>> {
    let course = CourseRef {
        org: ORG,
        course: SLUG,
    };
    let new = NewCourse {
        slug: SLUG.into(),
        title: "Graded".into(),
        ..Default::default()
    };
    lms.create_course(&data.owner, ORG, new).await?;
    let module = ModuleInput {
        release: None,
        title: "Work".into(),
    };
    let module = lms.create_module(&data.owner, course, module).await?;
    let lesson = |title: &str, kind, content| NewLesson {
        release: None,
        title: title.into(),
        kind,
        content,
        free_preview: None,
        duration_minutes: Some(5),
        required: None,
    };
    let content = json!({"instructions": "Write", "max_score": 10, "pass_percent": 60});
    let essay = lesson("Essay", LessonKind::Assignment, content);
    let essay = lms
        .create_lesson(&data.owner, course, module.id, essay)
        .await?;
    let text = lesson("Reflect", LessonKind::Text, json!({"markdown": "…"}));
    lms.create_lesson(&data.owner, course, module.id, text)
        .await?;
    let publish = CoursePatch {
        status: Some(CourseStatus::Published),
        ..Default::default()
    };
    lms.update_course(&data.owner, course, publish).await?;

    let mut submissions = Vec::with_capacity(LEARNERS);
    for learner in &data.learners[..LEARNERS] {
        let learner = Actor::User(*learner);
        lms.enroll(&learner, course).await?;
        let work = NewSubmission {
            body: Some("My essay".into()),
            attachments: None,
        };
        let submitted = lms.submit_assignment(&learner, course, essay.summary.id, work);
        submissions.push(submitted.await?.id);
    }
    let grade = |i: usize| GradeInput {
        score: if i.is_multiple_of(2) { 8 } else { 3 },
        feedback: None,
    };
    let (warm, general) = submissions.split_at(LEARNERS / 2);
    let two_statements = crate::statements::per_call(warm.len(), |i| async move {
        lms.grade_submission(&data.owner, course, warm[i], grade(i))
            .await
            .expect("a grade");
    })
    .await;
    let store = lms.store().clone();
    let each_alone = crate::statements::per_call(general.len(), |i| {
        let cold = Lms::from_arc(store.clone());
        async move {
            cold.grade_submission(&data.owner, course, general[i], grade(i))
                .await
                .expect("a grade");
        }
    })
    .await;
    Ok((two_statements, each_alone))
}
