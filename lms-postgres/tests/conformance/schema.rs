//! Every LMS object lives in its own schema, so a host's `public` tables of the same names
//! are never touched, and the schema never leaks into a shared connection.

use lms_core::testing::{World, acme};
use lms_core::{Lms, ProgressUpdate};
use lms_postgres::testing::{Mode, TestDatabase, server};
use lms_postgres::{PgOptions, PgSchema, PgStore};
use sqlx::{ConnectOptions, PgConnection};

/// A host app's own tables, named like ours, with rows of its own.
const HOST_TABLES: &str = "
    CREATE TABLE public.users (id serial PRIMARY KEY, email text NOT NULL, password text);
    CREATE TABLE public.sessions (id text PRIMARY KEY, user_id int REFERENCES public.users);
    CREATE TABLE public.courses (id int PRIMARY KEY, title text NOT NULL);
    INSERT INTO public.users (email, password) VALUES ('host@acme.test', 'host-hash');
    INSERT INTO public.sessions VALUES ('host-session', 1);
    INSERT INTO public.courses VALUES (1, 'The host''s course');
";

/// Everything in the host's `public` schema: each table's rows as JSON, and the names of
/// the schema's functions, sequences and views.
async fn public_schema(conn: &mut PgConnection) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT 'users ' || jsonb_agg(to_jsonb(u) ORDER BY u.id)::text FROM public.users u
         UNION ALL SELECT 'sessions ' || jsonb_agg(to_jsonb(s) ORDER BY s.id)::text FROM public.sessions s
         UNION ALL SELECT 'courses ' || jsonb_agg(to_jsonb(c) ORDER BY c.id)::text FROM public.courses c
         UNION ALL (SELECT 'relation ' || relname || ' ' || relkind::text FROM pg_class
                    WHERE relnamespace = 'public'::regnamespace ORDER BY relname)
         UNION ALL (SELECT 'function ' || proname FROM pg_proc
                    WHERE pronamespace = 'public'::regnamespace ORDER BY proname)",
    )
    .fetch_all(conn)
    .await
    .expect("read the public schema")
}

async fn tables_in(conn: &mut PgConnection, schema: &str) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables
         WHERE table_schema = $1 ORDER BY table_name",
    )
    .bind(schema)
    .fetch_all(conn)
    .await
    .expect("list tables")
}

/// A learner's journey: an org and its people, a course, an enrollment, progress, events.
async fn use_the_lms(lms: Lms) {
    let w = World::new(lms.clone()).await;
    let outline = w.published("c", None).await;
    let intro = outline.modules[0].lessons[0].id;
    lms.enroll(&w.learner, acme("c")).await.expect("enroll");
    let done = ProgressUpdate {
        position_seconds: None,
        percent: Some(100),
        status: None,
    };
    lms.record_progress(&w.learner, acme("c"), intro, done)
        .await
        .expect("progress");
    lms.course_progress(&w.learner, acme("c"))
        .await
        .expect("progress read");
}

async fn the_hosts_tables_are_left_alone(mode: Mode) {
    let db = TestDatabase::create_after(mode, HOST_TABLES).await;
    let mut owner = server()
        .database(&db.name)
        .connect()
        .await
        .expect("connect");
    let before = public_schema(&mut owner).await;
    assert!(
        before.contains(&"relation users r".to_string()),
        "{before:?}"
    );

    use_the_lms(Lms::new(db.store.clone())).await;

    assert_eq!(
        public_schema(&mut owner).await,
        before,
        "the host's public schema changed ({mode:?})"
    );
    // The trigger that names our tables finds them whatever the caller's search_path.
    let pinned: Vec<String> = sqlx::query_scalar(
        "SELECT unnest(proconfig) FROM pg_proc WHERE proname = 'lms_rollup_histogram'",
    )
    .fetch_all(&mut owner)
    .await
    .expect("read the function's settings");
    assert_eq!(pinned, ["search_path=\"lms\""], "{mode:?}");
    let ours = tables_in(&mut owner, PgSchema::DEFAULT).await;
    for table in ["_lms_migrations", "users", "sessions", "courses", "events"] {
        assert!(
            ours.contains(&table.to_string()),
            "lms.{table} missing: {ours:?}"
        );
    }
}

#[tokio::test]
async fn a_hosts_public_tables_stay_untouched_on_direct_connections() {
    the_hosts_tables_are_left_alone(Mode::Direct).await;
}

/// Through a transaction-mode pooler, where start-up options are ignored.
#[tokio::test]
async fn a_hosts_public_tables_stay_untouched_through_a_pooler() {
    the_hosts_tables_are_left_alone(Mode::Pooled).await;
}

/// As the application role under row-level security, which needs the schema granted.
#[tokio::test]
async fn a_hosts_public_tables_stay_untouched_under_row_level_security() {
    the_hosts_tables_are_left_alone(Mode::RowLevelSecurity).await;
}

/// A host sharing its one-connection pool with the store finds its own `search_path` and
/// tables after every LMS call.
#[tokio::test]
async fn the_schema_does_not_outlive_an_lms_transaction() {
    let db = TestDatabase::create_after(Mode::Direct, HOST_TABLES).await;
    let host_pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect_with(server().database(&db.name))
        .await
        .expect("the host's pool");
    let store = PgStore::from_pool(host_pool.clone(), &PgOptions::default());
    use_the_lms(Lms::new(store)).await;

    let search_path: String = sqlx::query_scalar("SHOW search_path")
        .fetch_one(&host_pool)
        .await
        .unwrap();
    assert_eq!(search_path, "\"$user\", public");
    let host_email: String = sqlx::query_scalar("SELECT email FROM users")
        .fetch_one(&host_pool)
        .await
        .expect("the host's unqualified query reaches its own table");
    assert_eq!(host_email, "host@acme.test");
}

/// Two LMS instances in one database, each in a schema of its own, see nothing of each
/// other.
#[tokio::test]
async fn two_instances_share_a_database_in_two_schemas() {
    let db = TestDatabase::create(Mode::Direct).await;
    let mut learning = PgOptions::default();
    learning.schema = PgSchema::new("learning").unwrap();
    let other = PgStore::connect_with_options(server().database(&db.name), learning)
        .await
        .expect("connect");
    other.migrate().await.expect("migrate into learning");
    assert_eq!(other.schema().as_str(), "learning");
    use_the_lms(Lms::new(other)).await;

    let mut owner = server()
        .database(&db.name)
        .connect()
        .await
        .expect("connect");
    assert_eq!(users_in(&mut owner, "lms").await, 0);
    assert!(users_in(&mut owner, "learning").await > 0);
    assert_eq!(
        tables_in(&mut owner, "learning").await,
        tables_in(&mut owner, "lms").await,
    );
}

async fn users_in(conn: &mut PgConnection, schema: &str) -> i64 {
    let sql = format!("SELECT count(*) FROM {schema}.users");
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .fetch_one(conn)
        .await
        .expect("count users")
}
