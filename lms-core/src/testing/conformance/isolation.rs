//! Isolation by id: an id is found only within the course and the org its path names, and an
//! org's admin has no say in another org. Every id below exists, in another course or another
//! org, so a missing check shows up as a success instead of hiding behind an unknown id.

use super::helpers::page;
use crate::testing::fixtures::{ORG, OTHER, World, acme, assert_code, assert_invalid};
use crate::{
    Actor, CourseOutline, CourseRef, CurriculumLayout, EnrollmentSource, ImportedEnrollment,
    ImportedProgress, LessonKind, LessonPatch, Lms, ModuleInput, ModuleLayout, NewLesson, NewPost,
    OrgPatch, Post, PostPatch, ProgressUpdate, Role,
};
use serde_json::json;

/// Two courses of `acme` (`a`, `b`) and one of `other` (`z`, run by the world's outsider,
/// who is `other`'s admin), each with a post by someone entitled to it.
struct Tenants {
    w: World,
    a: CourseOutline,
    foreign: Vec<(&'static str, Foreign)>,
}

/// Ids of one course that a call addressed to course `a` must not find.
struct Foreign {
    course: CourseOutline,
    post: Post,
}

impl Foreign {
    fn module(&self) -> crate::ModuleId {
        self.course.modules[0].module.id
    }
    fn lesson(&self) -> crate::LessonId {
        self.course.modules[0].lessons[0].id
    }
    fn quiz(&self) -> crate::LessonId {
        self.course.modules[1].lessons[0].id
    }
}

impl Tenants {
    async fn new(lms: Lms) -> Self {
        let w = World::new(lms).await;
        let a = w.published("a", None).await;
        let b = w.published("b", None).await;
        for course in ["a", "b"] {
            w.lms.enroll(&w.learner, acme(course)).await.unwrap();
        }
        let b_post = post(&w, &w.learner, acme("b"), b.modules[0].lessons[0].id).await;
        let z = w.other_org("z").await;
        let z_ref = CourseRef {
            org: OTHER,
            course: "z",
        };
        let z_post = post(&w, &w.outsider, z_ref, z.modules[0].lessons[0].id).await;
        let foreign = vec![
            (
                "another course",
                Foreign {
                    course: b,
                    post: b_post,
                },
            ),
            (
                "another org",
                Foreign {
                    course: z,
                    post: z_post,
                },
            ),
        ];
        Self { w, a, foreign }
    }

    /// What the foreign courses look like to their own managers: unchanged by the calls.
    async fn snapshot(&self) -> Vec<(CourseOutline, usize)> {
        let mut seen = Vec::new();
        for (_, foreign) in &self.foreign {
            let (who, course) = self.manager_of(foreign);
            let outline = self.w.lms.course(who, course).await.unwrap();
            let posts = self
                .w
                .lms
                .posts(who, course, foreign.lesson(), page(50))
                .await
                .unwrap();
            assert!(posts.items.iter().any(|p| p.id == foreign.post.id));
            seen.push((outline, posts.items.len()));
        }
        seen
    }

    fn manager_of<'a>(&'a self, foreign: &'a Foreign) -> (&'a Actor, CourseRef<'a>) {
        if foreign.course.course.org_id == self.w.org_id {
            (&self.w.admin, acme(&foreign.course.course.slug))
        } else {
            let course = CourseRef {
                org: OTHER,
                course: &foreign.course.course.slug,
            };
            (&self.w.outsider, course)
        }
    }
}

async fn post(w: &World, who: &Actor, course: CourseRef<'_>, lesson: crate::LessonId) -> Post {
    let new = NewPost {
        body: "mine".into(),
        parent_id: None,
    };
    w.lms.create_post(who, course, lesson, new).await.unwrap()
}

