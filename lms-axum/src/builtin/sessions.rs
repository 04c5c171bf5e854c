//! Sessions of the built-in sign-in: recognising one from its token, keeping it alive while
//! it is used (30 days after the last use, 90 after sign-in at most), and the owner's list
//! of them, from which one or all the others can be ended.

use super::{BuiltInAuth, Device, accounts};
use crate::auth::{Authenticate, session_token};
use crate::error::ApiError;
use async_trait::async_trait;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use chrono::{DateTime, Utc};
use lms_core::store::Access;
use lms_core::token::token_hash;
use lms_core::{Actor, AuthSession, LmsError, SessionId, User, UserId};
use serde::Serialize;

/// One of the caller's sessions, as `GET /me/sessions` shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SessionView {
    /// Names the session (its token is never shown).
    pub id: SessionId,
    /// When it signed in.
    pub created_at: DateTime<Utc>,
    /// When it was last used, to the hour.
    pub last_used_at: DateTime<Utc>,
    /// When it ends unless used again (never later than 90 days after sign-in).
    pub expires_at: DateTime<Utc>,
    /// The browser or app it signed in with.
    pub user_agent: Option<String>,
    /// The address it signed in from.
    pub ip: Option<String>,
    /// Whether it is the session of this request.
    pub current: bool,
}

#[async_trait]
impl Authenticate for BuiltInAuth {
    async fn actor(&self, request: &Parts) -> Result<Actor, ApiError> {
        self.session_actor(&request.headers, Use::Request).await
    }

    async fn recheck(&self, request: &Parts) -> Result<Actor, ApiError> {
        self.session_actor(&request.headers, Use::StreamRecheck)
            .await
    }
}

/// Whether looking a session up counts as using it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Use {
    /// A request: slides the session's expiry.
    Request,
    /// An open stream asking whether its session still holds: does not.
    StreamRecheck,
}

impl BuiltInAuth {
    async fn session_actor(&self, headers: &HeaderMap, purpose: Use) -> Result<Actor, ApiError> {
        let Some(token) = session_token(headers) else {
            return Ok(Actor::Anonymous);
        };
        let hash = token_hash(token);
        let now = self.lms.now();
        let session = self
            .lms
            .store()
            .session(&hash)
            .await?
            .filter(|s| self.is_live(s, now))
            .ok_or(LmsError::Unauthenticated)?;
        if purpose == Use::Request && now - session.last_used_at >= self.touch_interval() {
            let mut tx = self.lms.store().begin(Access::Write).await?;
            let expires_at = self.expiry(session.created_at, now);
            accounts(&mut tx)?
                .touch_session(&hash, now, expires_at)
                .await?;
            tx.commit().await?;
        }
        Ok(Actor::User(session.user_id))
    }

    /// The sessions of `user` that still work, newest first; `current_token` marks the one
    /// of this request (`GET /me/sessions`).
    pub async fn sessions(
        &self,
        user: UserId,
        current_token: Option<&str>,
    ) -> Result<Vec<SessionView>, ApiError> {
        let current = current_token.map(token_hash);
        let now = self.lms.now();
        let mut tx = self.lms.store().begin(Access::Read).await?;
        let sessions = accounts(&mut tx)?.sessions_of(user).await?;
        Ok(sessions
            .into_iter()
            .filter(|s| self.is_live(s, now))
            .map(|s| SessionView {
                current: current.as_deref() == Some(s.token_hash.as_str()),
                expires_at: s.expires_at.min(s.created_at + self.max_age()),
                id: s.id,
                created_at: s.created_at,
                last_used_at: s.last_used_at,
                user_agent: s.user_agent,
                ip: s.ip,
            })
            .collect())
    }

    /// Ends the session `id` of `user` (`DELETE /me/sessions/{id}`); 404 when they have no
    /// such session.
    pub async fn end_session(&self, user: UserId, id: SessionId) -> Result<(), ApiError> {
        let mut tx = self.lms.store().begin(Access::Write).await?;
        if !accounts(&mut tx)?.delete_session_of(user, id).await? {
            return Err(LmsError::NotFound("session").into());
        }
        tx.commit().await?;
        Ok(())
    }

    /// Ends every session of `user` but the one of `current_token` (`DELETE /me/sessions`).
    pub async fn end_other_sessions(
        &self,
        user: UserId,
        current_token: Option<&str>,
    ) -> Result<(), ApiError> {
        let keep = current_token.map(token_hash);
        let mut tx = self.lms.store().begin(Access::Write).await?;
        accounts(&mut tx)?
            .delete_sessions_of(user, keep.as_deref())
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub(super) fn new_session(
        &self,
        user: &User,
        token: &str,
        now: DateTime<Utc>,
        device: &Device,
    ) -> AuthSession {
        AuthSession {
            id: SessionId::new(),
            token_hash: token_hash(token),
            user_id: user.id,
            created_at: now,
            last_used_at: now,
            expires_at: self.expiry(now, now),
            user_agent: device.user_agent.clone(),
            ip: device.ip.map(|ip| ip.to_canonical().to_string()),
        }
    }

    /// Whether a session still works at `now`: used recently enough, and young enough.
    fn is_live(&self, session: &AuthSession, now: DateTime<Utc>) -> bool {
        session.expires_at > now && session.created_at + self.max_age() > now
    }

    /// The expiry of a session made at `created_at` and used at `used_at`.
    fn expiry(&self, created_at: DateTime<Utc>, used_at: DateTime<Utc>) -> DateTime<Utc> {
        (used_at + self.ttl()).min(created_at + self.max_age())
    }

    fn ttl(&self) -> chrono::Duration {
        chrono::Duration::from_std(self.config.session_ttl).unwrap_or(chrono::Duration::days(30))
    }

    fn max_age(&self) -> chrono::Duration {
        chrono::Duration::from_std(self.config.session_max_age)
            .unwrap_or(chrono::Duration::days(90))
    }

    /// How often a session in use is written: hourly (so `last_used_at` is right to the
    /// hour), or a tenth of its lifetime when that is shorter (a session that lives an hour
    /// must still slide).
    fn touch_interval(&self) -> chrono::Duration {
        (self.ttl() / 10).min(chrono::Duration::hours(1))
    }
}
