//! Certificates on SQLite: the shared statements; reading one by its code needs no
//! admission, since SQLite isolates no tenants itself.

use super::SqliteConn;
use lms_sql::CertificateDialect;

impl CertificateDialect for SqliteConn {}
