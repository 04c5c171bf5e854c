//! Users, orgs and members.

use super::{Actor, Lms, allow, org_scope};
use crate::error::{ConflictKind, LmsError, ValidationErrors};
use crate::ids::{OrgId, UserId};
use crate::input::Parsed;
use crate::name::{EmailAddress, Slug};
use crate::org::{
    Member, Membership, MembershipSummary, NewMember, NewOrg, NewUser, Org, OrgPatch, Role, User,
};
use crate::page::{Page, PageRequest};
use crate::policy::{Action, Standing};
use crate::store::{StoreTx, TenantScope};
use crate::validate;
use serde::Serialize;

/// The caller's account, as `GET /me` shows it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Me {
    /// The caller.
    pub user: User,
    /// The caller's orgs and roles.
    pub memberships: Vec<MembershipSummary>,
}

impl Lms {
    /// Creates a user: an identity the host (or the built-in auth) vouches for. This is a
    /// host-level call with no actor; the core stores no credentials.
    /// The email is stored trimmed and lowercased; a taken email is `email_taken` (409).
    pub async fn create_user(&self, new: NewUser) -> Result<User, LmsError> {
        let user = new.into_user(self.now())?;
        let mut tx = self.write().await?;
        tx.insert_user(&user).await?;
        tx.commit().await?;
        Ok(user)
    }

    /// Looks a user up by id (host-level, no actor).
    pub async fn user(&self, id: UserId) -> Result<User, LmsError> {
        let mut tx = self.read().await?;
        tx.user(id).await?.ok_or(LmsError::NotFound("user"))
    }

    /// Looks a user up by email, compared lowercased (host-level, no actor).
    pub async fn user_by_email(&self, email: &str) -> Result<User, LmsError> {
        let mut tx = self.read().await?;
        tx.user_by_email(&EmailAddress::canonical(email))
            .await?
            .ok_or(LmsError::NotFound("user"))
    }

    /// The caller's account and memberships.
    pub async fn me(&self, actor: &Actor) -> Result<Me, LmsError> {
        let user_id = actor.require_user()?;
        let mut tx = self.read().await?;
        tx.set_scope(TenantScope {
            org: None,
            user: Some(user_id),
        })
        .await?;
        let user = tx.user(user_id).await?.ok_or(LmsError::Unauthenticated)?;
        let memberships = tx.memberships_of(user_id).await?;
        Ok(Me { user, memberships })
    }

    /// Creates an org; the caller becomes its admin. A taken slug is `slug_taken` (409);
    /// with [`crate::OrgCreation::HostOnly`] it is 403.
    pub async fn create_org(
        &self,
        actor: &Actor,
        new: impl Into<Parsed<NewOrg>>,
    ) -> Result<Org, LmsError> {
        let standing = Standing {
            user: actor.user_id(),
            role: None,
        };
        allow(&standing, Action::CreateOrg(self.org_creation))?;
        let user = actor.require_user()?;
        self.insert_org(user, new.into().into_result()?).await
    }

    /// Creates an org with `admin` as its admin, whatever [`Lms::with_org_creation`] says:
    /// for the host, which decides itself who gets an org (host-level, like
    /// [`Lms::create_user`]). A taken slug is `slug_taken` (409).
    pub async fn create_org_for(&self, admin: UserId, new: NewOrg) -> Result<Org, LmsError> {
        self.insert_org(admin, new).await
    }

    async fn insert_org(&self, user: UserId, new: NewOrg) -> Result<Org, LmsError> {
        let mut errors = ValidationErrors::default();
        let slug = errors.parse("slug", Slug::parse(&new.slug));
        errors.check("name", validate::title(&new.name));
        let slug = errors.finish(slug)?;
        let now = self.now();
        let org = Org {
            id: OrgId::new(),
            slug: slug.into(),
            name: new.name.trim().to_string(),
            settings: serde_json::json!({}),
            membership_plan: None,
            created_at: now,
        };
        let mut tx = self.write().await?;
        tx.set_scope(TenantScope {
            org: Some(org.id),
            user: Some(user),
        })
        .await?;
        tx.insert_org(&org).await?;
        tx.insert_membership(&Membership {
            org_id: org.id,
            user_id: user,
            role: Role::Admin,
            joined_at: now,
        })
        .await?;
        tx.commit().await?;
        Ok(org)
    }

