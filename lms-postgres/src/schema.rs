//! The Postgres schema that holds every LMS object, so that a host's own tables in `public`
//! (`users`, `sessions`, `courses`…) and ours never meet.

use std::fmt;

/// The name of the schema the store creates and uses: `lms` by default.
///
/// A plain lowercase identifier (letters, digits and `_`, not starting with a digit, at most
/// 63 bytes), so that it can be written into SQL unquoted and means the same everywhere.
///
/// ```
/// use lms_postgres::PgSchema;
///
/// assert_eq!(PgSchema::default().as_str(), "lms");
/// let learning = PgSchema::new("learning").unwrap();
/// assert_eq!(learning.as_str(), "learning");
/// assert!(PgSchema::new("Learning; DROP TABLE users").is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PgSchema(String);

impl PgSchema {
    /// The default schema, `lms`.
    pub const DEFAULT: &'static str = "lms";

    /// Checks `name` and wraps it.
    pub fn new(name: &str) -> Result<Self, InvalidSchema> {
        let mut chars = name.chars();
        let starts_well = chars
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c == '_');
        let rest_ok = chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if starts_well && rest_ok && name.len() <= 63 && !name.starts_with("pg_") {
            Ok(Self(name.to_string()))
        } else {
            Err(InvalidSchema(name.to_string()))
        }
    }

    /// The name, as written into SQL.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for PgSchema {
    fn default() -> Self {
        Self(Self::DEFAULT.to_string())
    }
}

impl fmt::Display for PgSchema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A schema name [`PgSchema::new`] refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{0}` cannot be the LMS schema: use a lowercase identifier of letters, digits and `_` \
     (not starting with a digit or `pg_`, at most 63 bytes), such as `lms`"
)]
pub struct InvalidSchema(pub String);

/// The statements every transaction of the store begins with: `BEGIN`, then the schema as
/// a transaction-local `search_path`. Local to the transaction because a transaction-mode
/// pooler ignores start-up options and would hand a session-level `SET` to other clients;
/// sent with `BEGIN` in one round trip.
#[derive(Clone, Debug)]
pub(crate) struct BeginStatements {
    pub(crate) read: std::sync::Arc<str>,
    pub(crate) write: std::sync::Arc<str>,
    pub(crate) snapshot: std::sync::Arc<str>,
}

impl BeginStatements {
    /// The statements a transaction with `access` begins with.
    pub(crate) fn of(&self, access: lms_core::store::Access) -> &std::sync::Arc<str> {
        match access {
            lms_core::store::Access::Read => &self.read,
            lms_core::store::Access::Write => &self.write,
            lms_core::store::Access::Snapshot => &self.snapshot,
        }
    }

    pub(crate) fn new(schema: &PgSchema) -> Self {
        // Quoted, so that a name that is also a keyword (`default`) stays a name.
        let scoped = |begin: &str| format!("{begin}; SET LOCAL search_path TO \"{schema}\"").into();
        Self {
            read: scoped("BEGIN READ ONLY"),
            write: scoped("BEGIN"),
            snapshot: scoped("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"),
        }
    }
}

/// Creates the schema if it is missing. Another instance migrating at the same moment may
/// create it between the check and the `CREATE`, which is fine.
pub(crate) fn create_statement(schema: &PgSchema) -> String {
    format!(
        "DO $$ BEGIN
             CREATE SCHEMA IF NOT EXISTS \"{schema}\";
         EXCEPTION WHEN duplicate_schema OR unique_violation THEN NULL;
         END $$"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_need_quoting_are_refused() {
        for bad in [
            "",
            "Lms",
            "1lms",
            "lms-x",
            "lms x",
            "pg_lms",
            "lms\"",
            &"a".repeat(64),
        ] {
            assert!(PgSchema::new(bad).is_err(), "{bad:?} was accepted");
        }
        for good in ["lms", "_lms", "lms2", "public", &"a".repeat(63)] {
            assert_eq!(PgSchema::new(good).unwrap().as_str(), good);
        }
    }

    #[test]
    fn the_search_path_is_set_inside_the_transaction() {
        let begin = BeginStatements::new(&PgSchema::default());
        assert_eq!(
            &*begin.read,
            "BEGIN READ ONLY; SET LOCAL search_path TO \"lms\""
        );
        assert_eq!(&*begin.write, "BEGIN; SET LOCAL search_path TO \"lms\"");
    }
}
