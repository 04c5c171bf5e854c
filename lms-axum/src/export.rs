//! Streamed export bodies: records from the service encoded as CSV (RFC 4180, a header row,
//! spreadsheet formulas defused) or NDJSON, sent in chunks as the rows arrive, so that a
//! response's memory does not grow with its length.

use crate::error::ApiError;
use axum::BoxError;
use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, SecondsFormat, Utc};
use futures_util::future::Either;
use futures_util::{StreamExt, stream};
use lms_core::{CourseExportRow, ExportStream, LmsError, OrgReportRow, ValidationErrors};
use serde::Serialize;
use std::borrow::Cow;
use std::collections::HashMap;

/// How big a chunk grows before it is sent.
const CHUNK_BYTES: usize = 32 * 1024;

/// The formats an export is offered in (`?format=`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    /// `text/csv`, the default.
    Csv,
    /// `application/x-ndjson`: one JSON object a line.
    Ndjson,
}

impl ExportFormat {
    /// `?format=` of the query: absent is CSV; anything but `csv` or `ndjson` is a
    /// validation error naming `format` (422).
    pub fn from_query(query: &HashMap<String, String>) -> Result<Self, ApiError> {
        match query.get("format").map(String::as_str) {
            None | Some("csv") => Ok(Self::Csv),
            Some("ndjson") => Ok(Self::Ndjson),
            Some(_) => {
                let mut errors = ValidationErrors::default();
                errors.add("format", "must be csv or ndjson");
                Err(ApiError(LmsError::Validation(errors)))
            }
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Self::Csv => "text/csv; charset=utf-8",
            Self::Ndjson => "application/x-ndjson",
        }
    }

    fn extension(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Ndjson => "ndjson",
        }
    }
}

/// A record an export can write as a CSV row as well as a JSON line.
pub trait Tabular: Serialize + Send + 'static {
    /// The CSV header row: the JSON object's field names, in order.
    const COLUMNS: &'static [&'static str];
    /// The row's cells, in [`Tabular::COLUMNS`] order, as plain text.
    fn cells(&self) -> Vec<Cow<'_, str>>;
}

/// A `200` whose body streams `rows` in `format`, offered as the download `<stem>.<ext>`
/// (the stem is built from slugs, which need no quoting).
pub fn streamed<T: Tabular>(rows: ExportStream<T>, format: ExportFormat, stem: &str) -> Response {
    let file = format!("{stem}.{}", format.extension());
    download(encode_export(rows, format), format.content_type(), &file)
}

/// A `200` whose body streams `records` as NDJSON, offered as the download `<stem>.ndjson`:
/// for records that have no CSV form (an org's export).
pub fn streamed_ndjson<T: Serialize + Send + 'static>(
    records: ExportStream<T>,
    stem: &str,
) -> Response {
    let file = format!("{stem}.ndjson");
    download(
        encode_ndjson(records),
        ExportFormat::Ndjson.content_type(),
        &file,
    )
}

fn download(
    chunks: impl futures_util::Stream<Item = Result<Bytes, BoxError>> + Send + 'static,
    content_type: &'static str,
    file: &str,
) -> Response {
    let disposition = format!("attachment; filename=\"{file}\"");
    let mut response = Body::from_stream(chunks).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `records` as NDJSON lines in chunks of about 32 KiB, as they arrive; a failure after the
/// first byte ends the stream with an error, as [`encode_export`]'s does.
pub fn encode_ndjson<T: Serialize + Send + 'static>(
    records: ExportStream<T>,
) -> impl futures_util::Stream<Item = Result<Bytes, BoxError>> + Send {
    stream::unfold(Some(records), |records| async move {
        let mut records = records?;
        let mut lines = Vec::with_capacity(CHUNK_BYTES + 4 * 1024);
        loop {
            match records.next().await {
                Some(Ok(record)) => {
                    if let Err(error) = serde_json::to_writer(&mut lines, &record) {
                        return Some((Err(encoding_failed(error)), None));
                    }
                    lines.push(b'\n');
                    if lines.len() >= CHUNK_BYTES {
                        return Some((Ok(Bytes::from(lines)), Some(records)));
                    }
                }
                Some(Err(error)) => {
                    tracing::error!(%error, "an export failed after it started; the response is cut short");
                    return Some((Err(Box::new(error) as BoxError), None));
                }
                None if lines.is_empty() => return None,
                None => return Some((Ok(Bytes::from(lines)), None)),
            }
        }
    })
}

/// What a CSV body stream carries between chunks.
struct CsvEncoder<T> {
    rows: ExportStream<T>,
    /// Encodes CSV records into its `Vec`, taken (with a fresh writer) as a chunk.
    csv: csv::Writer<Vec<u8>>,
    started: bool,
    finished: bool,
}

