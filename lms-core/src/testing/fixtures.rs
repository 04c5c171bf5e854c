//! A small world for conformance cases: an org with one member of each role, an outsider,
//! and helpers to build courses.

use crate::CourseRef;
use crate::{
    Actor, CourseOutline, CoursePatch, CourseStatus, Lesson, LessonKind, Lms, LmsError, Module,
    ModuleId, ModuleInput, NewCourse, NewLesson, NewOrg, NewUser, PriceInput, Role,
};
use serde_json::{Value, json};

/// An org `acme` with an admin, an instructor, a learner (as members), and an outsider
/// (signed in, no membership).
pub struct World {
    /// The service under test.
    pub lms: Lms,
    /// Admin of `acme`.
    pub admin: Actor,
    /// Instructor of `acme`.
    pub instructor: Actor,
    /// Learner member of `acme`.
    pub learner: Actor,
    /// A signed-in user with no membership.
    pub outsider: Actor,
    /// The id of the org `acme`.
    pub org_id: crate::OrgId,
}

/// The slug of the world's org.
pub const ORG: &str = "acme";

/// The slug of the org [`World::other_org`] makes.
pub const OTHER: &str = "other";

/// The course `course` (its id or slug) of the world's org, [`ORG`].
pub fn acme(course: &str) -> CourseRef<'_> {
    CourseRef { org: ORG, course }
}

impl World {
    /// Builds the world on an empty store.
    pub async fn new(lms: Lms) -> Self {
        let admin = user(&lms, "admin@acme.test", "Ada Admin").await;
        let instructor = user(&lms, "instructor@acme.test", "Ivan Instructor").await;
        let learner = user(&lms, "learner@acme.test", "Lea Learner").await;
        let outsider = user(&lms, "outsider@else.test", "Otto Outsider").await;
        let org = lms
            .create_org(
                &admin,
                NewOrg {
                    slug: ORG.into(),
                    name: "Acme".into(),
                },
            )
            .await
            .expect("create org");
        for (who, role) in [(&instructor, Role::Instructor), (&learner, Role::Learner)] {
            lms.set_member_role(&admin, ORG, who.user_id().expect("user"), role)
                .await
                .expect("add member");
        }
        Self {
            lms,
            admin,
            instructor,
            learner,
            outsider,
            org_id: org.id,
        }
    }

    /// Org [`OTHER`], whose admin is the world's outsider, with a published course `slug`
    /// shaped like [`World::published`]'s first and last lessons: a module `Basics` with a
    /// text lesson, a module `Check` with a quiz. For isolation checks with real foreign ids.
    pub async fn other_org(&self, slug: &str) -> CourseOutline {
        let lms = &self.lms;
        let org = NewOrg {
            slug: OTHER.into(),
            name: "Other".into(),
        };
        lms.create_org(&self.outsider, org)
            .await
            .expect("create org");
        let new = NewCourse {
            slug: slug.into(),
            title: format!("Course {slug}"),
            ..Default::default()
        };
        lms.create_course(&self.outsider, OTHER, new)
            .await
            .expect("create course");
        let course = CourseRef {
            org: OTHER,
            course: slug,
        };
        for (title, kind, content) in [
            (
                "Basics",
                LessonKind::Text,
                json!({"markdown": "# Elsewhere"}),
            ),
            ("Check", LessonKind::Quiz, quiz_content(None)),
        ] {
            let input = ModuleInput {
                release: None,
                title: title.into(),
            };
            let module = lms
                .create_module(&self.outsider, course, input)
                .await
                .expect("create module");
            let lesson = NewLesson {
                release: None,
                title: title.into(),
                kind,
                content,
                free_preview: None,
                duration_minutes: None,
                required: None,
            };
            lms.create_lesson(&self.outsider, course, module.id, lesson)
                .await
                .expect("create lesson");
        }
        let publish = CoursePatch {
            status: Some(CourseStatus::Published),
            ..Default::default()
        };
        lms.update_course(&self.outsider, course, publish)
            .await
            .expect("publish");
        lms.course(&self.outsider, course).await.expect("outline")
    }

    /// A new user, made a learner of the org and enrolled in its published course `slug`.
    pub async fn enrolled_learner(&self, email: &str, slug: &str) -> Actor {
        let learner = self.new_user(email).await;
        let id = learner.user_id().expect("a user");
        self.lms
            .set_member_role(&self.admin, ORG, id, Role::Learner)
            .await
            .expect("add member");
        self.lms.enroll(&learner, acme(slug)).await.expect("enroll");
        learner
    }

