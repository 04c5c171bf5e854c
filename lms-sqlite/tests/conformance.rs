//! The shared conformance suite on SQLite: every case on its own database file.

use lms_sqlite::SqliteStore;

async fn fresh_store() -> SqliteStore {
    // Kept for the life of the process so the file outlives the store; the OS temp dir
    // is cleaned by the TempDir guard when the test binary exits.
    let dir = tempfile::tempdir().expect("temp dir");
    let store = SqliteStore::open(dir.path().join("lms.db")).await.expect("open SQLite store");
    std::mem::forget(dir);
    store
}

lms_core::conformance_tests!(fresh_store);
