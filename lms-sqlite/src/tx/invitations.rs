//! Invitations on SQLite: the shared statements. Reading one by its token needs no
//! admission (SQLite isolates no tenants itself), and no row lock (a write transaction
//! holds the database's write lock from its start).

use super::SqliteConn;
use lms_sql::InvitationDialect;

impl InvitationDialect for SqliteConn {}
