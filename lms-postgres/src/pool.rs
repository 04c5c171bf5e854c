//! The connection pool: its settings from [`PgOptions`], and how a connection is checked
//! before use.

use crate::{ConnectError, PgOptions, tx};
use lms_core::StoreError;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, PgPool};
use std::time::Duration;

/// A pool on `connect` with the pool settings of `options`, after one plain connection: the
/// pool would retry a failure until its acquire timeout and then report only "timed out",
/// where that connection's error says what failed.
pub(crate) async fn open_pool(
    connect: PgConnectOptions,
    options: &PgOptions,
) -> Result<PgPool, StoreError> {
    let unavailable = |e| StoreError::Unavailable(Box::new(ConnectError::new(&connect, e)));
    let first = connect.connect().await.map_err(unavailable)?;
    sqlx::Connection::close(first).await.ok();
    pool_options(options)
        .connect_with(connect)
        .await
        .map_err(tx::map_error)
}

/// How long a pooled connection may sit idle and still be handed out unchecked.
const CHECK_CONNECTIONS_IDLE_FOR: Duration = Duration::from_secs(5);

pub(crate) fn pool_options(options: &PgOptions) -> PgPoolOptions {
    PgPoolOptions::new()
        .max_connections(options.max_connections.max(1))
        .min_connections(options.min_connections)
        .acquire_timeout(options.acquire_timeout)
        .idle_timeout(options.idle_timeout)
        .max_lifetime(options.max_lifetime)
        // sqlx pings every connection it hands out: a round trip before each call's first
        // statement, as many as the one-statement learner path makes. Only a connection
        // that sat idle a while is checked (a server or proxy may have closed it); one that
        // broke since its last use fails its call as unavailable (503) and is discarded.
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for > CHECK_CONNECTIONS_IDLE_FOR {
                    sqlx::Connection::ping(conn).await?;
                }
                Ok(true)
            })
        })
}
