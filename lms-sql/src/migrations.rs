//! The stores' migrations, embedded by a declarative macro instead of sqlx's `migrate!`.
//!
//! Why: sqlx's `migrate!` is a procedural macro, and building sqlx's macros builds sqlx and
//! SQLite a second time, for the compiler (about a quarter of a clean release build of a
//! small embed). What sqlx does with each file is simple to match exactly: the version and
//! description come from its name, the checksum is sqlx's own (computed by
//! `sqlx::migrate::Migration::new`), and a first line of `-- no-transaction` opts out of
//! the transaction. Each store's tests compare its list with `sqlx::migrate!`'s.

use sqlx::SqlSafeStr;
use sqlx::migrate::{Migration, MigrationType, Migrator};

/// One migration file, as sqlx reads it from a migrations directory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MigrationFile {
    /// The file's name: `<version>_<description>.sql`.
    pub name: &'static str,
    /// The file's contents.
    pub sql: &'static str,
}

impl MigrationFile {
    /// The number before the first `_` of the name.
    ///
    /// # Panics
    /// If the name does not start with a number and `_`: the file list is fixed at
    /// compile time, and each store's tests read every entry.
    pub fn version(&self) -> i64 {
        let (version, _) = self.split();
        version
            .parse()
            .unwrap_or_else(|_| panic!("migration {:?} has no number before `_`", self.name))
    }

    /// The rest of the name, without `.sql` and with `_` as spaces (as sqlx does).
    pub fn description(&self) -> String {
        let (_, rest) = self.split();
        rest.trim_end_matches(".sql").replace('_', " ")
    }

    /// Whether the file asks to run outside a transaction (as sqlx decides it).
    pub fn no_transaction(&self) -> bool {
        self.sql.starts_with("-- no-transaction")
    }

    fn split(&self) -> (&'static str, &'static str) {
        self.name.split_once('_').unwrap_or_else(|| {
            panic!(
                "migration {:?} is not named <version>_<name>.sql",
                self.name
            )
        })
    }
}

/// A migrator of `files` that records what it applied in `table`.
pub fn migrator(files: &[MigrationFile], table: &'static str) -> Migrator {
    let migrations = files
        .iter()
        .map(|file| {
            Migration::new(
                file.version(),
                file.description().into(),
                MigrationType::Simple,
                file.sql.into_sql_str(),
                file.no_transaction(),
            )
        })
        .collect();
    let mut migrator = Migrator::with_migrations(migrations);
    migrator.dangerous_set_table_name(table);
    migrator
}

/// Where `ours` differs from `sqlx`'s migrator of the same directory, in words; the
/// stores' tests call it with `sqlx::migrate!("./migrations")`, so a file added to the
/// directory but not to the list (or changed in how sqlx reads it) fails a test.
pub fn differences(ours: &Migrator, sqlx: &Migrator) -> Vec<String> {
    let describe = |m: &Migration| {
        format!(
            "{} {:?} {:?} no_tx={} checksum={:02x?}",
            m.version, m.description, m.migration_type, m.no_tx, m.checksum
        )
    };
    let ours: Vec<String> = ours.iter().map(describe).collect();
    let sqlx: Vec<String> = sqlx.iter().map(describe).collect();
    let mut differences = Vec::new();
    for index in 0..ours.len().max(sqlx.len()) {
        match (ours.get(index), sqlx.get(index)) {
            (Some(a), Some(b)) if a == b => {}
            (a, b) => differences.push(format!("#{index}: ours {a:?}, sqlx's {b:?}")),
        }
    }
    differences
}

/// The files of the calling crate's `migrations/` directory, in the order given:
/// `migration_files!["0001_init", "0002_auth"]`.
#[macro_export]
macro_rules! migration_files {
    [$($name:literal),* $(,)?] => {
        [$($crate::migrations::MigrationFile {
            name: concat!($name, ".sql"),
            sql: include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/", $name, ".sql")),
        }),*]
    };
}

#[cfg(test)]
mod tests {
    use super::MigrationFile;

    #[test]
    fn reads_the_name_as_sqlx_does() {
        let file = MigrationFile {
            name: "0005_rollup_histogram.sql",
            sql: "CREATE TABLE t (x INT);",
        };
        assert_eq!(file.version(), 5);
        assert_eq!(file.description(), "rollup histogram");
        assert!(!file.no_transaction());
    }

    #[test]
    fn a_first_line_opts_out_of_the_transaction() {
        let file = MigrationFile {
            name: "0010_index.sql",
            sql: "-- no-transaction\nCREATE INDEX CONCURRENTLY i ON t (x);",
        };
        assert!(file.no_transaction());
    }
}
