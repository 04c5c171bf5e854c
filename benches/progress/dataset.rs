//! The benchmark's dataset: its shape, and loading it through the public API.

use crate::random::{Rng, Zipf};
use lms::CourseRef;
use lms::{
    Actor, CoursePatch, CourseStatus, EnrollmentSource, ImportedEnrollment, ImportedProgress,
    LessonId, LessonKind, Lms, ModuleInput, NewCourse, NewLesson, NewOrg, NewUser, PriceInput,
    UserId,
};
use serde_json::json;

pub(crate) const ORG: &str = "bench";
pub(crate) const COURSES: usize = 200;
const MODULES: usize = 5;
const LESSONS_PER_MODULE: usize = 8;
pub(crate) const LESSONS: usize = MODULES * LESSONS_PER_MODULE;
pub(crate) const ENROLLMENTS_PER_LEARNER: usize = 3;
const ZIPF_EXPONENT: f64 = 0.8;
/// Learners imported per transaction.
const IMPORT_BATCH: usize = 2_000;

/// What the workloads need to know about the loaded data.
pub(crate) struct Dataset {
    pub(crate) admin: Actor,
    pub(crate) owner: Actor,
    pub(crate) courses: Vec<String>,
    pub(crate) lessons: Vec<Vec<LessonId>>,
    pub(crate) learners: Vec<UserId>,
    /// Per learner, the indices of their 3 courses.
    pub(crate) enrolled: Vec<[u16; ENROLLMENTS_PER_LEARNER]>,
}

/// Creates the org and courses through the API, then imports learners, enrollments and
/// progress in batches.
pub(crate) async fn load(
    lms: &Lms,
    learners: usize,
) -> Result<(Dataset, usize, usize), Box<dyn std::error::Error>> {
    let people = lms
        .import_users(vec![
            NewUser {
                email: "admin@bench.test".into(),
                name: "Admin".into(),
            },
            NewUser {
                email: "owner@bench.test".into(),
                name: "Owner".into(),
            },
        ])
        .await?;
    let (admin, owner) = (Actor::User(people[0].id), Actor::User(people[1].id));
    lms.create_org(
        &admin,
        NewOrg {
            slug: ORG.into(),
            name: "Bench".into(),
        },
    )
    .await?;
    lms.set_member_role(&admin, ORG, people[1].id, lms::Role::Instructor)
        .await?;
    let mut courses = Vec::with_capacity(COURSES);
    let mut lessons = Vec::with_capacity(COURSES);
    for c in 0..COURSES {
        let slug = format!("course-{c:03}");
        let new = NewCourse {
            slug: slug.clone(),
            title: format!("Course {c}"),
            price: (c % 2 == 1).then(|| PriceInput {
                amount: 4900,
                currency: "usd".into(),
            }),
            ..Default::default()
        };
        lms.create_course(&owner, ORG, new).await?;
        let mut ids = Vec::with_capacity(LESSONS);
        for m in 0..MODULES {
            let module = lms
                .create_module(
                    &owner,
                    CourseRef {
                        org: ORG,
                        course: &slug,
                    },
                    ModuleInput {
                        release: None,
                        title: format!("Module {m}"),
                    },
                )
                .await?;
            for l in 0..LESSONS_PER_MODULE {
                let lesson = NewLesson {
                    release: None,
                    title: format!("Lesson {m}.{l}"),
                    kind: LessonKind::Text,
                    content: json!({"markdown": "…"}),
                    free_preview: None,
                    duration_minutes: Some(5),
                    required: None,
                };
                ids.push(
                    lms.create_lesson(
                        &owner,
                        CourseRef {
                            org: ORG,
                            course: &slug,
                        },
                        module.id,
                        lesson,
                    )
                    .await?
                    .summary
                    .id,
                );
            }
        }
        let publish = CoursePatch {
            status: Some(CourseStatus::Published),
            ..Default::default()
        };
        lms.update_course(
            &owner,
            CourseRef {
                org: ORG,
                course: &slug,
            },
            publish,
        )
        .await?;
        courses.push(
            lms.course(
                &owner,
                CourseRef {
                    org: ORG,
                    course: &slug,
                },
            )
            .await?
            .course
            .id
            .to_string(),
        );
        lessons.push(ids);
    }

    let zipf = Zipf::new(COURSES, ZIPF_EXPONENT);
    let mut rng = Rng(0x1D5_2026);
    let mut all_learners = Vec::with_capacity(learners);
    let mut enrolled = Vec::with_capacity(learners);
    let (mut enrollments, mut rows) = (0, 0);
    let now = chrono::Utc::now();
    for first in (0..learners).step_by(IMPORT_BATCH) {
        let count = IMPORT_BATCH.min(learners - first);
        let new_users = (first..first + count)
            .map(|i| NewUser {
                email: format!("learner{i}@bench.test"),
                name: format!("Learner {i}"),
            })
            .collect();
        let users = lms.import_users(new_users).await?;
        let mut batch = Vec::with_capacity(count * ENROLLMENTS_PER_LEARNER);
        for user in &users {
            let mut picks = [0u16; ENROLLMENTS_PER_LEARNER];
            let mut taken = 0;
            while taken < ENROLLMENTS_PER_LEARNER {
                let course = zipf.sample(&mut rng) as u16;
                if !picks[..taken].contains(&course) {
                    picks[taken] = course;
                    taken += 1;
                }
            }
            for course in picks {
                let done = (rng.unit() * LESSONS as f64).round() as usize;
                let ids = &lessons[course as usize];
                let mut progress: Vec<ImportedProgress> = ids[..done]
                    .iter()
                    .map(|id| ImportedProgress {
                        lesson_id: *id,
                        percent: 100,
                        at: now,
                    })
                    .collect();
                if done < LESSONS {
                    progress.push(ImportedProgress {
                        lesson_id: ids[done],
                        percent: 50,
                        at: now,
                    });
                }
                rows += progress.len();
                batch.push(ImportedEnrollment {
                    user_id: user.id,
                    course_id: courses[course as usize].parse()?,
                    source: EnrollmentSource::Admin,
                    enrolled_at: now,
                    progress,
                });
            }
            all_learners.push(user.id);
            enrolled.push(picks);
        }
        enrollments += batch.len();
        lms.import_enrollments(&admin, ORG, batch).await?;
    }
    Ok((
        Dataset {
            admin,
            owner,
            courses,
            lessons,
            learners: all_learners,
            enrolled,
        },
        enrollments,
        rows,
    ))
}