fn csv_writer() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF) // RFC 4180
        .from_writer(Vec::with_capacity(CHUNK_BYTES + 8 * 1024))
}

impl<T: Tabular> CsvEncoder<T> {
    fn new(rows: ExportStream<T>) -> Self {
        Self {
            rows,
            csv: csv_writer(),
            started: false,
            finished: false,
        }
    }

    /// Encodes one record, its formulas defused.
    fn push(&mut self, row: &T) -> Result<(), BoxError> {
        let cells = row.cells();
        let defused: Vec<Cow<'_, str>> = cells.iter().map(|cell| defuse(cell)).collect();
        let record = defused.iter().map(|cell| cell.as_bytes());
        self.csv.write_record(record).map_err(encoding_failed)
    }

    /// What is encoded so far as a chunk, once at least `at_least` bytes are (0: all of
    /// it, at the end). The writer's own buffer (8 KiB) is not counted until it spills
    /// into the `Vec`.
    fn take(&mut self, at_least: usize) -> Result<Option<Bytes>, BoxError> {
        if self.csv.get_ref().len() < at_least {
            return Ok(None);
        }
        let full = std::mem::replace(&mut self.csv, csv_writer());
        let encoded = full.into_inner().map_err(encoding_failed)?;
        Ok((!encoded.is_empty()).then(|| Bytes::from(encoded)))
    }

    /// The next chunk: records until about [`CHUNK_BYTES`] are encoded, or the rest.
    async fn next_chunk(&mut self) -> Result<Option<Bytes>, BoxError> {
        if !self.started {
            self.csv.write_record(T::COLUMNS).map_err(encoding_failed)?;
        }
        self.started = true;
        while let Some(row) = self.rows.next().await {
            self.push(&row.map_err(Box::new)?)?;
            if let Some(chunk) = self.take(CHUNK_BYTES)? {
                return Ok(Some(chunk));
            }
        }
        self.finished = true;
        self.take(0)
    }
}

fn encoding_failed(error: impl std::fmt::Display) -> BoxError {
    std::io::Error::other(format!("encoding an export failed: {error}")).into()
}

/// An export's rows encoded in `format`, in chunks of about 32 KiB, as the rows arrive:
/// what the export routes send, for a host that serves or stores exports its own way.
///
/// As a response body, a store error after the first byte cannot become a problem+json
/// any more: it ends the stream with an error, which the server answers by cutting the
/// connection short, so a client never mistakes a partial export for a whole one.
///
/// ```no_run
/// # async fn demo(lms: lms_core::Lms, admin: lms_core::Actor) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
/// use futures_util::TryStreamExt;
/// use lms_axum::{ExportFormat, encode_export};
///
/// let export = lms.export_org_report(&admin, "acme").await?;
/// let mut chunks = std::pin::pin!(encode_export(export.into_rows(), ExportFormat::Csv));
/// let mut csv = Vec::new();
/// while let Some(chunk) = chunks.try_next().await? {
///     csv.extend_from_slice(&chunk);
/// }
/// # Ok(()) }
/// ```
pub fn encode_export<T: Tabular>(
    rows: ExportStream<T>,
    format: ExportFormat,
) -> impl futures_util::Stream<Item = Result<Bytes, BoxError>> + Send {
    if format == ExportFormat::Ndjson {
        return Either::Left(encode_ndjson(rows));
    }
    Either::Right(stream::unfold(
        CsvEncoder::new(rows),
        |mut enc| async move {
            if enc.finished {
                return None;
            }
            match enc.next_chunk().await {
                Ok(Some(chunk)) => Some((Ok(chunk), enc)),
                Ok(None) => None,
                Err(error) => {
                    tracing::error!(%error, "an export failed after it started; the response is cut short");
                    enc.finished = true;
                    Some((Err(error), enc))
                }
            }
        },
    ))
}

/// A cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR first) gets
/// a leading `'`, which spreadsheets show as text (OWASP's CSV injection advice).
fn defuse(cell: &str) -> Cow<'_, str> {
    match cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        true => Cow::Owned(format!("'{cell}")),
        false => Cow::Borrowed(cell),
    }
}

fn time(t: DateTime<Utc>) -> Cow<'static, str> {
    // As in the JSON bodies.
    Cow::Owned(t.to_rfc3339_opts(SecondsFormat::AutoSi, true))
}

fn maybe_time(t: Option<DateTime<Utc>>) -> Cow<'static, str> {
    t.map_or(Cow::Borrowed(""), time)
}

