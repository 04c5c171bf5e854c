//! Course rows: created, edited, found by id or slug with the caller's place in them, listed, and locked or versioned by curriculum changes.
use crate::course::{Course, CourseStatus};
use crate::enrollment::Enrollment;
use crate::error::StoreError;
use crate::ids::{CourseId, OrgId, UserId};
use crate::org::Role;
use crate::page::PageRequest;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// How a course is addressed in a path: its id or its slug.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CourseKey<'a> {
    /// By id.
    Id(CourseId),
    /// By slug within the org.
    Slug(&'a str),
}

impl<'a> CourseKey<'a> {
    /// A UUID-shaped key is an id (slugs never look like UUIDs), anything else a slug.
    pub fn parse(key: &'a str) -> Self {
        match key.parse() {
            Ok(id) => Self::Id(id),
            Err(_) => Self::Slug(key),
        }
    }
}

/// Which courses [`StoreTx::list_courses`] returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CourseFilter {
    /// Only courses of this status; every status when `None`.
    pub status: Option<CourseStatus>,
    /// Only courses this user owns.
    pub owner: Option<UserId>,
}

/// A course with the caller's place in it, as [`StoreTx::course_context`] reads them.
#[derive(Clone, Debug, PartialEq)]
pub struct CourseContext {
    /// The course.
    pub course: Course,
    /// The caller's role in the course's org, if a member.
    pub role: Option<Role>,
    /// The caller's enrollment in the course, if any.
    pub enrollment: Option<Enrollment>,
}

/// Course rows: created, edited, found by id or slug with the caller's place in them, listed, and locked or versioned by curriculum changes.
///
/// Part of [`super::StoreTx`]: every method runs inside the store transaction.
#[async_trait]
pub trait CourseTx: Send {
    /// Inserts a course (`Duplicate(CourseSlug)` when the org has the slug already).
    async fn insert_course(&mut self, course: &Course) -> Result<(), StoreError>;
    /// Replaces a course's fields.
    async fn update_course(&mut self, course: &Course) -> Result<(), StoreError>;
    /// The org's course with this id or slug (never another org's).
    async fn course<'k>(
        &mut self,
        org: OrgId,
        key: CourseKey<'k>,
    ) -> Result<Option<Course>, StoreError>;
    /// In one read: the org's course with this id or slug, and — for `user` — their role in
    /// the org and their enrollment in the course (not locked).
    async fn course_context<'k>(
        &mut self,
        org: OrgId,
        key: CourseKey<'k>,
        user: Option<UserId>,
    ) -> Result<Option<CourseContext>, StoreError>;
    /// Moves the course's `updated_at` to `updated_at`, or just past the stored one if that
    /// is not older (a curriculum change: outlines cached for the old version stop being
    /// used, and learner writes decided on it apply nothing). Two changes never leave the
    /// same version, even from instances whose clocks disagree.
    async fn touch_course(
        &mut self,
        course: CourseId,
        updated_at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Locks the course row (serializes curriculum changes of the course).
    async fn lock_course(&mut self, course: CourseId) -> Result<(), StoreError>;
    /// A page of the org's courses, ordered by id.
    async fn list_courses(
        &mut self,
        org: OrgId,
        filter: CourseFilter,
        page: &PageRequest,
    ) -> Result<Vec<Course>, StoreError>;
    /// Every course of the org with its prerequisites (the core checks for cycles on it).
    async fn prerequisite_graph(
        &mut self,
        org: OrgId,
    ) -> Result<Vec<(CourseId, Vec<CourseId>)>, StoreError>;
}
