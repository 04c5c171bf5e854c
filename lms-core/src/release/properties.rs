//! Properties of the gates over random curricula, learners and moments: what opens stays
//! open as time passes and lessons are completed, previews and `all` unlocks are never held,
//! and a date given as `available_at` is the moment the dates stop holding.

use super::*;
use crate::course::{LessonKind, Module};
use crate::ids::{CourseId, ModuleId};
use chrono::TimeZone;
use proptest::prelude::*;

fn base() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap()
}

fn rule() -> impl Strategy<Value = Option<Release>> {
    let some = (
        prop::option::of(0u32..10),
        prop::option::of(0i64..20),
        any::<bool>(),
    )
        .prop_map(|(after_days, from_day, requires_previous)| Release {
            after_days,
            available_from: from_day.map(|d| base() + Duration::days(d)),
            requires_previous,
        });
    prop::option::weighted(0.5, some)
}

/// A lesson's shape: (required, free preview, rule).
fn lesson() -> impl Strategy<Value = (bool, bool, Option<Release>)> {
    (prop::bool::weighted(0.8), prop::bool::weighted(0.1), rule())
}

fn outline() -> impl Strategy<Value = Vec<OutlineModule>> {
    let module = (rule(), prop::collection::vec(lesson(), 0..5));
    prop::collection::vec(module, 1..4).prop_map(|modules| {
        modules
            .into_iter()
            .enumerate()
            .map(|(position, (release, lessons))| OutlineModule {
                module: Module {
                    id: ModuleId::new(),
                    course_id: CourseId::new(),
                    title: format!("M{position}"),
                    position: position as u32,
                    release,
                },
                lessons: lessons
                    .into_iter()
                    .enumerate()
                    .map(|(i, (required, free_preview, release))| LessonSummary {
                        id: LessonId::new(),
                        course_id: CourseId::new(),
                        module_id: ModuleId::new(),
                        title: format!("L{position}.{i}"),
                        kind: LessonKind::Text,
                        position: i as u32,
                        duration_minutes: None,
                        free_preview,
                        required,
                        release,
                    })
                    .collect(),
            })
            .collect()
    })
}

/// Gates for a learner enrolled at [`base`] who completed the lessons `done` picks.
fn gates_at(
    outline: &[OutlineModule],
    done: &[bool],
    unlocked: &Unlocked,
    now: DateTime<Utc>,
) -> Vec<Gate> {
    let completed = outline
        .iter()
        .flat_map(|m| &m.lessons)
        .zip(done.iter().cycle())
        .filter(|(_, d)| **d)
        .map(|(l, _)| l.id)
        .collect();
    let learner = Learner {
        enrolled_at: base(),
        unlocked,
        completed: &completed,
    };
    gates(outline, learner, now)
}

proptest! {
    #[test]
    fn gates_open_with_time_and_completions_and_never_hold_previews(
        outline in outline(),
        done in prop::collection::vec(any::<bool>(), 1..20),
        more in prop::collection::vec(any::<bool>(), 1..20),
        hours in 0i64..(30 * 24),
        later in 0i64..(30 * 24),
    ) {
        let none = Unlocked::default();
        let now = base() + Duration::hours(hours);
        let gates = gates_at(&outline, &done, &none, now);
        let lessons: Vec<&LessonSummary> = outline.iter().flat_map(|m| &m.lessons).collect();
        prop_assert_eq!(gates.len(), lessons.len());
        for (gate, lesson) in gates.iter().zip(&lessons) {
            prop_assert_eq!(gate.lesson_id, lesson.id);
            if lesson.free_preview {
                prop_assert!(!gate.locked);
            }
            if !gate.locked {
                prop_assert!(gate.available_at.is_none() && gate.waits_for.is_none());
            }
            if let Some(at) = gate.available_at {
                prop_assert!(at > now, "a date in the past holds nothing");
            }
        }
        // Later, and with more completed, nothing that was open closes.
        let then = now + Duration::hours(later);
        let more_done: Vec<bool> = done.iter().zip(more.iter().cycle()).map(|(a, b)| *a || *b).collect();
        let after = gates_at(&outline, &more_done, &none, then);
        for (before, after) in gates.iter().zip(&after) {
            prop_assert!(before.locked || !after.locked);
        }
        // At its `available_at`, a lesson that waits for nothing else is open.
        for gate in gates.iter().filter(|g| g.waits_for.is_none()) {
            if let Some(at) = gate.available_at {
                let opened = gates_at(&outline, &done, &none, at);
                let same = opened.iter().find(|g| g.lesson_id == gate.lesson_id);
                prop_assert!(same.is_some_and(|g| !g.locked));
            }
        }
        // `all` opens everything.
        prop_assert!(gates_at(&outline, &done, &Unlocked::All, now).iter().all(|g| !g.locked));
    }
}
