//! Caps on open event streams: a few per user (429 past it), and a bound for the whole
//! server (503), so that streams, which stay open for hours, cannot take every connection
//! or task. Requests of other kinds are not counted here.

use lms_core::{LmsError, UserId};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The open streams, counted.
#[derive(Debug)]
pub(crate) struct StreamCaps {
    per_user: usize,
    total: usize,
    /// Open streams in all, and by user.
    open: Mutex<(usize, HashMap<UserId, usize>)>,
    /// Seconds a refused client is told to wait.
    retry_after_secs: u64,
}

/// One admitted stream; dropping it (the stream ended, or its client went away) frees
/// its place.
#[derive(Debug)]
pub(crate) struct StreamPermit {
    caps: Arc<StreamCaps>,
    user: Option<UserId>,
}

impl StreamCaps {
    pub(crate) fn new(per_user: usize, total: usize, retry_after_secs: u64) -> Self {
        Self {
            per_user,
            total,
            open: Mutex::default(),
            retry_after_secs,
        }
    }

    /// A place for one more stream of `user`, or why not: 429 `rate_limited` past the
    /// user's cap, 503 `unavailable` past the server's.
    pub(crate) fn admit(self: &Arc<Self>, user: Option<UserId>) -> Result<StreamPermit, LmsError> {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let (total, by_user) = &mut *open;
        let retry_after_secs = self.retry_after_secs;
        if *total >= self.total {
            return Err(LmsError::Overloaded { retry_after_secs });
        }
        if let Some(user) = user {
            if by_user.get(&user).copied().unwrap_or(0) >= self.per_user {
                return Err(LmsError::RateLimited { retry_after_secs });
            }
            *by_user.entry(user).or_default() += 1;
        }
        *total += 1;
        Ok(StreamPermit {
            caps: self.clone(),
            user,
        })
    }
}

impl Drop for StreamPermit {
    fn drop(&mut self) {
        let mut open = self.caps.open.lock().unwrap_or_else(|p| p.into_inner());
        let (total, by_user) = &mut *open;
        *total = total.saturating_sub(1);
        if let Some(user) = self.user
            && let Some(mine) = by_user.get_mut(&user)
        {
            *mine = mine.saturating_sub(1);
            if *mine == 0 {
                by_user.remove(&user);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_are_freed_when_streams_end() {
        let caps = Arc::new(StreamCaps::new(2, 3, 10));
        let (ada, bob) = (UserId::new(), UserId::new());
        let first = caps.admit(Some(ada)).unwrap();
        let _second = caps.admit(Some(ada)).unwrap();
        let third = caps.admit(Some(ada));
        assert!(matches!(third, Err(LmsError::RateLimited { .. })));
        let _bobs = caps.admit(Some(bob)).unwrap();
        let full = caps.admit(Some(UserId::new()));
        assert!(matches!(full, Err(LmsError::Overloaded { .. })));
        drop(first);
        assert!(caps.admit(Some(ada)).is_ok(), "a place came free");
        assert_eq!(caps.open.lock().unwrap().1.get(&ada), Some(&1));
    }
}
