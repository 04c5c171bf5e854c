//! The event feed's loop for stores on Tokio: what keeps [`lms_core::Lms::subscribe`]rs
//! current. It lives with the stores because it needs a runtime (a task, a timer), which
//! the core does not have.

use lms_core::feed::EventFeed;
use std::time::Duration;

/// Heads read from the outbox at a time.
const HEADS_PER_READ: u32 = 500;

/// How long to wait before listening again after the listener failed.
const RELISTEN_AFTER: Duration = Duration::from_secs(1);

/// Spawns the task that reads the outbox after every signal of [`lms_core::Store::listen`] (and on
/// the feed's timer) and publishes the new heads, until every `Lms` sharing the feed is
/// dropped. What [`lms_core::Store::start_event_feed`] does in `lms-sqlite` and `lms-postgres`;
/// call it inside a Tokio runtime. It reads [`EventFeed::store`]: the store the `Lms`
/// holds, so a wrapping store's `listen` and `event_heads` are the ones used.
pub fn spawn_event_feed(feed: EventFeed) {
    tokio::spawn(run(feed));
}

async fn run(mut feed: EventFeed) {
    let store = feed.store().clone();
    let poll = feed.poll_interval();
    let mut signals = None;
    // `Ok(None)` from `listen` means the store cannot signal at all: do not ask again.
    let mut deaf = false;
    loop {
        if signals.is_none() && !deaf {
            match store.listen().await {
                Ok(Some(listener)) => signals = Some(listener),
                Ok(None) => deaf = true,
                Err(e) => tracing::warn!("cannot listen for events, polling every {poll:?}: {e}"),
            }
        }
        loop {
            let heads = match store.event_heads(feed.position(), HEADS_PER_READ).await {
                Ok(heads) => heads,
                Err(e) => {
                    tracing::warn!("cannot read the event outbox: {e}");
                    break;
                }
            };
            let exhausted = heads.len() < HEADS_PER_READ as usize;
            if !feed.publish(heads) {
                return;
            }
            if exhausted {
                break;
            }
        }
        let signal = async {
            match signals.as_mut() {
                Some(s) => s.next().await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            result = signal => if let Err(e) = result {
                tracing::warn!("event listener failed, reconnecting: {e}");
                signals = None;
                tokio::time::sleep(RELISTEN_AFTER).await;
            },
            () = tokio::time::sleep(poll) => {}
        }
        if !feed.is_open() {
            return;
        }
    }
}
