//! A statement and its arguments, independent of the database that will run it.

use chrono::{DateTime, Utc};
use serde_json::Value;
use std::borrow::Cow;
use uuid::Uuid;

/// One bound argument. Each store binds these as its driver's types: a UUID is a `uuid`
/// on Postgres and a 16-byte blob on SQLite, JSON is `jsonb` or text, integers are
/// 64-bit (Postgres casts them to the column's width on assignment).
#[derive(Clone, Debug, PartialEq)]
pub enum Arg<'a> {
    /// A UUID, or NULL.
    Uuid(Option<Uuid>),
    /// Text, or NULL.
    Text(Option<&'a str>),
    /// An integer, or NULL.
    Int(Option<i64>),
    /// A boolean.
    Bool(bool),
    /// A point in time, or NULL.
    Time(Option<DateTime<Utc>>),
    /// A JSON document, or NULL.
    Json(Option<Cow<'a, Value>>),
}

/// The marker of a column only dialects with tenant columns have.
const TENANT_COLUMN: &str = "{org_id, }";

/// The highest `$N` in `sql` (0 when it has none): every statement binds exactly that many
/// arguments (SQLite would silently bind NULL for a missing one).
fn highest_placeholder(sql: &str) -> usize {
    sql.split('$')
        .skip(1)
        .filter_map(|rest| {
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            rest[..digits].parse().ok()
        })
        .max()
        .unwrap_or(0)
}

/// A statement written once for every dialect, with its arguments.
///
/// Placeholders are `$1`, `$2`, … (both sqlx drivers accept them; a number used twice is
/// one argument). `{org_id, }` marks a column that only dialects with
/// [`crate::Connection::TENANT_COLUMNS`] have (Postgres keeps the org on every row for
/// row-level security): they keep `org_id, `, the others drop it.
///
/// ```
/// use lms_sql::{Arg, Query};
///
/// let q = Query::new("INSERT INTO t (id, {org_id, }title) SELECT $1, {org_id, }$2 FROM c")
///     .bind(uuid::Uuid::nil())
///     .bind("Intro");
/// assert_eq!(q.sql(false), "INSERT INTO t (id, title) SELECT $1, $2 FROM c");
/// assert_eq!(q.sql(true), "INSERT INTO t (id, org_id, title) SELECT $1, org_id, $2 FROM c");
/// assert_eq!(q.args()[1], Arg::Text(Some("Intro")));
/// ```
#[derive(Clone, Debug)]
pub struct Query<'a> {
    template: &'static str,
    args: Vec<Arg<'a>>,
}

impl<'a> Query<'a> {
    /// A statement without arguments yet.
    pub fn new(template: &'static str) -> Self {
        Self {
            template,
            args: Vec::with_capacity(8),
        }
    }

    /// Binds the next argument.
    #[must_use]
    pub fn bind(mut self, arg: impl Into<Arg<'a>>) -> Self {
        self.args.push(arg.into());
        self
    }

    /// The statement as a dialect with or without tenant columns runs it.
    pub fn sql(&self, tenant_columns: bool) -> Cow<'static, str> {
        debug_assert_eq!(
            highest_placeholder(self.template),
            self.args.len(),
            "placeholders and bound arguments differ in {:?}",
            self.template
        );
        if !self.template.contains(TENANT_COLUMN) {
            return Cow::Borrowed(self.template);
        }
        let kept = if tenant_columns { "org_id, " } else { "" };
        Cow::Owned(self.template.replace(TENANT_COLUMN, kept))
    }

    /// The arguments, in placeholder order.
    pub fn args(&self) -> &[Arg<'a>] {
        &self.args
    }

    /// Takes the arguments out, for binding.
    pub fn into_args(self) -> Vec<Arg<'a>> {
        self.args
    }
}

macro_rules! arg_from {
    ($variant:ident: $($ty:ty => $convert:expr),+ $(,)?) => {$(
        impl<'a> From<$ty> for Arg<'a> {
            fn from(value: $ty) -> Self {
                #[allow(clippy::redundant_closure_call)]
                Arg::$variant(($convert)(value))
            }
        }
    )+};
}

arg_from!(Uuid: Uuid => Some, Option<Uuid> => |v| v);
arg_from!(Text: &'a str => Some, &'a String => |v: &'a String| Some(v.as_str()), Option<&'a str> => |v| v);
arg_from!(
    Int: i64 => Some,
    i32 => |v| Some(i64::from(v)),
    u32 => |v| Some(i64::from(v)),
    u8 => |v| Some(i64::from(v)),
    Option<i64> => |v| v,
    Option<u32> => |v: Option<u32>| v.map(i64::from),
);
arg_from!(Bool: bool => |v| v);
arg_from!(Time: DateTime<Utc> => Some, Option<DateTime<Utc>> => |v| v);
arg_from!(
    Json: &'a Value => |v| Some(Cow::Borrowed(v)),
    Value => |v| Some(Cow::Owned(v)),
    Option<Value> => |v: Option<Value>| v.map(Cow::Owned),
);
