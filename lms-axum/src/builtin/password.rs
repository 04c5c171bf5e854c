//! Passwords: their length rule, and argon2id hashing off the async workers, a bounded
//! number at once (each takes 19 MiB and a blocking thread for a moment).

use super::internal;
use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use lms_core::LmsError;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::{Semaphore, SemaphorePermit};

/// Shortest and longest accepted password, in characters.
pub const PASSWORD_CHARS: std::ops::RangeInclusive<usize> = 10..=128;

/// An argon2id hash of a password nobody has, verified against when the email is unknown
/// so that both failures cost the same.
pub(super) const DECOY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$bG1zLXJzLWRlY295LXNhbHQ$2KgLy0yE1Pw7Rm1mJkJ9mL9y9QK0pTqvN0wZr3bS1lQ";

/// Whether `password` has an accepted length, and what is accepted if not.
pub(super) fn check_password(password: &str) -> Result<(), String> {
    if PASSWORD_CHARS.contains(&password.chars().count()) {
        Ok(())
    } else {
        Err(format!(
            "must be {} to {} characters",
            PASSWORD_CHARS.start(),
            PASSWORD_CHARS.end()
        ))
    }
}

/// Password hashes and checks, at most `slots` at once: beyond that a request waits up to
/// `wait` for its turn, then is answered 503 `unavailable` with `Retry-After`, so a flood
/// of sign-ups or sign-ins cannot take every blocking thread and their memory.
pub(super) struct Hashing {
    slots: Semaphore,
    wait: Duration,
    done: AtomicU64,
}

impl Hashing {
    pub(super) fn new(slots: usize, wait: Duration) -> Self {
        Self {
            slots: Semaphore::new(slots.max(1)),
            wait,
            done: AtomicU64::new(0),
        }
    }

    /// An argon2id hash of `password`, in turn.
    pub(super) async fn hash(&self, password: String) -> Result<String, LmsError> {
        let _slot = self.slot().await?;
        self.done.fetch_add(1, Ordering::Relaxed);
        hash_password(password).await
    }

    /// Whether `password` matches `hash`, in turn.
    pub(super) async fn verify(&self, password: String, hash: String) -> Result<bool, LmsError> {
        let _slot = self.slot().await?;
        self.done.fetch_add(1, Ordering::Relaxed);
        verify_password(password, hash).await
    }

    /// How many hashes and checks ran (for tests of what costs one).
    pub(super) fn done(&self) -> u64 {
        self.done.load(Ordering::Relaxed)
    }

    async fn slot(&self) -> Result<SemaphorePermit<'_>, LmsError> {
        let overloaded = LmsError::Overloaded {
            retry_after_secs: self.wait.as_secs().max(1),
        };
        match tokio::time::timeout(self.wait, self.slots.acquire()).await {
            Ok(Ok(slot)) => Ok(slot),
            _ => Err(overloaded),
        }
    }
}

async fn hash_password(password: String) -> Result<String, LmsError> {
    // Argon2 is deliberately slow: keep it off the async workers.
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
    })
    .await
    .map_err(internal)?
    .map_err(internal)
}

async fn verify_password(password: String, hash: String) -> Result<bool, LmsError> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .verify_password(password.as_bytes(), hash.as_str())
            .is_ok()
    })
    .await
    .map_err(internal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_decoy_hash_is_a_valid_argon2id_hash() {
        let parsed = argon2::password_hash::phc::PasswordHash::new(DECOY_HASH).expect("PHC string");
        assert_eq!(parsed.algorithm.as_str(), "argon2id");
    }
}
