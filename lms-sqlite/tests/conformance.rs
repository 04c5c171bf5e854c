//! The shared conformance suite on SQLite, in both modes: every case on its own database
//! file (`conformance::*`) and on its own in-memory database (`memory_conformance::*`).

use async_trait::async_trait;
use lms_core::StoreError;
use lms_core::store::{Access, AuthSession, Store, StoreTx};
use lms_sqlite::SqliteStore;

/// A store on a file in a temporary directory that is removed with the store.
struct TempFileStore {
    store: SqliteStore,
    _dir: tempfile::TempDir,
}

#[async_trait]
impl Store for TempFileStore {
    async fn begin(&self, access: Access) -> Result<Box<dyn StoreTx>, StoreError> {
        self.store.begin(access).await
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.store.ping().await
    }

    async fn session(&self, token_hash: &str) -> Result<Option<AuthSession>, StoreError> {
        self.store.session(token_hash).await
    }

    async fn last_event_seq(&self) -> Result<lms_core::EventSeq, StoreError> {
        self.store.last_event_seq().await
    }

    async fn event_heads(
        &self,
        after: lms_core::EventSeq,
        limit: u32,
    ) -> Result<Vec<lms_core::EventHead>, StoreError> {
        self.store.event_heads(after, limit).await
    }

    async fn listen(&self) -> Result<Option<Box<dyn lms_core::EventSignals>>, StoreError> {
        self.store.listen().await
    }

    fn start_event_feed(&self, feed: lms_core::feed::EventFeed) -> Result<(), StoreError> {
        self.store.start_event_feed(feed)
    }
}

async fn fresh_file_store() -> TempFileStore {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = SqliteStore::open(dir.path().join("lms.db"))
        .await
        .expect("open SQLite file store");
    TempFileStore { store, _dir: dir }
}

async fn fresh_memory_store() -> SqliteStore {
    SqliteStore::memory()
        .await
        .expect("open SQLite in-memory store")
}

lms_core::conformance_tests!(fresh_file_store);
lms_core::conformance_tests!(memory_conformance: fresh_memory_store);
