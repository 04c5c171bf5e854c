//! Where a course is in its life: draft, published, archived.

use serde::{Deserialize, Serialize};

/// Where a course is in its life.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CourseStatus {
    /// Being written; visible to its owner and the org's admins only.
    Draft,
    /// In the catalog; open for enrollment.
    Published,
    /// Out of the catalog and closed to new enrollments; enrolled learners keep access.
    Archived,
}

impl CourseStatus {
    /// The status as stored and sent.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Published => "published",
            Self::Archived => "archived",
        }
    }

    /// Parses [`CourseStatus::as_str`]'s output.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "draft" => Some(Self::Draft),
            "published" => Some(Self::Published),
            "archived" => Some(Self::Archived),
            _ => None,
        }
    }

    /// Whether a course may move from `self` to `next`: only `draft → published →
    /// archived`, one step at a time. Staying put is allowed (a no-op).
    pub fn can_move_to(self, next: Self) -> bool {
        matches!(
            (self, next),
            (Self::Draft, Self::Published) | (Self::Published, Self::Archived)
        ) || self == next
    }
}