impl Tabular for CourseExportRow {
    const COLUMNS: &'static [&'static str] = &[
        "user_id",
        "name",
        "email",
        "status",
        "enrolled_at",
        "percent",
        "completed_lessons",
        "total_lessons",
        "completed_at",
        "last_activity_at",
    ];

    fn cells(&self) -> Vec<Cow<'_, str>> {
        vec![
            Cow::Owned(self.user_id.to_string()),
            Cow::Borrowed(&self.name),
            Cow::Borrowed(&self.email),
            Cow::Borrowed(self.status.as_str()),
            time(self.enrolled_at),
            Cow::Owned(self.percent.to_string()),
            Cow::Owned(self.completed_lessons.to_string()),
            Cow::Owned(self.total_lessons.to_string()),
            maybe_time(self.completed_at),
            maybe_time(self.last_activity_at),
        ]
    }
}

impl Tabular for OrgReportRow {
    const COLUMNS: &'static [&'static str] = &[
        "course_id",
        "slug",
        "title",
        "status",
        "enrolled",
        "completed",
        "average_percent",
    ];

    fn cells(&self) -> Vec<Cow<'_, str>> {
        vec![
            Cow::Owned(self.course_id.to_string()),
            Cow::Borrowed(&self.slug),
            Cow::Borrowed(&self.title),
            Cow::Borrowed(self.status.as_str()),
            Cow::Owned(self.enrolled.to_string()),
            Cow::Owned(self.completed.to_string()),
            Cow::Owned(self.average_percent.to_string()),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Cells(Vec<&'static str>);

    impl Serialize for Cells {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            self.0.serialize(s)
        }
    }

    impl Tabular for Cells {
        const COLUMNS: &'static [&'static str] = &["a", "b"];
        fn cells(&self) -> Vec<Cow<'_, str>> {
            self.0.iter().map(|c| Cow::Borrowed(*c)).collect()
        }
    }

    async fn body(format: ExportFormat, rows: Vec<Vec<&'static str>>) -> String {
        let rows: ExportStream<Cells> =
            Box::pin(stream::iter(rows.into_iter().map(|r| Ok(Cells(r)))));
        let chunks = encode_export(rows, format).collect::<Vec<_>>().await;
        let bytes: Vec<u8> = chunks
            .into_iter()
            .flat_map(|c| c.unwrap().to_vec())
            .collect();
        String::from_utf8(bytes).unwrap()
    }

    #[tokio::test]
    async fn csv_has_a_header_crlf_rfc_4180_quoting_and_defused_formulas() {
        let csv = body(
            ExportFormat::Csv,
            vec![
                vec!["=1+1", "+x"],
                vec!["-y", "@z"],
                vec!["\tx", "\rx"],
                vec!["a,b", "say \"hi\""],
                vec!["=HYPERLINK(\"x\",\"y\")", "two\nlines"],
                vec!["", "plain 1-2"],
            ],
        )
        .await;
        assert_eq!(
            csv,
            "a,b\r\n'=1+1,'+x\r\n'-y,'@z\r\n'\tx,\"'\rx\"\r\n\"a,b\",\"say \"\"hi\"\"\"\r\n\
             \"'=HYPERLINK(\"\"x\"\",\"\"y\"\")\",\"two\nlines\"\r\n,plain 1-2\r\n"
        );
    }

    #[tokio::test]
    async fn ndjson_carries_values_as_they_are() {
        let lines = body(
            ExportFormat::Ndjson,
            vec![vec!["=1+1", "x"], vec!["a", "b"]],
        )
        .await;
        assert_eq!(lines, "[\"=1+1\",\"x\"]\n[\"a\",\"b\"]\n");
    }

    #[tokio::test]
    async fn an_empty_export_is_the_header_alone() {
        assert_eq!(body(ExportFormat::Csv, vec![]).await, "a,b\r\n");
        assert_eq!(body(ExportFormat::Ndjson, vec![]).await, "");
    }

    #[tokio::test]
    async fn large_exports_come_in_chunks() {
        let rows: ExportStream<Cells> = Box::pin(stream::iter(
            (0..10_000).map(|_| Ok(Cells(vec!["some learner", "learner@example.com"]))),
        ));
        let chunks = encode_export(rows, ExportFormat::Csv)
            .collect::<Vec<_>>()
            .await;
        assert!(chunks.len() > 5, "{} chunks", chunks.len());
        let sizes: Vec<usize> = chunks.iter().map(|c| c.as_ref().unwrap().len()).collect();
        assert!(
            sizes.iter().all(|&n| n <= CHUNK_BYTES + 8 * 1024),
            "{sizes:?}"
        );
        assert_eq!(
            sizes.iter().sum::<usize>(),
            "a,b\r\n".len() + 10_000 * "some learner,learner@example.com\r\n".len()
        );
    }
}
