//! JSON shapes the contract names that differ from the core's types: objects that carry
//! their org's slug.

use lms_core::{Course, CourseOutline, DashboardItem, Org};
use serde_json::{Value, json};

fn with_org(mut value: Value, org_slug: &str) -> Value {
    if let Some(object) = value.as_object_mut() {
        object.insert("org".into(), json!(org_slug));
    }
    value
}

/// A course, with `org` as the org's slug.
pub fn course(course: &Course, org_slug: &str) -> Value {
    with_org(json!(course), org_slug)
}

/// A course with its outline.
pub fn outline(outline: &CourseOutline, org_slug: &str) -> Value {
    with_org(json!(outline), org_slug)
}

/// An org, with `membership`: the plan it offers, or null.
pub fn org(org: &Org) -> Value {
    json!(org)
}

/// One of the caller's enrollments with its course and progress.
pub fn dashboard_item(item: &DashboardItem) -> Value {
    let mut value = json!(item);
    value["course"] = course(&item.course, &item.org);
    value
}
