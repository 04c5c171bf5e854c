//! The event feed's loop (`lms_sql::spawn_event_feed`, shared by both stores) on SQLite: the
//! poll timer delivers what no signal announced, and a listener that fails is replaced.

use async_trait::async_trait;
use lms_core::store::{Access, Store, StoreTx};
use lms_core::testing::{World, acme};
use lms_core::{EventKind, EventSignals, Lms, NewPost, StoreError};
use lms_sqlite::SqliteStore;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// How the wrapped store answers `listen`.
#[derive(Clone, Copy)]
enum Listening {
    /// Never: no signals at all, as between processes sharing a file.
    Deaf,
    /// The first listener fails at once; later ones are the store's own.
    FirstFails,
}

/// A SQLite store whose listener the test controls; it counts the calls to `listen`.
struct Wrapped {
    inner: SqliteStore,
    listening: Listening,
    listens: Arc<AtomicUsize>,
}

/// Signals that fail: a dropped `LISTEN` connection.
struct Broken;

#[async_trait]
impl EventSignals for Broken {
    async fn next(&mut self) -> Result<(), StoreError> {
        Err(StoreError::Unavailable(
            "the listener's connection dropped".into(),
        ))
    }
}

#[async_trait]
impl Store for Wrapped {
    async fn begin(&self, access: Access) -> Result<Box<dyn StoreTx>, StoreError> {
        self.inner.begin(access).await
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.inner.ping().await
    }

    async fn last_event_seq(&self) -> Result<lms_core::EventSeq, StoreError> {
        self.inner.last_event_seq().await
    }

    async fn event_heads(
        &self,
        after: lms_core::EventSeq,
        limit: u32,
    ) -> Result<Vec<lms_core::EventHead>, StoreError> {
        self.inner.event_heads(after, limit).await
    }

    async fn listen(&self) -> Result<Option<Box<dyn EventSignals>>, StoreError> {
        let call = self.listens.fetch_add(1, Ordering::SeqCst);
        match (self.listening, call) {
            (Listening::Deaf, _) => Ok(None),
            (Listening::FirstFails, 0) => Ok(Some(Box::new(Broken))),
            (Listening::FirstFails, _) => self.inner.listen().await,
        }
    }

    fn start_event_feed(&self, feed: lms_core::feed::EventFeed) -> Result<(), StoreError> {
        lms_sql::spawn_event_feed(feed);
        Ok(())
    }
}

async fn world(listening: Listening, poll: Duration) -> (World, Arc<AtomicUsize>) {
    let listens = Arc::new(AtomicUsize::new(0));
    let store = Wrapped {
        inner: SqliteStore::memory().await.unwrap(),
        listening,
        listens: listens.clone(),
    };
    let lms = Lms::new(store).with_event_poll_interval(poll);
    let w = World::new(lms).await;
    w.published("c", None).await;
    w.lms.enroll(&w.learner, acme("c")).await.unwrap();
    (w, listens)
}

/// Posts in course `c` and waits (up to `within`) for the post's head to be published.
async fn post_arrives(w: &World, within: Duration) -> bool {
    let mut heads = w.lms.subscribe().await.unwrap();
    let lesson = w.lms.course(&w.learner, acme("c")).await.unwrap().modules[0].lessons[0].id;
    let new = NewPost {
        body: "Hello".into(),
        parent_id: None,
    };
    w.lms
        .create_post(&w.learner, acme("c"), lesson, new)
        .await
        .unwrap();
    let arrival = async {
        loop {
            let head = heads.recv().await.expect("the feed is open");
            if head.kind == EventKind::PostCreated {
                return;
            }
        }
    };
    tokio::time::timeout(within, arrival).await.is_ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_signals_the_poll_timer_delivers() {
    let (w, listens) = world(Listening::Deaf, Duration::from_millis(20)).await;
    assert!(
        post_arrives(&w, Duration::from_secs(30)).await,
        "no signal, and the timer did not deliver the head either"
    );
    assert_eq!(
        listens.load(Ordering::SeqCst),
        1,
        "listened once, got nothing"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_listener_is_replaced() {
    // A poll interval no test outlives: only signals can deliver here.
    let (w, listens) = world(Listening::FirstFails, Duration::from_secs(3600)).await;
    let _heads = w.lms.subscribe().await.unwrap(); // starts the feed
    // The loop backs off after the failure, then listens again: wait for that (bounded).
    let mut waited = 0;
    while listens.load(Ordering::SeqCst) < 2 {
        waited += 1;
        assert!(waited < 3_000, "the feed never listened again");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(
        post_arrives(&w, Duration::from_secs(30)).await,
        "the new listener's signal did not deliver the head"
    );
    assert_eq!(listens.load(Ordering::SeqCst), 2);
}
