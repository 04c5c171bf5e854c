//! Steps and small builders that cases of several aggregates share.

use crate::testing::fixtures::{World, acme};
use crate::{Actor, LessonStatus, PageRequest, ProgressUpdate};
use serde_json::json;

/// A progress report of `p` percent.
pub(super) fn percent(p: u8) -> ProgressUpdate {
    ProgressUpdate {
        position_seconds: None,
        percent: Some(p),
        status: None,
    }
}

/// A progress report that marks the lesson completed.
pub(super) fn completed() -> ProgressUpdate {
    ProgressUpdate {
        position_seconds: None,
        percent: None,
        status: Some(LessonStatus::Completed),
    }
}

/// The first page of up to `limit` items.
pub(super) fn page(limit: u32) -> PageRequest {
    PageRequest::first(limit)
}

/// Pages through a list to the end, returning every item.
pub(super) async fn all_pages<T, F, Fut>(limit: u32, mut fetch: F) -> Vec<T>
where
    F: FnMut(PageRequest) -> Fut,
    Fut: std::future::Future<Output = Result<crate::Page<T>, crate::LmsError>>,
{
    let mut request = page(limit);
    let mut items = Vec::new();
    loop {
        let page = fetch(request).await.expect("list page");
        assert!(page.items.len() <= limit as usize);
        items.extend(page.items);
        match page.next_cursor {
            Some(cursor) => {
                request = PageRequest::parse(Some(i64::from(limit)), Some(&cursor)).expect("cursor")
            }
            None => return items,
        }
    }
}

/// Completes the world's `published` course `slug` for `who` (enrolled already).
pub(super) async fn complete_course(w: &World, who: &Actor, slug: &str) {
    let outline = w.lms.course(&w.instructor, acme(slug)).await.unwrap();
    for lesson in &outline.modules[0].lessons {
        w.lms
            .record_progress(who, acme(slug), lesson.id, completed())
            .await
            .unwrap();
    }
    let quiz = outline.modules[1].lessons[0].id;
    w.lms
        .submit_attempt(who, acme(slug), quiz, json!({"q1": "b", "q2": true}))
        .await
        .unwrap();
}
