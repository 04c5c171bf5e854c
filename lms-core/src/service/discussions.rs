//! Discussions under lessons: read and post (the course's active learners, owner and
//! admins), edit one's own, hide (managers), delete (the author or a manager).

use super::EnrollmentRead;
use super::{Actor, CourseScope, Lms, allow, events};
use crate::discussion::{self, Author, NewPost, POSTS_PER_MINUTE, Post, PostPatch};
use crate::error::LmsError;
use crate::event::EventKind;
use crate::ids::CourseRef;
use crate::ids::{LessonId, PostId};
use crate::input::Parsed;
use crate::page::{Page, PageRequest};
use crate::policy::Action;
use crate::store::StoreTx;

impl Lms {
    /// A page of a lesson's posts and replies, oldest first. Hidden posts keep their place;
    /// only their author and the course's managers read their bodies.
    pub async fn posts(
        &self,
        actor: &Actor,
        course: CourseRef<'_>,
        lesson: LessonId,
        page: PageRequest,
    ) -> Result<Page<Post>, LmsError> {
        actor.require_user()?;
        let mut tx = self.read().await?;
        let scope = self
            .discussion_scope(tx.as_mut(), actor, course, lesson)
            .await?;
        let manages = scope.standing.manages(&scope.course);
        let rows = tx.list_posts(lesson, &page).await?;
        Ok(Page::from_rows(rows, &page, |p| p.id.0).map(|p| p.seen_by(actor.user_id(), manages)))
    }

    /// Posts under a lesson, or replies to one of its top-level posts (replies are one level
    /// deep). At most [`POSTS_PER_MINUTE`] a minute per user (429 past it).
    pub async fn create_post(
        &self,
        actor: &Actor,
        course: CourseRef<'_>,
        lesson: LessonId,
        input: impl Into<Parsed<NewPost>>,
    ) -> Result<Post, LmsError> {
        let user = actor.require_user()?;
        let mut tx = self.write().await?;
        let scope = self
            .discussion_scope(tx.as_mut(), actor, course, lesson)
            .await?;
        let input = input.into().into_result()?;
        let body = discussion::check_body(&input.body)?;
        let mut parent_author = None;
        if let Some(parent) = input.parent_id {
            let parent = tx
                .post(scope.course.id, parent)
                .await?
                .filter(|p| p.lesson_id == lesson);
            let parent = parent
                .ok_or_else(|| LmsError::invalid("parent_id", "no such post under this lesson"))?;
            if parent.parent_id.is_some() {
                return Err(LmsError::invalid(
                    "parent_id",
                    "replies are one level deep: reply to the post",
                ));
            }
            parent_author = Some(parent.author.id);
        }
        // Count and insert under the user's lock: concurrent posts would all count the same
        // few and all pass.
        tx.lock_user(user).await?;
        let now = self.now();
        let recent = tx
            .count_posts_since(user, now - chrono::Duration::minutes(1))
            .await?;
        if recent >= POSTS_PER_MINUTE {
            return Err(LmsError::RateLimited {
                retry_after_secs: 60,
            });
        }
        let author = tx.user(user).await?.ok_or(LmsError::Unauthenticated)?;
        let post = Post {
            id: PostId::new(),
            course_id: scope.course.id,
            lesson_id: lesson,
            author: Author {
                id: author.id,
                name: author.name,
            },
            body,
            parent_id: input.parent_id,
            created_at: now,
            edited_at: None,
            hidden: false,
        };
        tx.insert_post(&post).await?;
        events::post_created(tx.as_mut(), &scope.course, &post, parent_author).await?;
        tx.commit().await?;
        Ok(post)
    }

    /// Edits a post: its author changes the body; the course's owner and admins hide or
    /// show it. Both at once need both rights.
    pub async fn update_post(
        &self,
        actor: &Actor,
        course: CourseRef<'_>,
        post: PostId,
        patch: impl Into<Parsed<PostPatch>>,
    ) -> Result<Post, LmsError> {
        actor.require_user()?;
        let mut tx = self.write().await?;
        let scope = self.discussed_course(tx.as_mut(), actor, course).await?;
        let mut found = tx
            .post(scope.course.id, post)
            .await?
            .ok_or(LmsError::NotFound("post"))?;
        let patch = patch.into().into_result()?;
        if patch.body.is_none() && patch.hidden.is_none() {
            return Err(LmsError::invalid("body", "give a body or hidden"));
        }
        if let Some(body) = &patch.body {
            allow(
                &scope.standing,
                Action::EditPost(&scope.course, scope.enrollment(), found.author.id),
            )?;
            found.body = discussion::check_body(body)?;
            found.edited_at = Some(self.now());
        }
        if let Some(hidden) = patch.hidden {
            allow(
                &scope.standing,
                Action::ModeratePost(&scope.course, scope.enrollment()),
            )?;
            found.hidden = hidden;
        }
        tx.update_post(&found).await?;
        events::post_changed(
            tx.as_mut(),
            &scope.course,
            EventKind::PostUpdated,
            &found,
            self.now(),
        )
        .await?;
        tx.commit().await?;
        Ok(found)
    }

    /// Deletes a post and its replies (its author, the course's owner and admins).
    pub async fn delete_post(
        &self,
        actor: &Actor,
        course: CourseRef<'_>,
        post: PostId,
    ) -> Result<(), LmsError> {
        actor.require_user()?;
        let mut tx = self.write().await?;
        let scope = self.discussed_course(tx.as_mut(), actor, course).await?;
        let found = tx
            .post(scope.course.id, post)
            .await?
            .ok_or(LmsError::NotFound("post"))?;
        allow(
            &scope.standing,
            Action::DeletePost(&scope.course, scope.enrollment(), found.author.id),
        )?;
        tx.delete_post(post).await?;
        events::post_changed(
            tx.as_mut(),
            &scope.course,
            EventKind::PostDeleted,
            &found,
            self.now(),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The course scope of a lesson's discussion, after the policy allowed it (404 for a
    /// lesson of another course).
    async fn discussion_scope(
        &self,
        tx: &mut dyn StoreTx,
        actor: &Actor,
        course: CourseRef<'_>,
        lesson: LessonId,
    ) -> Result<CourseScope, LmsError> {
        let scope = self.discussed_course(tx, actor, course).await?;
        tx.lesson(scope.course.id, lesson)
            .await?
            .ok_or(LmsError::NotFound("lesson"))?;
        Ok(scope)
    }

    /// The course scope, after the policy allowed the caller into its discussions (and so
    /// onto its live events): active learners, the owner and admins.
    pub(super) async fn discussed_course(
        &self,
        tx: &mut dyn StoreTx,
        actor: &Actor,
        course: CourseRef<'_>,
    ) -> Result<CourseScope, LmsError> {
        let scope = self
            .course_scope(tx, actor, course, EnrollmentRead::Plain)
            .await?;
        allow(
            &scope.standing,
            Action::Discuss(&scope.course, scope.enrollment()),
        )?;
        Ok(scope)
    }
}
