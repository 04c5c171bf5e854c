//! The release rules as a table: each row is a curriculum, a learner and a moment, and the
//! gates they give.

use super::*;
use crate::course::{LessonKind, Module};
use crate::ids::{CourseId, ModuleId};
use chrono::TimeZone;

fn at(day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, day, 9, 0, 0).unwrap()
}

fn lesson(title: &str, required: bool, release: Option<Release>) -> LessonSummary {
    LessonSummary {
        id: LessonId::new(),
        course_id: CourseId::new(),
        module_id: ModuleId::new(),
        title: title.into(),
        kind: LessonKind::Text,
        position: 0,
        duration_minutes: None,
        free_preview: false,
        required,
        release,
    }
}

fn module(release: Option<Release>, lessons: Vec<LessonSummary>) -> OutlineModule {
    OutlineModule {
        module: Module {
            id: ModuleId::new(),
            course_id: CourseId::new(),
            title: "Module".into(),
            position: 0,
            release,
        },
        lessons,
    }
}

fn drip(days: u32) -> Option<Release> {
    Some(Release {
        after_days: Some(days),
        ..Release::default()
    })
}

fn from(day: u32) -> Option<Release> {
    Some(Release {
        available_from: Some(at(day)),
        ..Release::default()
    })
}

fn previous() -> Option<Release> {
    Some(Release {
        requires_previous: true,
        ..Release::default()
    })
}

/// The gates of `outline` for a learner enrolled on day 1, at `now`, who completed
/// `done` (indexes in curriculum order) and had `unlocked` opened early.
fn run(
    outline: &[OutlineModule],
    done: &[usize],
    unlocked: &Unlocked,
    now: DateTime<Utc>,
) -> Vec<Gate> {
    let all: Vec<&LessonSummary> = outline.iter().flat_map(|m| &m.lessons).collect();
    let completed = done.iter().map(|i| all[*i].id).collect();
    let learner = Learner {
        enrolled_at: at(1),
        unlocked,
        completed: &completed,
    };
    gates(outline, learner, now)
}

/// `(locked, available_at, waits_for)` of one gate.
type Shape<'a> = (bool, Option<DateTime<Utc>>, Option<&'a str>);

/// The [`Shape`] of each gate, for compact expectations.
fn shape(gates: &[Gate]) -> Vec<Shape<'_>> {
    gates
        .iter()
        .map(|g| (g.locked, g.available_at, g.waits_for.as_deref()))
        .collect()
}

#[test]
fn without_rules_every_lesson_is_open() {
    let outline = [module(
        None,
        vec![lesson("A", true, None), lesson("B", true, None)],
    )];
    let gates = run(&outline, &[], &Unlocked::default(), at(1));
    assert_eq!(shape(&gates), [(false, None, None), (false, None, None)]);
    assert!(!has_rules(&outline));
}

#[test]
fn a_drip_opens_after_days_counted_from_enrollment() {
    let outline = [module(drip(3), vec![lesson("A", true, None)])];
    let none = Unlocked::default();
    assert_eq!(
        shape(&run(&outline, &[], &none, at(2))),
        [(true, Some(at(4)), None)]
    );
    assert_eq!(
        shape(&run(&outline, &[], &none, at(4))),
        [(false, None, None)]
    );
    assert!(has_rules(&outline) && !reads_progress(&outline));
}

#[test]
fn dates_of_module_and_lesson_must_all_pass_and_the_later_one_says_when() {
    let outline = [module(drip(3), vec![lesson("A", true, from(10))])];
    let none = Unlocked::default();
    assert_eq!(
        shape(&run(&outline, &[], &none, at(5))),
        [(true, Some(at(10)), None)]
    );
    assert_eq!(
        shape(&run(&outline, &[], &none, at(10))),
        [(false, None, None)]
    );
    let outline = [module(from(10), vec![lesson("A", true, drip(20))])];
    assert_eq!(
        shape(&run(&outline, &[], &none, at(12))),
        [(true, Some(at(21)), None)]
    );
}

