//! An org moved whole between SQLite and Postgres, both ways
//! (`lms_core::testing::portability`). Needs the server `scripts/test.sh` sets up.

use lms_core::Lms;
use lms_core::testing::portability::an_org_moves_whole_between_stores;
use lms_postgres::testing::{Mode, TestDatabase};
use lms_sqlite::SqliteStore;

async fn sqlite() -> Lms {
    Lms::new(SqliteStore::memory().await.expect("an in-memory database"))
}

async fn postgres(mode: Mode) -> Lms {
    Lms::new(TestDatabase::create(mode).await)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_org_moves_from_sqlite_to_postgres_under_row_level_security() {
    let target = postgres(Mode::RowLevelSecurity).await;
    let empty = postgres(Mode::Direct).await;
    an_org_moves_whole_between_stores(sqlite().await, target, empty).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_org_moves_from_postgres_to_sqlite() {
    let source = postgres(Mode::RowLevelSecurity).await;
    an_org_moves_whole_between_stores(source, sqlite().await, sqlite().await).await;
}
