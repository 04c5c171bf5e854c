//! What the migrations leave behind: applying them twice changes nothing, and the schema
//! keeps the properties the hot paths were measured with.

use super::*;
use sqlx::ConnectOptions;

/// A fresh database (dropped with the first value) and a connection to it as its owner.
async fn fresh_connection() -> (TestDatabase, PgConnection) {
    let db = TestDatabase::create(Mode::Direct).await;
    let conn = server()
        .database(&db.name)
        .connect()
        .await
        .expect("connect");
    (db, conn)
}

#[tokio::test]
async fn migrating_twice_is_a_no_op() {
    let db = TestDatabase::create(Mode::RowLevelSecurity).await;
    let mut owner = PgOptions::default();
    owner.row_level_security = true;
    let again = PgStore::connect_with_options(server().database(&db.name), owner)
        .await
        .expect("connect");
    again.migrate().await.expect("second migrate");
    let applied: i64 = sqlx::query_scalar("SELECT count(*) FROM lms._lms_migrations")
        .fetch_one(again.pool())
        .await
        .expect("migrations table");
    assert!(applied >= 1);
    let default_table: Option<String> =
        sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations')::text")
            .fetch_one(again.pool())
            .await
            .expect("regclass");
    assert_eq!(
        default_table, None,
        "the host's own sqlx migrations table is left alone"
    );
}

/// A progress write updates its enrollment's `completed_required`, `last_activity_at`
/// and `revision`; while no index holds any of them (as a column, an included column,
/// an expression or a predicate) the update can stay on its page (HOT) and write no
/// index entry (migration 0027: 1 % of the benchmark's updates were HOT with one such
/// index, 99.9 % without). `completed_at` is left out on purpose: it changes once per
/// enrollment, when the course is completed.
#[tokio::test]
async fn no_index_holds_what_a_progress_write_changes() {
    let (_db, mut conn) = fresh_connection().await;
    let indexed: Vec<String> = sqlx::query_scalar(
        r"SELECT indexdef FROM pg_indexes
          WHERE schemaname = 'lms' AND tablename = 'enrollments'
            AND indexdef ~ '\m(completed_required|last_activity_at|revision)\M'",
    )
    .fetch_all(&mut conn)
    .await
    .expect("read the indexes");
    assert_eq!(indexed, Vec::<String>::new());
}

/// `lms_progress_arrays` (migration 0026) is only as cheap as the aggregate it wraps
/// while the planner inlines it; a `SET` option or `STRICT` on it would stop that and
/// run it as a function per enrollment, replanned on every call.
#[tokio::test]
async fn the_progress_arrays_function_is_inlined() {
    let (_db, mut conn) = fresh_connection().await;
    sqlx::query("SET search_path = lms")
        .execute(&mut conn)
        .await
        .expect("search path");
    let plan: Vec<String> = sqlx::query_scalar(
        "EXPLAIN SELECT pa.* FROM enrollments e
         CROSS JOIN LATERAL lms_progress_arrays(e.user_id, e.course_id) pa",
    )
    .fetch_all(&mut conn)
    .await
    .expect("explain");
    let plan = plan.join("\n");
    assert!(
        plan.contains("on lesson_progress") && !plan.contains("Function Scan"),
        "not inlined:\n{plan}"
    );
}
