//! Discussions under lessons: posts and one level of replies.

use crate::error::{LmsError, ValidationErrors};
use crate::ids::{CourseId, LessonId, PostId, UserId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Longest post body, in characters.
pub const MAX_POST_CHARS: usize = 10_000;
/// Posts (and replies) one user may write per minute, across instances (counted in the store).
pub const POSTS_PER_MINUTE: u32 = 10;

/// A post's author as others see them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Author {
    /// The user.
    pub id: UserId,
    /// Their current name.
    pub name: String,
}

/// A post under a lesson, or a reply to one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Post {
    /// Stable id (orders posts by time).
    pub id: PostId,
    /// The course.
    #[serde(skip_serializing)]
    pub course_id: CourseId,
    /// The lesson discussed.
    #[serde(skip_serializing)]
    pub lesson_id: LessonId,
    /// Who wrote it.
    pub author: Author,
    /// Markdown, 1..=10,000 characters; empty in what a learner sees of a hidden post.
    pub body: String,
    /// The post this replies to (replies are one level deep).
    pub parent_id: Option<PostId>,
    /// When it was written.
    pub created_at: DateTime<Utc>,
    /// When its author last edited it.
    pub edited_at: Option<DateTime<Utc>>,
    /// Hidden by the course's owner or an admin.
    pub hidden: bool,
}

/// Input of [`crate::Lms::create_post`].
#[derive(Clone, Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewPost {
    /// Markdown, 1..=10,000 characters.
    pub body: String,
    /// The post to reply to (a top-level post of the same lesson).
    pub parent_id: Option<PostId>,
}

/// Input of [`crate::Lms::update_post`]: the author edits `body`; owners and admins set
/// `hidden`.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PostPatch {
    /// A new body (the author only).
    pub body: Option<String>,
    /// Hide or show the post (the course's owner and admins).
    pub hidden: Option<bool>,
}

/// Checks a body: 1..=10,000 characters once trimmed.
pub fn check_body(body: &str) -> Result<String, LmsError> {
    let trimmed = body.trim();
    let mut errors = ValidationErrors::default();
    if trimmed.is_empty() {
        errors.add("body", "write something");
    } else if trimmed.chars().count() > MAX_POST_CHARS {
        errors.add("body", format!("at most {MAX_POST_CHARS} characters"));
    }
    errors.into_result()?;
    Ok(trimmed.to_owned())
}

impl Post {
    /// The post as `viewer` may see it: a hidden post keeps its place in the thread, but only
    /// its author and the course's managers read its body.
    pub fn seen_by(mut self, viewer: Option<UserId>, manages: bool) -> Self {
        if !Self::body_visible(self.hidden, Some(self.author.id), viewer, manages) {
            self.body.clear();
        }
        self
    }

    /// Whether `viewer` reads the body of a post: always, unless it is hidden; then only its
    /// author and the course's managers.
    pub fn body_visible(
        hidden: bool,
        author: Option<UserId>,
        viewer: Option<UserId>,
        manages: bool,
    ) -> bool {
        !hidden || manages || (viewer.is_some() && viewer == author)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_trimmed_and_bounded_in_characters() {
        assert_eq!(check_body("  hi  ").unwrap(), "hi");
        assert_eq!(check_body(" \n ").unwrap_err().code(), "validation_failed");
        assert!(
            check_body(&"é".repeat(MAX_POST_CHARS)).is_ok(),
            "characters, not bytes"
        );
        assert!(check_body(&"x".repeat(MAX_POST_CHARS + 1)).is_err());
    }
}
