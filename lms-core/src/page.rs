//! Keyset pagination: `?limit=` and an opaque `?cursor=`.

use crate::error::LmsError;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use uuid::Uuid;

/// Default page size.
pub const DEFAULT_LIMIT: u32 = 50;
/// Largest page size.
pub const MAX_LIMIT: u32 = 200;

/// Which page of a list to return: at most `limit` items after the item `after`.
///
/// Lists are ordered by a time-ordered id, so a cursor stays valid while items are added.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageRequest {
    /// 1..=[`MAX_LIMIT`].
    pub limit: u32,
    /// The sort key of the last item of the previous page.
    pub after: Option<Uuid>,
}

impl Default for PageRequest {
    fn default() -> Self {
        Self {
            limit: DEFAULT_LIMIT,
            after: None,
        }
    }
}

impl PageRequest {
    /// Reads the query parameters: a limit outside 1..=200 is a validation error (422), an
    /// unreadable cursor a malformed request (400).
    ///
    /// ```
    /// use lms_core::PageRequest;
    /// assert_eq!(PageRequest::parse(None, None).unwrap().limit, 50);
    /// assert!(PageRequest::parse(Some(0), None).is_err());
    /// assert!(PageRequest::parse(None, Some("not a cursor")).is_err());
    /// ```
    pub fn parse(limit: Option<i64>, cursor: Option<&str>) -> Result<Self, LmsError> {
        let limit = match limit {
            None => DEFAULT_LIMIT,
            Some(l) if (1..=i64::from(MAX_LIMIT)).contains(&l) => l as u32,
            Some(_) => {
                return Err(LmsError::invalid(
                    "limit",
                    format!("must be 1 to {MAX_LIMIT}"),
                ));
            }
        };
        let after = cursor.map(decode_cursor).transpose()?;
        Ok(Self { limit, after })
    }

    /// The first page of `limit` items.
    pub fn first(limit: u32) -> Self {
        Self {
            limit: limit.clamp(1, MAX_LIMIT),
            after: None,
        }
    }

    /// How many rows a store should fetch: one more than the limit, to know whether
    /// another page follows.
    pub fn fetch_limit(&self) -> u32 {
        self.limit + 1
    }
}

/// One page of a list.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Page<T> {
    /// The items, in list order.
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; `None` on the last page.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Builds a page from up to `request.fetch_limit()` rows, `key` giving each row's sort key.
    pub fn from_rows(mut rows: Vec<T>, request: &PageRequest, key: impl Fn(&T) -> Uuid) -> Self {
        let more = rows.len() > request.limit as usize;
        rows.truncate(request.limit as usize);
        let next_cursor = if more {
            rows.last().map(|r| encode_cursor(key(r)))
        } else {
            None
        };
        Page {
            items: rows,
            next_cursor,
        }
    }

    /// The same page with every item mapped.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next_cursor: self.next_cursor,
        }
    }
}

fn encode_cursor(key: Uuid) -> String {
    URL_SAFE_NO_PAD.encode(key.as_bytes())
}

fn decode_cursor(cursor: &str) -> Result<Uuid, LmsError> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| Uuid::from_slice(&bytes).ok())
        .ok_or_else(|| LmsError::Malformed("cursor is not one this API handed out".into()))
}
