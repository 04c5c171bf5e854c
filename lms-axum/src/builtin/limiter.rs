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
        for key in keys {
            seen.entry(key.clone()).or_default().push_back(now);
        }
        Ok(())
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
}
