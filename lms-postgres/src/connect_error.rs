//! Why a connection to Postgres failed, in words, with what to check: the error a host sees
//! when the store cannot start (wrong address, TLS settings, a server that wants TLS).

use sqlx::postgres::{PgConnectOptions, PgSslMode};
use std::fmt;

/// A failed first connection: where to, what went wrong, and what to check.
#[derive(Debug)]
pub struct ConnectError {
    target: String,
    hint: &'static str,
    source: sqlx::Error,
}

impl ConnectError {
    pub(crate) fn new(options: &PgConnectOptions, source: sqlx::Error) -> Self {
        let target = format!(
            "{}:{} (database {}, sslmode={})",
            options.get_host(),
            options.get_port(),
            options.get_database().unwrap_or("(the user's)"),
            ssl_mode_name(options.get_ssl_mode()),
        );
        Self {
            target,
            hint: hint(&source),
            source,
        }
    }
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cannot connect to Postgres at {}: {}. {}",
            self.target, self.source, self.hint
        )
    }
}

impl std::error::Error for ConnectError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

fn ssl_mode_name(mode: PgSslMode) -> &'static str {
    match mode {
        PgSslMode::Disable => "disable",
        PgSslMode::Allow => "allow",
        PgSslMode::Prefer => "prefer",
        PgSslMode::Require => "require",
        PgSslMode::VerifyCa => "verify-ca",
        PgSslMode::VerifyFull => "verify-full",
    }
}

fn hint(error: &sqlx::Error) -> &'static str {
    let text = error.to_string();
    match error {
        sqlx::Error::Database(_) if text.contains("no encryption") => {
            "The server accepts only TLS: add sslmode=require to the URL (or verify-full with \
             sslrootcert=<the CA's certificate> to also check whom you reach)"
        }
        sqlx::Error::Database(db) if db.code().is_some_and(|code| code.starts_with("28")) => {
            "Check the user name, the password and the server's pg_hba.conf"
        }
        sqlx::Error::Database(db) if db.code().as_deref() == Some("3D000") => {
            "The database does not exist: create it, or fix its name in the URL"
        }
        _ if text.contains("certificate") || text.contains("CertificateRequired") => {
            "The server's certificate did not verify: set sslrootcert=<path> to the CA that \
             signed it, and reach the server by a name the certificate lists (verify-full \
             checks both; sslmode=require encrypts without checking)"
        }
        sqlx::Error::Tls(_) => "TLS could not be set up: check sslmode and sslrootcert in the URL",
        sqlx::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
            "Nothing answers there: is the server running, and are the host and port right?"
        }
        sqlx::Error::PoolTimedOut => {
            "The server did not answer in time: check the address, and that a firewall lets \
             you through"
        }
        _ => "Check the URL's host, port, user and TLS settings",
    }
}
