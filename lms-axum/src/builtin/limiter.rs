//! Attempts counted per key (an email, a client address) in a sliding window, in memory.

use lms_core::LmsError;
use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Counts attempts per key in a sliding window.
pub(super) struct AttemptLimiter {
    limit: usize,
    window: Duration,
    pub(super) seen: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl AttemptLimiter {
    pub(super) fn new(limit: u32, window: Duration) -> Self {
        Self {
            limit: limit.max(1) as usize,
            window,
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// Records an attempt under every key, or refuses it (recording nothing) when any key
    /// is at its limit, saying how long until that key admits one again.
    pub(super) fn admit(&self, keys: &[String]) -> Result<(), LmsError> {
        let mut seen = self.lock();
        self.wait(&mut seen, keys)?;
        Self::push(&mut seen, keys);
        Ok(())
    }

    /// Refuses, like [`AttemptLimiter::admit`], when any key is at its limit, but records
    /// nothing: for keys that count failures only ([`AttemptLimiter::record`] after one).
    pub(super) fn check(&self, keys: &[String]) -> Result<(), LmsError> {
        self.wait(&mut self.lock(), keys)
    }

    /// Records an attempt under every key, whatever their counts.
    pub(super) fn record(&self, keys: &[String]) {
        Self::push(&mut self.lock(), keys);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, VecDeque<Instant>>> {
        let now = Instant::now();
        let mut seen = self
            .seen
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if seen.len() > 10_000 {
            seen.retain(|_, times| {
                times
                    .back()
                    .is_some_and(|t| now.duration_since(*t) < self.window)
            });
        }
        seen
    }

    /// `Err` with the wait when any key is at its limit.
    fn wait(
        &self,
        seen: &mut HashMap<String, VecDeque<Instant>>,
        keys: &[String],
    ) -> Result<(), LmsError> {
        let now = Instant::now();
        let mut wait = Duration::ZERO;
        for key in keys {
            // Only an admitted attempt adds a key: a refused one leaves nothing behind.
            let Some(times) = seen.get_mut(key) else {
                continue;
            };
            while times
                .front()
                .is_some_and(|t| now.duration_since(*t) >= self.window)
            {
                times.pop_front();
            }
            if times.len() >= self.limit {
                let oldest = *times.front().unwrap_or(&now);
                wait = wait.max(self.window.saturating_sub(now.duration_since(oldest)));
            }
        }
        if wait > Duration::ZERO {
            return Err(LmsError::RateLimited {
                retry_after_secs: wait.as_secs().max(1),
            });
        }
        Ok(())
    }

    fn push(seen: &mut HashMap<String, VecDeque<Instant>>, keys: &[String]) {
        let now = Instant::now();
        for key in keys {
            seen.entry(key.clone()).or_default().push_back(now);
        }
    }
}

/// The limiter's bucket for a client: its address, with IPv4 written as IPv4 even when it
/// arrives mapped into IPv6, and IPv6 cut to its /64 (one subscriber's network, which one
/// attacker holds whole).
pub(super) fn client_bucket(client: IpAddr) -> String {
    match client.to_canonical() {
        IpAddr::V4(v4) => format!("client:{v4}"),
        IpAddr::V6(v6) => {
            let network = u128::from(v6) & !((1u128 << 64) - 1);
            format!("client:{}/64", std::net::Ipv6Addr::from(network))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limiter_refuses_past_the_limit_per_key() {
        let limiter = AttemptLimiter::new(3, Duration::from_secs(60));
        let keys = |email: &str| [format!("email:{email}"), "client:1.2.3.4".to_string()];
        for _ in 0..3 {
            limiter.admit(&keys("a")).unwrap();
        }
        let refused = limiter.admit(&keys("a")).unwrap_err();
        assert!(
            matches!(refused, LmsError::RateLimited { retry_after_secs } if (1..=60).contains(&retry_after_secs))
        );
        assert!(
            limiter.admit(&keys("b")).is_err(),
            "the client address is at its limit too"
        );
        let other_client = [format!("email:{}", "b"), "client:5.6.7.8".to_string()];
        limiter.admit(&other_client).unwrap();
    }

    #[test]
    fn checking_counts_nothing_until_recorded() {
        let limiter = AttemptLimiter::new(2, Duration::from_secs(60));
        let key = ["email:a".to_string()];
        for _ in 0..5 {
            limiter.check(&key).unwrap();
        }
        limiter.record(&key);
        limiter.record(&key);
        assert!(limiter.check(&key).is_err());
    }
}
