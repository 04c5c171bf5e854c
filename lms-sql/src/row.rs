//! Reading a result row by column name, the same way on every dialect. A value that does
//! not fit its domain type is [`StoreError::Corrupt`] on every store, never clamped.

use crate::ProgressFields;
use chrono::{DateTime, Utc};
use lms_core::StoreError;
use serde_json::Value;
use uuid::Uuid;

/// A result row as the shared decoders read it. Each store implements it for its driver's
/// row (a SQLite `INTEGER` and a Postgres `smallint` are both an [`SqlRow::int`]; a JSON
/// column is `jsonb` on one and text on the other). Reading a NULL through a non-`opt`
/// method, or a value of the wrong type, is [`StoreError::Corrupt`].
pub trait SqlRow: Send + Sync {
    /// A UUID column, or NULL.
    fn opt_uuid(&self, column: &str) -> Result<Option<Uuid>, StoreError>;
    /// A text column, or NULL.
    fn opt_text(&self, column: &str) -> Result<Option<String>, StoreError>;
    /// An integer column of any width, or NULL.
    fn opt_int(&self, column: &str) -> Result<Option<i64>, StoreError>;
    /// A boolean column.
    fn bool(&self, column: &str) -> Result<bool, StoreError>;
    /// A timestamp column, or NULL.
    fn opt_time(&self, column: &str) -> Result<Option<DateTime<Utc>>, StoreError>;
    /// A JSON column, or NULL.
    fn opt_json(&self, column: &str) -> Result<Option<Value>, StoreError>;
    /// A column holding a list of UUIDs (`uuid[]`, or a JSON array of them).
    fn uuids(&self, column: &str) -> Result<Vec<Uuid>, StoreError>;
    /// The learner's progress rows that a learner-path statement carries: by default one
    /// JSON array in `e_progress` (an object per row, with the fields' names), how SQLite
    /// aggregates rows. A dialect whose server builds arrays faster overrides it (Postgres
    /// reads parallel arrays: building JSON was most of its learner context's time).
    fn progress_fields(&self) -> Result<Vec<ProgressFields>, StoreError> {
        crate::progress::progress_from_json(&self.text("e_progress")?)
    }

    /// A UUID column that is never NULL.
    fn uuid(&self, column: &str) -> Result<Uuid, StoreError> {
        self.opt_uuid(column)?.ok_or_else(|| null(column))
    }
    /// A text column that is never NULL.
    fn text(&self, column: &str) -> Result<String, StoreError> {
        self.opt_text(column)?.ok_or_else(|| null(column))
    }
    /// An integer column that is never NULL.
    fn int(&self, column: &str) -> Result<i64, StoreError> {
        self.opt_int(column)?.ok_or_else(|| null(column))
    }
    /// A timestamp column that is never NULL.
    fn time(&self, column: &str) -> Result<DateTime<Utc>, StoreError> {
        self.opt_time(column)?.ok_or_else(|| null(column))
    }
    /// A JSON column that is never NULL.
    fn json(&self, column: &str) -> Result<Value, StoreError> {
        self.opt_json(column)?.ok_or_else(|| null(column))
    }
}

fn null(column: &str) -> StoreError {
    StoreError::Corrupt(format!("column {column}: unexpected NULL"))
}

/// A column read as the id type `T` (`OrgId`, `CourseId`, …).
pub fn id<T: From<Uuid>>(row: &impl SqlRow, column: &str) -> Result<T, StoreError> {
    row.uuid(column).map(T::from)
}

/// A non-negative integer column that fits a `u32` (positions, counts, minutes).
pub fn count(row: &impl SqlRow, column: &str) -> Result<u32, StoreError> {
    let n = row.int(column)?;
    u32::try_from(n).map_err(|_| StoreError::Corrupt(format!("column {column}: {n} out of range")))
}

/// A non-negative integer column such as `count(*)` or a sum of them.
pub fn big_count(row: &impl SqlRow, column: &str) -> Result<u64, StoreError> {
    let n = row.int(column)?;
    u64::try_from(n).map_err(|_| StoreError::Corrupt(format!("column {column}: {n} out of range")))
}

/// A percentage column: 0 to 100.
pub fn percent(row: &impl SqlRow, column: &str) -> Result<u8, StoreError> {
    let n = row.int(column)?;
    u8::try_from(n)
        .ok()
        .filter(|p| *p <= 100)
        .ok_or_else(|| StoreError::Corrupt(format!("column {column}: {n} is not a percentage")))
}

/// A text column holding one of an enum's `as_str` forms.
pub fn parsed<T>(
    row: &impl SqlRow,
    column: &str,
    parse: fn(&str) -> Option<T>,
) -> Result<T, StoreError> {
    let text = row.text(column)?;
    parse(&text).ok_or_else(|| unknown(column, &text))
}

/// Like [`parsed`], for a column that may be NULL.
pub fn opt_parsed<T>(
    row: &impl SqlRow,
    column: &str,
    parse: fn(&str) -> Option<T>,
) -> Result<Option<T>, StoreError> {
    match row.opt_text(column)? {
        None => Ok(None),
        Some(text) => parse(&text).map(Some).ok_or_else(|| unknown(column, &text)),
    }
}

fn unknown(column: &str, text: &str) -> StoreError {
    StoreError::Corrupt(format!("column {column}: unknown value {text:?}"))
}

/// Decodes every row with `decode`.
pub fn all<R: SqlRow, T>(
    rows: &[R],
    decode: impl Fn(&R) -> Result<T, StoreError>,
) -> Result<Vec<T>, StoreError> {
    rows.iter().map(decode).collect()
}

/// Decodes the row, if there is one.
pub fn one<R: SqlRow, T>(
    row: Option<R>,
    decode: impl Fn(&R) -> Result<T, StoreError>,
) -> Result<Option<T>, StoreError> {
    row.as_ref().map(decode).transpose()
}

/// The columns of `row` named `prefix` + a name, read by that name: how one statement's
/// row carries several stored values (`s_id`, `s_status`… for a submission beside a
/// course) for their usual decoders.
pub struct Prefixed<'r, R> {
    row: &'r R,
    prefix: &'static str,
}

impl<'r, R: SqlRow> Prefixed<'r, R> {
    /// `row`'s columns that start with `prefix`.
    pub fn new(row: &'r R, prefix: &'static str) -> Self {
        Self { row, prefix }
    }

    fn name(&self, column: &str) -> String {
        format!("{}{column}", self.prefix)
    }
}

impl<R: SqlRow> SqlRow for Prefixed<'_, R> {
    fn opt_uuid(&self, column: &str) -> Result<Option<Uuid>, StoreError> {
        self.row.opt_uuid(&self.name(column))
    }
    fn opt_text(&self, column: &str) -> Result<Option<String>, StoreError> {
        self.row.opt_text(&self.name(column))
    }
    fn opt_int(&self, column: &str) -> Result<Option<i64>, StoreError> {
        self.row.opt_int(&self.name(column))
    }
    fn bool(&self, column: &str) -> Result<bool, StoreError> {
        self.row.bool(&self.name(column))
    }
    fn opt_time(&self, column: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
        self.row.opt_time(&self.name(column))
    }
    fn opt_json(&self, column: &str) -> Result<Option<Value>, StoreError> {
        self.row.opt_json(&self.name(column))
    }
    fn uuids(&self, column: &str) -> Result<Vec<Uuid>, StoreError> {
        self.row.uuids(&self.name(column))
    }
}
