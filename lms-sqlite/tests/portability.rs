//! An org moved whole from one SQLite database to another (`lms_core::testing::portability`).

use lms_core::Lms;
use lms_sqlite::SqliteStore;

async fn lms() -> Lms {
    Lms::new(SqliteStore::memory().await.expect("an in-memory database"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_org_moves_whole_between_sqlite_databases() {
    let (source, target, empty) = (lms().await, lms().await, lms().await);
    lms_core::testing::portability::an_org_moves_whole_between_stores(source, target, empty).await;
}
