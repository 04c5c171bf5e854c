//! The curriculum on SQLite: the shared statements, and the shared row-by-row
//! `apply_layout` (a course has a few dozen rows; there is no `UNNEST` to batch them).

use super::SqliteConn;
use lms_sql::CurriculumDialect;

impl CurriculumDialect for SqliteConn {}