pub async fn ids_of_another_course_or_org_are_not_found(lms: Lms) {
    let t = Tenants::new(lms).await;
    let (w, a) = (&t.w, acme("a"));
    let before = t.snapshot().await;
    for (whose, f) in &t.foreign {
        let admin = &w.admin;
        let rename = || crate::ModulePatch {
            title: Some("Taken over".into()),
            release: None,
        };
        let lesson = || NewLesson {
            release: None,
            title: "Planted".into(),
            kind: LessonKind::Text,
            content: json!({"markdown": "x"}),
            free_preview: None,
            duration_minutes: None,
            required: None,
        };
        let retitle = || LessonPatch {
            title: Some("Taken over".into()),
            ..Default::default()
        };
        let not_found = |what: &str, result: Result<(), crate::LmsError>| {
            assert_eq!(
                result.map_err(|e| e.code()),
                Err("not_found"),
                "{what} with an id of {whose}"
            );
        };
        let update_module = w.lms.update_module(admin, a, f.module(), rename());
        not_found("update_module", update_module.await.map(drop));
        let delete_module = w.lms.delete_module(admin, a, f.module());
        not_found("delete_module", delete_module.await);
        let create_lesson = w.lms.create_lesson(admin, a, f.module(), lesson());
        not_found("create_lesson", create_lesson.await.map(drop));
        let update_lesson = w.lms.update_lesson(admin, a, f.lesson(), retitle());
        not_found("update_lesson", update_lesson.await.map(drop));
        let read_lesson = w.lms.lesson(admin, a, f.lesson());
        not_found("lesson", read_lesson.await.map(drop));
        let delete_lesson = w.lms.delete_lesson(admin, a, f.lesson());
        not_found("delete_lesson", delete_lesson.await);
        let posts = w.lms.posts(admin, a, f.lesson(), page(10));
        not_found("posts", posts.await.map(drop));
        let new_post = NewPost {
            body: "planted".into(),
            parent_id: None,
        };
        let create_post = w.lms.create_post(admin, a, f.lesson(), new_post);
        not_found("create_post", create_post.await.map(drop));
        let reply = NewPost {
            body: "planted".into(),
            parent_id: Some(f.post.id),
        };
        let lesson_of_a = t.a.modules[0].lessons[0].id;
        let reply = w.lms.create_post(admin, a, lesson_of_a, reply).await;
        assert_invalid(reply, &["parent_id"]);
        let hide = PostPatch {
            body: None,
            hidden: Some(true),
        };
        let update_post = w.lms.update_post(admin, a, f.post.id, hide);
        not_found("update_post", update_post.await.map(drop));
        let delete_post = w.lms.delete_post(admin, a, f.post.id);
        not_found("delete_post", delete_post.await);

        // The learner is enrolled in `a` (and, for `b`, in the foreign course too).
        let learner = &w.learner;
        let done = ProgressUpdate {
            position_seconds: None,
            percent: Some(100),
            status: None,
        };
        let progress = w.lms.record_progress(learner, a, f.lesson(), done);
        not_found("record_progress", progress.await.map(drop));
        let answers = json!({"q1": "b", "q2": true});
        let attempt = w.lms.submit_attempt(learner, a, f.quiz(), answers);
        not_found("submit_attempt", attempt.await.map(drop));
        let attempts = w.lms.attempts(learner, a, f.quiz(), page(10));
        not_found("attempts", attempts.await.map(drop));

        // Reordering `a` with a foreign module or lesson names ids `a` does not have.
        let mut layout = layout_of(&t.a);
        layout.modules[0].lessons.push(f.lesson());
        let reorder = w.lms.reorder_curriculum(admin, a, layout).await;
        assert_invalid(reorder, &["modules[0].lessons[2]"]);
        let mut layout = layout_of(&t.a);
        layout.modules.push(ModuleLayout {
            id: f.module(),
            lessons: vec![],
        });
        let reorder = w.lms.reorder_curriculum(admin, a, layout).await;
        assert_invalid(reorder, &["modules[2].id"]);

        // An import into `acme` names courses of `acme` and lessons of that course only.
        let import = |course_id, progress| {
            let batch = vec![ImportedEnrollment {
                user_id: w.outsider.user_id().unwrap(),
                course_id,
                source: EnrollmentSource::Admin,
                enrolled_at: t.a.course.created_at,
                progress,
            }];
            w.lms.import_enrollments(admin, ORG, batch)
        };
        if f.course.course.org_id != w.org_id {
            let other_course = import(f.course.course.id, vec![]).await;
            assert_invalid(other_course, &["[0].course_id"]);
        }
        let stray = ImportedProgress {
            lesson_id: f.lesson(),
            percent: 100,
            at: t.a.course.created_at,
        };
        let other_lesson = import(t.a.course.id, vec![stray]).await;
        assert_invalid(other_lesson, &["[0].progress"]);
    }
    assert_eq!(t.snapshot().await, before, "a foreign course changed");
    let a_now = w.lms.course(&w.admin, a).await.unwrap();
    assert_eq!(a_now.modules, t.a.modules, "course a changed");
}