#[test]
fn requires_previous_waits_for_the_previous_required_lesson_across_modules() {
    let outline = [
        module(
            None,
            vec![lesson("A", true, None), lesson("Optional", false, None)],
        ),
        module(None, vec![lesson("B", true, previous())]),
    ];
    let none = Unlocked::default();
    let gates = run(&outline, &[], &none, at(1));
    assert_eq!(
        shape(&gates),
        [
            (false, None, None),
            (false, None, None),
            (true, None, Some("A"))
        ]
    );
    assert_eq!(
        gates[2].detail("B"),
        "Lesson 'B' opens once 'A' is completed"
    );
    // The optional lesson between them does not count; completing A opens B.
    let gates = run(&outline, &[0], &none, at(1));
    assert!(!gates[2].locked);
    assert!(reads_progress(&outline));
}

#[test]
fn the_first_lesson_has_nothing_before_it() {
    let outline = [module(None, vec![lesson("A", true, previous())])];
    assert!(!run(&outline, &[], &Unlocked::default(), at(1))[0].locked);
}

#[test]
fn a_module_that_requires_previous_waits_for_every_earlier_required_lesson() {
    let outline = [
        module(None, vec![lesson("A", true, None), lesson("B", true, None)]),
        module(
            previous(),
            vec![lesson("C", true, None), lesson("D", false, None)],
        ),
    ];
    let none = Unlocked::default();
    let waiting = run(&outline, &[1], &none, at(1));
    assert_eq!(waiting[2].waits_for.as_deref(), Some("A"));
    assert!(
        waiting[3].locked,
        "the module's rule holds every lesson in it"
    );
    let open = run(&outline, &[0, 1], &none, at(1));
    assert!(!open[2].locked && !open[3].locked);
}

#[test]
fn a_date_and_a_previous_lesson_together_say_both() {
    let rule = Some(Release {
        after_days: Some(7),
        requires_previous: true,
        ..Release::default()
    });
    let outline = [module(
        None,
        vec![lesson("A", true, None), lesson("B", true, rule)],
    )];
    let gates = run(&outline, &[], &Unlocked::default(), at(2));
    assert_eq!(shape(&gates)[1], (true, Some(at(8)), Some("A")));
    assert_eq!(
        gates[1].detail("B"),
        "Lesson 'B' opens on 2026-12-08 once 'A' is completed"
    );
    // The date passed but A is still missing: locked, with no date left to wait for.
    assert_eq!(
        shape(&run(&outline, &[], &Unlocked::default(), at(9)))[1],
        (true, None, Some("A"))
    );
}

#[test]
fn free_previews_and_early_unlocks_ignore_every_rule() {
    let mut preview = lesson("Preview", true, from(30));
    preview.free_preview = true;
    let held = lesson("Held", true, from(30));
    let held_id = held.id;
    let outline = [module(
        drip(10),
        vec![preview, held, lesson("Other", true, None)],
    )];
    let gates = run(&outline, &[], &Unlocked::Lessons(vec![held_id]), at(2));
    assert_eq!(
        shape(&gates),
        [
            (false, None, None),
            (false, None, None),
            (true, Some(at(11)), None)
        ]
    );
    let gates = run(&outline, &[], &Unlocked::All, at(2));
    assert!(gates.iter().all(|g| !g.locked));
}

#[test]
fn rules_and_unlocks_read_and_check_as_the_api_spells_them() {
    let rule: Release = serde_json::from_str(
        r#"{"available_from": "2026-12-03T00:00:00Z", "requires_previous": true}"#,
    )
    .unwrap();
    assert!(rule.requires_previous && rule.after_days.is_none());
    assert!(serde_json::from_str::<Release>(r#"{"after_day": 3}"#).is_err());
    let mut errors = ValidationErrors::default();
    Release {
        after_days: Some(MAX_AFTER_DAYS + 1),
        ..Release::default()
    }
    .validate("release", &mut errors);
    assert_eq!(errors.0[0].field, "release.after_days");
    assert_eq!(Release::normalized(Some(Release::default())), None);

    let some = LessonId::new();
    let mut unlocked: Unlocked = serde_json::from_str(&format!(r#"["{some}"]"#)).unwrap();
    unlocked.add(&[some, LessonId::new()]);
    assert!(matches!(&unlocked, Unlocked::Lessons(ids) if ids.len() == 2));
    assert_eq!(
        serde_json::from_str::<Unlocked>(r#""all""#).unwrap(),
        Unlocked::All
    );
    assert!(serde_json::from_str::<Unlocked>(r#""some""#).is_err());
    let mut all = Unlocked::All;
    all.add(&[some]);
    assert_eq!(all, Unlocked::All);
}
