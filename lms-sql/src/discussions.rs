//! Discussion posts under lessons, and the posting rate.

use crate::row::{SqlRow, all, big_count, id, one};
use crate::{Dialect, Query, SqlTx, after, expect_one, limit};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use lms_core::store::DiscussionTx;
use lms_core::{Author, CourseId, LessonId, PageRequest, Post, PostId, StoreError, UserId};

#[async_trait]
impl<C: Dialect> DiscussionTx for SqlTx<C> {
    async fn insert_post(&mut self, p: &Post) -> Result<(), StoreError> {
        let q = Query::new(
            "INSERT INTO posts (id, {org_id, }course_id, lesson_id, author_id, parent_id, body,
                                created_at, edited_at, hidden)
             SELECT $1, {org_id, }id, $3, $4, $5, $6, $7, $8, $9 FROM courses WHERE id = $2",
        )
        .bind(p.id.0)
        .bind(p.course_id.0)
        .bind(p.lesson_id.0)
        .bind(p.author.id.0)
        .bind(p.parent_id.map(|id| id.0))
        .bind(&p.body)
        .bind(p.created_at)
        .bind(p.edited_at)
        .bind(p.hidden);
        expect_one(self.conn.execute(q).await?, "post's course")
    }

    async fn post(
        &mut self,
        course: CourseId,
        post_id: PostId,
    ) -> Result<Option<Post>, StoreError> {
        let q = Query::new(
            "SELECT p.*, u.name AS author_name FROM posts p JOIN users u ON u.id = p.author_id
             WHERE p.course_id = $1 AND p.id = $2",
        )
        .bind(course.0)
        .bind(post_id.0);
        one(self.conn.fetch_optional(q).await?, post)
    }

    async fn list_posts(
        &mut self,
        lesson: LessonId,
        page: &PageRequest,
    ) -> Result<Vec<Post>, StoreError> {
        let q = Query::new(
            "SELECT p.*, u.name AS author_name FROM posts p JOIN users u ON u.id = p.author_id
             WHERE p.lesson_id = $1 AND p.id > $2 ORDER BY p.id LIMIT $3",
        )
        .bind(lesson.0)
        .bind(after(page))
        .bind(limit(page));
        all(&self.conn.fetch_all(q).await?, post)
    }

    async fn update_post(&mut self, p: &Post) -> Result<(), StoreError> {
        let q = Query::new("UPDATE posts SET body = $1, edited_at = $2, hidden = $3 WHERE id = $4")
            .bind(&p.body)
            .bind(p.edited_at)
            .bind(p.hidden)
            .bind(p.id.0);
        self.conn.execute(q).await.map(drop)
    }

    async fn delete_post(&mut self, post: PostId) -> Result<(), StoreError> {
        let q = Query::new("DELETE FROM posts WHERE id = $1").bind(post.0);
        self.conn.execute(q).await.map(drop)
    }

    async fn count_posts_since(
        &mut self,
        user: UserId,
        since: DateTime<Utc>,
    ) -> Result<u32, StoreError> {
        let q =
            Query::new("SELECT count(*) AS n FROM posts WHERE author_id = $1 AND created_at >= $2")
                .bind(user.0)
                .bind(since);
        let n = one(self.conn.fetch_optional(q).await?, |r| big_count(r, "n"))?
            .ok_or_else(|| StoreError::Corrupt("count returned no row".into()))?;
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }
}

/// Reads a `posts` row joined with its author's name (`author_name`).
pub fn post(row: &impl SqlRow) -> Result<Post, StoreError> {
    Ok(Post {
        id: id(row, "id")?,
        course_id: id(row, "course_id")?,
        lesson_id: id(row, "lesson_id")?,
        author: Author {
            id: id(row, "author_id")?,
            name: row.text("author_name")?,
        },
        body: row.text("body")?,
        parent_id: row.opt_uuid("parent_id")?.map(Into::into),
        created_at: row.time("created_at")?,
        edited_at: row.opt_time("edited_at")?,
        hidden: row.bool("hidden")?,
    })
}
