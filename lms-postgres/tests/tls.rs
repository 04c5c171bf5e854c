//! Postgres over TLS, on a server that accepts nothing else (`LMS_TLS_DATABASE_URL`, which
//! scripts/test.sh sets up): the conformance suite through `sslmode=verify-full`, and the
//! connections that must fail, saying why in words.

use lms_postgres::testing::{Mode, TestDatabase, tls_server};
use lms_postgres::{PgOptions, PgStore};
use sqlx::postgres::PgSslMode;

async fn fresh_tls_store() -> TestDatabase {
    TestDatabase::create(Mode::Tls).await
}

lms_core::conformance_tests!(tls_conformance: fresh_tls_store);

/// The error a connection with these settings fails with, as a host would print it.
async fn refusal(options: sqlx::postgres::PgConnectOptions) -> String {
    let mut quick = PgOptions::default();
    quick.acquire_timeout = std::time::Duration::from_secs(10);
    match PgStore::connect_with_options(options, quick).await {
        Ok(_) => panic!("the connection was accepted"),
        Err(e) => e.to_string(),
    }
}

#[tokio::test]
async fn a_certificate_from_another_ca_is_refused() {
    let wrong_ca = std::env::var("LMS_TLS_WRONG_CA").unwrap_or_else(|_| {
        panic!(
            "LMS_TLS_WRONG_CA is not set: the path of a CA certificate that did not sign the TLS \
             server's. Run scripts/test.sh, which makes one."
        )
    });
    let message = refusal(tls_server().ssl_root_cert(wrong_ca)).await;
    assert!(message.contains("certificate"), "{message}");
    assert!(
        message.contains("sslrootcert"),
        "says what to check: {message}"
    );
}

#[tokio::test]
async fn a_connection_without_tls_is_refused() {
    let message = refusal(tls_server().ssl_mode(PgSslMode::Disable)).await;
    assert!(message.contains("no encryption"), "{message}");
    assert!(message.contains("sslmode"), "says what to check: {message}");
}

#[tokio::test]
async fn a_closed_port_says_nothing_answers() {
    let message = refusal(tls_server().port(1)).await;
    assert!(message.contains("Nothing answers there"), "{message}");
    assert!(message.contains(":1 "), "names the address: {message}");
}
