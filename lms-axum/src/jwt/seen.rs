//! Identities recently brought up to date, so a token whose claims were just written does
//! not open a write transaction on every request (`Lms::ensure_user` writes when anything
//! differs, and on SQLite even its check holds the write lock). An entry is used only for
//! exactly the same `sub`, email and name, and for [`SEEN_FOR`]: a change at the provider
//! shows at once, a change made by the host through `Lms::update_user` within that time.

use chrono::{DateTime, TimeDelta, Utc};
use lms_core::{ExternalUser, UserId};
use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

/// How long an identity brought up to date is trusted to be so.
const SEEN_FOR: TimeDelta = TimeDelta::seconds(60);

/// Most identities remembered; past that the oldest are dropped.
const MAX_SEEN: usize = 10_000;

#[derive(Default)]
pub(super) struct Seen(Mutex<HashMap<String, Entry>>);

struct Entry {
    user: UserId,
    email: String,
    name: String,
    at: DateTime<Utc>,
}

impl Seen {
    /// The user `who` was made or refreshed as, within [`SEEN_FOR`] of `now`.
    pub(super) fn get(&self, who: &ExternalUser, now: DateTime<Utc>) -> Option<UserId> {
        let seen = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = seen.get(&who.external_id)?;
        let fresh = now >= entry.at && now - entry.at < SEEN_FOR;
        (fresh && entry.email == who.email && entry.name == who.name).then_some(entry.user)
    }

    /// Remembers that `who` is `user`, up to date at `now`.
    pub(super) fn put(&self, who: &ExternalUser, user: UserId, now: DateTime<Utc>) {
        let mut seen = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if seen.len() >= MAX_SEEN {
            seen.retain(|_, entry| now - entry.at < SEEN_FOR && now >= entry.at);
        }
        if seen.len() >= MAX_SEEN {
            seen.clear();
        }
        let entry = Entry {
            user,
            email: who.email.clone(),
            name: who.name.clone(),
            at: now,
        };
        seen.insert(who.external_id.clone(), entry);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_same_claims_within_a_minute_are_remembered() {
        let seen = Seen::default();
        let now = DateTime::from_timestamp(1_893_456_000, 0).unwrap();
        let ada = ExternalUser {
            external_id: "u1".into(),
            email: "ada@example.com".into(),
            name: "Ada".into(),
            email_verified: true,
        };
        let id = UserId::new();
        assert_eq!(seen.get(&ada, now), None);
        seen.put(&ada, id, now);
        assert_eq!(seen.get(&ada, now + TimeDelta::seconds(59)), Some(id));
        assert_eq!(seen.get(&ada, now + SEEN_FOR), None);
        let renamed = ExternalUser {
            name: "Ada L".into(),
            ..ada.clone()
        };
        assert_eq!(seen.get(&renamed, now), None);
        // A clock moved back does not make an entry last longer.
        assert_eq!(seen.get(&ada, now - TimeDelta::seconds(1)), None);
    }
}