    /// The org with this slug (public).
    pub async fn org(&self, slug: &str) -> Result<Org, LmsError> {
        let mut tx = self.read().await?;
        tx.org_by_slug(slug).await?.ok_or(LmsError::NotFound("org"))
    }

    /// Changes the org's name or settings (admins).
    pub async fn update_org(
        &self,
        actor: &Actor,
        slug: &str,
        patch: impl Into<Parsed<OrgPatch>>,
    ) -> Result<Org, LmsError> {
        actor.require_user()?; // sign-in first: no store work for anonymous callers
        let mut tx = self.write().await?;
        let scope = org_scope(tx.as_mut(), actor, slug).await?;
        allow(&scope.standing, Action::ManageOrg)?;
        let mut patch = patch.into().into_result()?;
        let mut errors = ValidationErrors::default();
        if let Some(name) = &patch.name {
            errors.check("name", validate::title(name));
        }
        if let Some(settings) = &mut patch.settings {
            errors.check("settings", validate::json_object(settings));
            crate::brand::check_brand(settings, &mut errors);
        }
        let membership = patch
            .membership
            .map(|plan| plan.and_then(|input| input.into_plan(&mut errors)));
        errors.into_result()?;
        let mut org = scope.org;
        if let Some(name) = patch.name {
            org.name = name.trim().to_string();
        }
        if let Some(settings) = patch.settings {
            org.settings = settings;
        }
        if let Some(plan) = membership {
            org.membership_plan = plan;
        }
        tx.update_org(&org).await?;
        tx.commit().await?;
        Ok(org)
    }

    /// A page of the org's members (admins).
    pub async fn members(
        &self,
        actor: &Actor,
        slug: &str,
        page: PageRequest,
    ) -> Result<Page<Member>, LmsError> {
        actor.require_user()?; // sign-in first: no store work for anonymous callers
        let mut tx = self.read().await?;
        let scope = org_scope(tx.as_mut(), actor, slug).await?;
        allow(&scope.standing, Action::ManageOrg)?;
        let rows = tx.list_members(scope.org.id, &page).await?;
        Ok(Page::from_rows(rows, &page, |m| m.user_id.0))
    }

    /// Adds an existing user, found by email, as a member (admins). 404 when no user has
    /// the email; 409 when they are a member already.
    pub async fn add_member(
        &self,
        actor: &Actor,
        slug: &str,
        input: impl Into<Parsed<NewMember>>,
    ) -> Result<Member, LmsError> {
        actor.require_user()?; // sign-in first: no store work for anonymous callers
        let mut tx = self.write().await?;
        let scope = org_scope(tx.as_mut(), actor, slug).await?;
        allow(&scope.standing, Action::ManageOrg)?;
        let input = input.into().into_result()?;
        let email = EmailAddress::parse(&input.email)
            .map_err(|message| LmsError::invalid("email", message))?;
        let user = tx
            .user_by_email(email.as_str())
            .await?
            .ok_or(LmsError::NotFound("user"))?;
        let membership = Membership {
            org_id: scope.org.id,
            user_id: user.id,
            role: input.role,
            joined_at: self.now(),
        };
        tx.insert_membership(&membership).await?;
        tx.commit().await?;
        Ok(member(user, &membership))
    }

    /// Adds `user` with `role`, or changes their role (admins): a library call for hosts,
    /// who vouch for their users' consent. Over HTTP, [`Lms::change_member_role`] changes
    /// existing members only, and people join by invitation. The org keeps at least one
    /// admin (409).
    pub async fn set_member_role(
        &self,
        actor: &Actor,
        slug: &str,
        user: UserId,
        role: impl Into<Parsed<Role>>,
    ) -> Result<Member, LmsError> {
        self.member_role(actor, slug, user, role.into(), Joining::Allowed)
            .await
    }

