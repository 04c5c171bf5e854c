//! Organizations (tenants), users and memberships.

use crate::ids::{OrgId, UserId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A tenant: every course, membership and report belongs to exactly one org.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Org {
    /// Stable id.
    pub id: OrgId,
    /// Unique, URL-safe name (see [`crate::Slug`]).
    pub slug: String,
    /// Display name.
    pub name: String,
    /// White-label settings: a JSON object the front end interprets.
    pub settings: serde_json::Value,
    /// The membership plan the org offers, if any (served as `membership`).
    #[serde(rename = "membership")]
    pub membership_plan: Option<crate::payment::MembershipPlan>,
    /// When the org was created.
    pub created_at: DateTime<Utc>,
}

/// An identity the host (or the built-in auth) vouches for. The core stores no credentials.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// Stable id.
    pub id: UserId,
    /// Unique, stored lowercased.
    pub email: String,
    /// Display name.
    pub name: String,
    /// An `https://` URL of their picture, if they set one (`PATCH /me`).
    pub avatar_url: Option<String>,
    /// Whether the email address is proven: by a verification link, or by the host for the
    /// users it manages ([`crate::Lms::ensure_user`], [`crate::Lms::link_user`]).
    pub email_verified: bool,
    /// When the user was created.
    pub created_at: DateTime<Utc>,
    /// The host's own id for this user, when the host manages its users
    /// ([`crate::Lms::ensure_user`]); unique. Not part of the API's user object.
    #[serde(skip)]
    #[cfg_attr(feature = "openapi", schema(ignore))]
    pub external_id: Option<String>,
}

/// A user as the host knows them, for [`crate::Lms::ensure_user`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExternalUser {
    /// The host's id for the user (a JWT's `sub`, a row id): 1..=255 characters.
    pub external_id: String,
    /// Their email address (trimmed and lowercased on the way in).
    pub email: String,
    /// Their display name.
    pub name: String,
    /// Whether the host (its identity provider) has proven that the address is theirs:
    /// stored as the user's `email_verified`, and refreshed on every sighting.
    pub email_verified: bool,
}

/// Changes to a user ([`crate::Lms::update_user`]); `None` leaves a field as it is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UserPatch {
    /// A new email address.
    pub email: Option<String>,
    /// A new display name.
    pub name: Option<String>,
    /// Whether the host has proven the (new) address: `Some(true)` marks it verified, as a
    /// verification link would. Without it a new address of a user with the built-in
    /// sign-in is unverified.
    pub email_verified: Option<bool>,
}

/// Changes a signed-in user makes to their own profile ([`crate::Lms::update_profile`],
/// `PATCH /me`); absent fields stay as they are.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct ProfilePatch {
    /// A new display name (1..=200 characters).
    pub name: Option<String>,
    /// An `https://` URL of at most 2,048 characters; `null` removes the picture.
    #[serde(default, deserialize_with = "present")]
    pub avatar_url: Option<Option<String>>,
}

/// A member's role in one org.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Manages the org, its members and every course.
    Admin,
    /// Creates courses and manages the ones they own.
    Instructor,
    /// Takes courses.
    Learner,
}

impl Role {
    /// The role's name as stored and sent (`admin`, `instructor`, `learner`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Instructor => "instructor",
            Self::Learner => "learner",
        }
    }

    /// Parses [`Role::as_str`]'s output.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "admin" => Some(Self::Admin),
            "instructor" => Some(Self::Instructor),
            "learner" => Some(Self::Learner),
            _ => None,
        }
    }
}

/// A user's role in an org.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    /// The org.
    pub org_id: OrgId,
    /// The member.
    pub user_id: UserId,
    /// What the member may do in the org.
    pub role: Role,
    /// When the user joined the org.
    pub joined_at: DateTime<Utc>,
}

/// A membership with the member's name and email, as the members list shows it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// The member's user id.
    pub user_id: UserId,
    /// The member's display name.
    pub name: String,
    /// The member's email.
    pub email: String,
    /// The member's role.
    pub role: Role,
    /// When the member joined.
    pub joined_at: DateTime<Utc>,
}

/// One of the caller's memberships, as `GET /me` lists them.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MembershipSummary {
    /// The org's slug.
    pub org: String,
    /// The caller's role there.
    pub role: Role,
}

/// Input of [`crate::Lms::create_org`].
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Default, Deserialize)]
pub struct NewOrg {
    /// See [`Org::slug`].
    pub slug: String,
    /// See [`Org::name`].
    pub name: String,
}

/// Input of [`crate::Lms::update_org`]; absent fields stay as they are.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Default, Deserialize)]
pub struct OrgPatch {
    /// A new display name.
    pub name: Option<String>,
    /// New white-label settings (replaces the old object).
    pub settings: Option<serde_json::Value>,
    /// A membership plan to offer (`null` withdraws the offer; absent leaves it).
    #[serde(default, deserialize_with = "present")]
    pub membership: Option<Option<crate::payment::MembershipPlanInput>>,
}

/// Tells a field given as `null` (`Some(None)`) from one left out (`None`).
fn present<'de, T: Deserialize<'de>, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// Input of [`crate::Lms::add_member`].
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Deserialize)]
pub struct NewMember {
    /// The email of an existing user.
    pub email: String,
    /// The role to give them.
    pub role: Role,
}

/// Input of [`crate::Lms::create_user`].
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Default, Deserialize)]
pub struct NewUser {
    /// See [`User::email`].
    pub email: String,
    /// See [`User::name`].
    pub name: String,
}

impl NewUser {
    /// Checks the input and makes the user: the email trimmed and lowercased, the name
    /// trimmed. Used by [`crate::Lms::create_user`] and by sign-up front ends that store
    /// the user together with their credential.
    pub fn into_user(self, now: chrono::DateTime<chrono::Utc>) -> Result<User, crate::LmsError> {
        let mut errors = crate::ValidationErrors::default();
        let email = errors.parse("email", crate::EmailAddress::parse(&self.email));
        errors.check("name", crate::validate::title(&self.name));
        let email = errors.finish(email)?;
        Ok(User {
            id: UserId::new(),
            email: email.into(),
            name: self.name.trim().to_string(),
            avatar_url: None,
            email_verified: false,
            created_at: now,
            external_id: None,
        })
    }
}

/// Who may create orgs through [`crate::Lms::create_org`] (see
/// [`crate::Lms::with_org_creation`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum OrgCreation {
    /// Any signed-in user, who becomes the new org's admin (the default).
    #[default]
    Anyone,
    /// Nobody through the API (403): the host creates orgs with
    /// [`crate::Lms::create_org_for`].
    HostOnly,
}