    /// A signed-in user with no membership anywhere.
    pub async fn new_user(&self, email: &str) -> Actor {
        user(&self.lms, email, email.split('@').next().unwrap_or(email)).await
    }

    /// A draft course owned by the instructor, free unless `price` is given.
    pub async fn draft(&self, slug: &str, price: Option<i64>) -> crate::Course {
        let new = NewCourse {
            slug: slug.into(),
            title: format!("Course {slug}"),
            price: price.map(|amount| PriceInput {
                amount,
                currency: "usd".into(),
            }),
            ..Default::default()
        };
        self.lms
            .create_course(&self.instructor, ORG, new)
            .await
            .expect("create course")
    }

    /// A published course by the instructor with two modules:
    /// `Basics` (text `Intro`, video `Watch`) and `Check` (quiz `Quiz`, pass 50%,
    /// two questions), all required.
    pub async fn published(&self, slug: &str, price: Option<i64>) -> CourseOutline {
        self.draft(slug, price).await;
        let basics = self.module(slug, "Basics").await;
        self.lesson(
            slug,
            basics.id,
            "Intro",
            LessonKind::Text,
            json!({"markdown": "# Hello"}),
        )
        .await;
        self.lesson(
            slug,
            basics.id,
            "Watch",
            LessonKind::Video,
            json!({"url": "https://video.test/1"}),
        )
        .await;
        let check = self.module(slug, "Check").await;
        self.lesson(
            slug,
            check.id,
            "Quiz",
            LessonKind::Quiz,
            quiz_content(Some(3)),
        )
        .await;
        self.publish(slug).await;
        self.lms
            .course(&self.instructor, acme(slug))
            .await
            .expect("outline")
    }

    /// Publishes a draft.
    pub async fn publish(&self, slug: &str) {
        let patch = CoursePatch {
            status: Some(CourseStatus::Published),
            ..Default::default()
        };
        self.lms
            .update_course(&self.instructor, acme(slug), patch)
            .await
            .expect("publish");
    }

    /// Appends a module to a course of the instructor.
    pub async fn module(&self, slug: &str, title: &str) -> Module {
        let input = ModuleInput {
            release: None,
            title: title.into(),
        };
        self.lms
            .create_module(&self.instructor, acme(slug), input)
            .await
            .expect("create module")
    }

    /// Appends a required lesson to a module.
    pub async fn lesson(
        &self,
        slug: &str,
        module: ModuleId,
        title: &str,
        kind: LessonKind,
        content: Value,
    ) -> Lesson {
        let new = NewLesson {
            release: None,
            title: title.into(),
            kind,
            content,
            free_preview: None,
            duration_minutes: Some(5),
            required: None,
        };
        self.lms
            .create_lesson(&self.instructor, acme(slug), module, new)
            .await
            .expect("create lesson")
    }
}

/// Content of a two-question quiz (q1 single choice "b", 1 point; q2 true, 1 point) with
/// pass percent 50.
pub fn quiz_content(max_attempts: Option<u32>) -> Value {
    let mut quiz = json!({
        "pass_percent": 50,
        "questions": [
            {"id": "q1", "kind": "single_choice", "prompt": "Pick b",
             "options": [{"id": "a", "text": "A"}, {"id": "b", "text": "B"}], "correct": ["b"]},
            {"id": "q2", "kind": "true_false", "prompt": "Rust has a borrow checker", "answer": true}
        ]
    });
    if let Some(max) = max_attempts {
        quiz["max_attempts"] = json!(max);
    }
    quiz
}

async fn user(lms: &Lms, email: &str, name: &str) -> Actor {
    let user = lms
        .create_user(NewUser {
            email: email.into(),
            name: name.into(),
        })
        .await
        .expect("create user");
    Actor::User(user.id)
}

/// Asserts that `result` failed with the API error `code`.
#[track_caller]
pub fn assert_code<T: std::fmt::Debug>(result: Result<T, LmsError>, code: &str) {
    match result {
        Err(e) => assert_eq!(e.code(), code, "expected {code}, got {e:?}"),
        Ok(v) => panic!("expected {code}, got Ok({v:?})"),
    }
}

/// Asserts that `result` failed validation on (at least) each of `fields`.
#[track_caller]
pub fn assert_invalid<T: std::fmt::Debug>(result: Result<T, LmsError>, fields: &[&str]) {
    match result {
        Err(LmsError::Validation(errors)) => {
            for field in fields {
                assert!(
                    errors.0.iter().any(|e| e.field == *field),
                    "no error on {field}: {errors:?}"
                );
            }
        }
        other => panic!("expected a validation error on {fields:?}, got {other:?}"),
    }
}