    /// Changes the role of an existing member (admins; `PUT /orgs/{org}/members/{user_id}`).
    /// Anyone else, members of other orgs included, is 404: nobody is added, and nobody's
    /// email shown, without their consent. The org keeps at least one admin (409).
    pub async fn change_member_role(
        &self,
        actor: &Actor,
        slug: &str,
        user: UserId,
        role: impl Into<Parsed<Role>>,
    ) -> Result<Member, LmsError> {
        self.member_role(actor, slug, user, role.into(), Joining::MembersOnly)
            .await
    }

    async fn member_role(
        &self,
        actor: &Actor,
        slug: &str,
        user: UserId,
        role: Parsed<Role>,
        joining: Joining,
    ) -> Result<Member, LmsError> {
        actor.require_user()?; // sign-in first: no store work for anonymous callers
        let mut tx = self.write().await?;
        let scope = org_scope(tx.as_mut(), actor, slug).await?;
        allow(&scope.standing, Action::ManageOrg)?;
        let role = role.into_result()?;
        tx.lock_org(scope.org.id).await?;
        let existing = tx.membership(scope.org.id, user).await?;
        if existing.is_none() && joining == Joining::MembersOnly {
            return Err(LmsError::NotFound("member"));
        }
        let target = tx.user(user).await?.ok_or(LmsError::NotFound("user"))?;
        let membership = match existing {
            Some(mut existing) => {
                if existing.role == Role::Admin && role != Role::Admin {
                    keep_an_admin(tx.as_mut(), scope.org.id).await?;
                }
                tx.update_membership_role(scope.org.id, user, role).await?;
                existing.role = role;
                existing
            }
            None => {
                let membership = Membership {
                    org_id: scope.org.id,
                    user_id: user,
                    role,
                    joined_at: self.now(),
                };
                tx.insert_membership(&membership).await?;
                membership
            }
        };
        tx.commit().await?;
        Ok(member(target, &membership))
    }

    /// Removes a member (admins): their enrollments in the org's courses are revoked
    /// (progress kept). The org keeps at least one admin (409).
    pub async fn remove_member(
        &self,
        actor: &Actor,
        slug: &str,
        user: UserId,
    ) -> Result<(), LmsError> {
        actor.require_user()?; // sign-in first: no store work for anonymous callers
        let mut tx = self.write().await?;
        let scope = org_scope(tx.as_mut(), actor, slug).await?;
        allow(&scope.standing, Action::ManageOrg)?;
        tx.lock_org(scope.org.id).await?;
        let existing = tx
            .membership(scope.org.id, user)
            .await?
            .ok_or(LmsError::NotFound("member"))?;
        if existing.role == Role::Admin {
            keep_an_admin(tx.as_mut(), scope.org.id).await?;
        }
        tx.delete_membership(scope.org.id, user).await?;
        super::revocation::revoke_org_enrollments(tx.as_mut(), scope.org.id, user).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Whether a role change may make a new member.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Joining {
    /// The host adds people it vouches for.
    Allowed,
    /// Over HTTP: only existing members' roles change.
    MembersOnly,
}

/// Fails when the org's only admin is about to stop being one. Called with the org locked.
pub(super) async fn keep_an_admin(tx: &mut dyn StoreTx, org: OrgId) -> Result<(), LmsError> {
    if tx.count_admins(org).await? <= 1 {
        return Err(LmsError::conflict(
            ConflictKind::Conflict,
            "an org keeps at least one admin",
        ));
    }
    Ok(())
}

fn member(user: User, membership: &Membership) -> Member {
    Member {
        user_id: user.id,
        name: user.name,
        email: user.email,
        role: membership.role,
        joined_at: membership.joined_at,
    }
}