pub async fn enrollments_are_revoked_only_in_their_course(lms: Lms) {
    let t = Tenants::new(lms).await;
    let w = &t.w;
    // Enrolled in `b` only: revoking them in `a` (same org) or in `z` (another org, by its
    // own admin) finds no enrollment, and the one in `b` stays active.
    let b_only = w.new_user("b-only@acme.test").await;
    w.lms.enroll(&b_only, acme("b")).await.unwrap();
    let user = b_only.user_id().unwrap();
    let revoke_in_a = w.lms.revoke_enrollment(&w.admin, acme("a"), user);
    assert_code(revoke_in_a.await, "not_found");
    let z = CourseRef {
        org: OTHER,
        course: "z",
    };
    let revoke_in_z = w.lms.revoke_enrollment(&w.outsider, z, user);
    assert_code(revoke_in_z.await, "not_found");
    let progress = w.lms.course_progress(&b_only, acme("b")).await;
    assert!(
        progress.is_ok(),
        "the enrollment in b was touched: {progress:?}"
    );
    let in_b = w
        .lms
        .enrollments(&w.admin, acme("b"), page(10))
        .await
        .unwrap();
    let mine = in_b.items.iter().find(|e| e.user_id == user).unwrap();
    assert!(mine.is_active());
}

pub async fn an_admin_of_one_org_has_no_say_in_another(lms: Lms) {
    let t = Tenants::new(lms).await;
    let w = &t.w;
    // The outsider administers `other`; to `acme` they are a signed-in stranger.
    let stranger = &w.outsider;
    let member = w.learner.user_id().unwrap();
    let rename = OrgPatch {
        name: Some("Taken over".into()),
        settings: None,
        membership: None,
    };
    assert_code(w.lms.update_org(stranger, ORG, rename).await, "forbidden");
    assert_code(w.lms.members(stranger, ORG, page(10)).await, "forbidden");
    let promote = w.lms.set_member_role(stranger, ORG, member, Role::Admin);
    assert_code(promote.await, "forbidden");
    let remove = w.lms.remove_member(stranger, ORG, member);
    assert_code(remove.await, "forbidden");
    assert_code(w.lms.payments(stranger, ORG, page(10)).await, "forbidden");
    assert_code(w.lms.org_report(stranger, ORG, page(10)).await, "forbidden");
    let import = w.lms.import_enrollments(stranger, ORG, vec![]);
    assert_code(import.await, "forbidden");
    // Course management in `acme` is the owner's and acme's admins', not other admins'.
    let a = acme("a");
    assert_code(
        w.lms.course_report(stranger, a, page(10)).await,
        "forbidden",
    );
    assert_code(w.lms.enrollments(stranger, a, page(10)).await, "forbidden");
    let input = ModuleInput {
        release: None,
        title: "Planted".into(),
    };
    assert_code(w.lms.create_module(stranger, a, input).await, "forbidden");
    assert_code(w.lms.enroll_user(stranger, a, member).await, "forbidden");
    assert_code(
        w.lms.revoke_enrollment(stranger, a, member).await,
        "forbidden",
    );
    // A draft of `acme` does not exist for them at all.
    w.draft("secret", None).await;
    assert_code(w.lms.course(stranger, acme("secret")).await, "not_found");

    let org = w.lms.org(ORG).await.unwrap();
    assert_eq!(org.name, "Acme");
    let members = w.lms.members(&w.admin, ORG, page(10)).await.unwrap();
    assert_eq!(members.items.len(), 3);
    assert!(
        members
            .items
            .iter()
            .any(|m| m.user_id == member && m.role == Role::Learner)
    );
    let enrollments = w.lms.enrollments(&w.admin, a, page(10)).await.unwrap();
    assert!(enrollments.items.iter().all(|e| e.is_active()));
    assert_eq!(
        w.lms.course(&w.admin, a).await.unwrap().modules,
        t.a.modules
    );
}

fn layout_of(outline: &CourseOutline) -> CurriculumLayout {
    CurriculumLayout {
        modules: outline
            .modules
            .iter()
            .map(|m| ModuleLayout {
                id: m.module.id,
                lessons: m.lessons.iter().map(|l| l.id).collect(),
            })
            .collect(),
    }
}
