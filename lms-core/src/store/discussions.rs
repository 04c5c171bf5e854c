//! Discussion posts under lessons, and the posting rate.
use crate::discussion::Post;
use crate::error::StoreError;
use crate::ids::{CourseId, LessonId, PostId, UserId};
use crate::page::PageRequest;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// Discussion posts under lessons, and the posting rate.
///
/// Part of [`super::StoreTx`]: every method runs inside the store transaction.
#[async_trait]
pub trait DiscussionTx: Send {
    /// Inserts a post.
    async fn insert_post(&mut self, post: &Post) -> Result<(), StoreError>;
    /// The course's post with this id, with its author's name.
    async fn post(&mut self, course: CourseId, post: PostId) -> Result<Option<Post>, StoreError>;
    /// A page of the lesson's posts and replies, oldest first (by id).
    async fn list_posts(
        &mut self,
        lesson: LessonId,
        page: &PageRequest,
    ) -> Result<Vec<Post>, StoreError>;
    /// Stores a post's body, edit time and hidden flag.
    async fn update_post(&mut self, post: &Post) -> Result<(), StoreError>;
    /// Deletes a post with its replies.
    async fn delete_post(&mut self, post: PostId) -> Result<(), StoreError>;
    /// How many posts the user wrote since `since` (for the posting rate limit).
    async fn count_posts_since(
        &mut self,
        user: UserId,
        since: DateTime<Utc>,
    ) -> Result<u32, StoreError>;
}
