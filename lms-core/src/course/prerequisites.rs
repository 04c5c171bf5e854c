//! A course's prerequisites: courses of the same org a learner must complete first, never
//! the course itself and never in a cycle.

use crate::error::ValidationErrors;
use crate::ids::CourseId;
use std::collections::{HashMap, HashSet};

/// Most prerequisites a course may name.
pub const MAX_PREREQUISITES: usize = 20;

/// Checks `proposed` as the prerequisites of `course`, given every course of its org with
/// its current prerequisites (`graph`). Returns them once each, in the order given;
/// problems are reported on `prerequisites`.
///
/// ```
/// use lms_core::CourseId;
/// use lms_core::course::check_prerequisites;
/// let (a, b) = (CourseId::new(), CourseId::new());
/// let graph = vec![(a, vec![]), (b, vec![a])];
/// assert_eq!(check_prerequisites(b, &[a, a], &graph).unwrap(), vec![a]);
/// assert!(check_prerequisites(a, &[b], &graph).is_err(), "a cycle");
/// ```
pub fn check_prerequisites(
    course: CourseId,
    proposed: &[CourseId],
    graph: &[(CourseId, Vec<CourseId>)],
) -> Result<Vec<CourseId>, ValidationErrors> {
    let mut errors = ValidationErrors::default();
    let mut kept: Vec<CourseId> = Vec::new();
    for id in proposed {
        if !kept.contains(id) {
            kept.push(*id);
        }
    }
    if kept.len() > MAX_PREREQUISITES {
        errors.add(
            "prerequisites",
            format!("name at most {MAX_PREREQUISITES} courses"),
        );
    }
    let edges: HashMap<CourseId, &[CourseId]> =
        graph.iter().map(|(c, p)| (*c, p.as_slice())).collect();
    if kept.contains(&course) {
        errors.add("prerequisites", "a course cannot require itself");
    }
    if let Some(stranger) = kept
        .iter()
        .find(|id| **id != course && !edges.contains_key(id))
    {
        errors.add(
            "prerequisites",
            format!("course {stranger} is not a course of this org"),
        );
    }
    if errors.is_empty()
        && let Some(loop_through) = kept.iter().find(|p| reaches(**p, course, &edges))
    {
        errors.add(
            "prerequisites",
            format!("course {loop_through} already requires this course (a cycle)"),
        );
    }
    if errors.is_empty() {
        Ok(kept)
    } else {
        Err(errors)
    }
}

/// Whether following prerequisites from `from` arrives at `target`.
fn reaches(from: CourseId, target: CourseId, edges: &HashMap<CourseId, &[CourseId]>) -> bool {
    let mut seen = HashSet::new();
    let mut stack = vec![from];
    while let Some(at) = stack.pop() {
        if at == target {
            return true;
        }
        if seen.insert(at) {
            stack.extend(edges.get(&at).copied().unwrap_or_default());
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prerequisites_are_checked_against_the_org_and_its_graph() {
        let [a, b, c, d] = [(); 4].map(|_| CourseId::new());
        let stranger = CourseId::new();
        let graph = vec![(a, vec![]), (b, vec![a]), (c, vec![b]), (d, vec![])];
        // (course, proposed, the kept list or words of the error)
        type Case = (CourseId, Vec<CourseId>, Result<Vec<CourseId>, &'static str>);
        let cases: &[Case] = &[
            (c, vec![], Ok(vec![])),
            (d, vec![c, a, c], Ok(vec![c, a])),
            (c, vec![a, b], Ok(vec![a, b])),
            (a, vec![a], Err("itself")),
            (a, vec![stranger], Err("not a course of this org")),
            (a, vec![c], Err("a cycle")),
            (a, vec![b], Err("a cycle")),
            (b, vec![d], Ok(vec![d])),
        ];
        for (course, proposed, expected) in cases {
            let got = check_prerequisites(*course, proposed, &graph);
            match (expected, got) {
                (Ok(want), Ok(got)) => assert_eq!(&got, want),
                (Err(words), Err(errors)) => {
                    assert!(errors.to_string().contains(words), "{errors} lacks {words}")
                }
                (want, got) => panic!("{course} with {proposed:?}: want {want:?}, got {got:?}"),
            }
        }
        let many: Vec<CourseId> = (0..21).map(|_| CourseId::new()).collect();
        let err = check_prerequisites(a, &many, &graph).unwrap_err();
        assert!(err.to_string().contains("at most 20"));
    }
}
