//! The in-process side of live events, without a runtime: a broadcast of event heads that
//! every [`crate::Lms::subscribe`]r receives, and the [`EventFeed`] handle through which a
//! store's background task publishes into it.
//!
//! The core decides nothing about time or tasks here: the store owns the loop that waits
//! on its signals (or a timer), reads new heads ([`crate::Store::event_heads`]) and calls
//! [`EventFeed::publish`] (`lms_sql::spawn_event_feed` is that loop for the sqlx stores).

use crate::event::{EventHead, EventSeq};
use crate::store::Store;
use std::future::Future;
use std::sync::{Arc, Weak};
use std::time::Duration;
use tokio::sync::{OnceCell, broadcast};

/// Heads kept for slow subscribers; one that falls further behind is told it lagged and
/// reads the outbox instead.
const HEADS_BUFFERED: usize = 1024;

/// Default of [`crate::Lms::with_event_poll_interval`].
pub const DEFAULT_EVENT_POLL_INTERVAL: Duration = Duration::from_secs(5);

/// A subscription to every event committed from now on, as heads
/// ([`crate::Lms::subscribe`]).
pub type EventHeads = broadcast::Receiver<Arc<EventHead>>;

/// One feed per [`crate::Lms`] (and its clones): the broadcast, and whether the store's
/// task has been started.
pub(crate) struct EventHub {
    heads: broadcast::Sender<Arc<EventHead>>,
    started: OnceCell<()>,
    poll: Duration,
}

impl EventHub {
    pub(crate) fn new(poll: Duration) -> Self {
        Self {
            heads: broadcast::channel(HEADS_BUFFERED).0,
            started: OnceCell::new(),
            poll,
        }
    }

    pub(crate) fn subscribe(&self) -> EventHeads {
        self.heads.subscribe()
    }

    /// Runs `start` unless it already succeeded for this hub.
    pub(crate) async fn start_once<F, Fut, E>(&self, start: F) -> Result<(), E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<(), E>>,
    {
        self.started.get_or_try_init(start).await.map(drop)
    }
}

/// What a store's event task works with: the store to read (the one the [`crate::Lms`]
/// holds, wrappers included), the position it has read up to, how often to read without a
/// signal, and the subscribers. Holds the hub weakly, so the task ends once every
/// [`crate::Lms`] that shared it is dropped.
///
/// ```
/// use lms_core::EventHead;
/// use lms_core::feed::EventFeed;
///
/// fn deliver(feed: &mut EventFeed, new_heads: Vec<EventHead>) -> bool {
///     // `false`: nobody can subscribe any more, so the store's task may stop.
///     feed.publish(new_heads)
/// }
/// ```
pub struct EventFeed {
    hub: Weak<EventHub>,
    store: Arc<dyn Store>,
    position: EventSeq,
    poll: Duration,
}

impl std::fmt::Debug for EventFeed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventFeed")
            .field("position", &self.position)
            .field("poll", &self.poll)
            .field("open", &self.is_open())
            .finish()
    }
}

impl std::fmt::Debug for EventHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventHub")
            .field("poll", &self.poll)
            .finish()
    }
}

impl EventFeed {
    /// A feed of `store`'s events into `hub` that starts after `position`.
    pub(crate) fn new(hub: &Arc<EventHub>, store: Arc<dyn Store>, position: EventSeq) -> Self {
        Self {
            hub: Arc::downgrade(hub),
            store,
            position,
            poll: hub.poll,
        }
    }

    /// The store whose outbox feeds it: listen to it and read heads from it.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The newest position published so far: read the outbox after it.
    pub fn position(&self) -> EventSeq {
        self.position
    }

    /// How long to wait for a store signal before reading the outbox anyway.
    pub fn poll_interval(&self) -> Duration {
        self.poll
    }

    /// Whether anyone can still subscribe (some [`crate::Lms`] sharing the feed is alive).
    pub fn is_open(&self) -> bool {
        self.hub.strong_count() > 0
    }

    /// Hands `heads` (oldest first, after [`Self::position`]) to every subscriber and moves
    /// the position past them. Returns `false` once the feed is closed: stop reading.
    pub fn publish(&mut self, heads: Vec<EventHead>) -> bool {
        let Some(hub) = self.hub.upgrade() else {
            return false;
        };
        for head in heads {
            self.position = self.position.max(head.seq);
            // No subscriber is not an error: the head is simply not needed.
            let _ = hub.heads.send(Arc::new(head));
        }
        true
    }
}
