//! Moving orgs from one store to another, as the `migrate` example does. Each org's export
//! is read straight into the target's import, in one transaction there that also writes the
//! built-in sign-in's password hashes of the users it adds (store to store: an export file
//! never carries them), so the org arrives whole or not at all; its uploads' bytes are
//! copied between the media stores as their records pass, and removed again if the import
//! fails. Then the target is checked: every course's rollups recounted from its progress
//! rows, the org exported again and counted kind by kind against what left the source, and
//! every user's password hash compared.

pub mod cli;
mod error;
mod tally;

pub use error::MigrateError;
pub use tally::Tally;

use futures_util::{StreamExt, TryStreamExt};
use indicatif::ProgressBar;
use lms::portability::Record;
use lms::{CourseId, CourseRef, Lms, LmsError, MediaKey, PasswordCredential, UserId};
use lms_media::{MediaError, MediaStore};
use std::collections::HashMap;
use std::io;
use std::sync::Mutex;
use std::time::Instant;

/// The media stores whose bytes move with the orgs' upload records (two different places:
/// copying a store onto itself would overwrite each file as it is read).
#[derive(Clone, Copy)]
pub struct MediaStores<'a> {
    /// Where the uploads are now.
    pub from: &'a dyn MediaStore,
    /// Where they go.
    pub to: &'a dyn MediaStore,
}

/// One org moved, and checked on the target.
#[derive(Clone, Debug)]
pub struct MovedOrg {
    /// The org's slug.
    pub slug: String,
    /// The records that moved, by kind; the target held as many of each afterwards.
    pub moved: Tally,
    /// Users whose password hash moved with them.
    pub passwords: usize,
    /// Uploads whose bytes were copied, and how many bytes.
    pub media_copied: (u64, u64),
    /// Uploads with a record but no bytes in the source's media store (moved as records,
    /// as the source had them).
    pub media_missing: Vec<String>,
    /// Courses whose rollups were recounted on the target from its progress rows.
    pub courses_checked: usize,
    /// Seconds spent moving, then checking.
    pub seconds: (f64, f64),
}

/// What passes on the way from the source to the target, beside the records themselves.
#[derive(Default)]
struct Seen {
    tally: Tally,
    users: Vec<UserId>,
    courses: Vec<CourseId>,
    media_copied: Vec<MediaKey>,
    media_bytes: u64,
    media_missing: Vec<String>,
}

/// The orgs to move: those named (each once), or every org of `from`; refused before
/// anything moves when one is not in `from` or is in `to` already.
pub async fn orgs_to_move(
    from: &Lms,
    to: &Lms,
    named: &[String],
) -> Result<Vec<String>, MigrateError> {
    let held: Vec<String> = from.all_orgs().await?.into_iter().map(|o| o.slug).collect();
    let mut orgs = Vec::new();
    for slug in named {
        if !orgs.contains(slug) {
            orgs.push(slug.clone());
        }
    }
    if orgs.is_empty() {
        orgs = held.clone();
    }
    if let Some(missing) = orgs.iter().find(|slug| !held.contains(slug)) {
        return Err(MigrateError::NotInSource {
            slug: missing.clone(),
            held,
        });
    }
    let taken: Vec<String> = to.all_orgs().await?.into_iter().map(|o| o.slug).collect();
    let clashing: Vec<String> = orgs.iter().filter(|s| taken.contains(s)).cloned().collect();
    if !clashing.is_empty() {
        return Err(MigrateError::AlreadyInTarget(clashing));
    }
    Ok(orgs)
}

/// Moves the org `slug` from `from` to `to` (which must not hold it), then checks it
/// there; `bar` counts the records as they pass.
pub async fn move_org(
    from: &Lms,
    to: &Lms,
    slug: &str,
    media: Option<MediaStores<'_>>,
    bar: &ProgressBar,
) -> Result<MovedOrg, MigrateError> {
    let started = Instant::now();
    bar.set_message(format!("{slug}: moving"));
    let seen = Mutex::new(Seen::default());
    let records = from.export_org_as_operator(slug).await?.into_records();
    let lines = records.then(|record| pass(record, media, &seen, bar));
    let imported = to.import_org_with_passwords_from(lines, from).await;
    let seen = seen.into_inner().unwrap_or_else(|p| p.into_inner());
    let imported = match imported {
        Ok(imported) => imported,
        Err(error) => {
            let left = remove_copies(&seen.media_copied, media).await;
            return Err(MigrateError::NotMoved {
                slug: slug.into(),
                error,
                uploads_left: left,
            });
        }
    };
    let moved = started.elapsed().as_secs_f64();

    bar.set_message(format!("{slug}: checking"));
    let checked = Instant::now();
    check(from, to, slug, &seen).await?;
    Ok(MovedOrg {
        slug: slug.into(),
        moved: seen.tally,
        passwords: imported.passwords,
        media_copied: (seen.media_copied.len() as u64, seen.media_bytes),
        media_missing: seen.media_missing,
        courses_checked: seen.courses.len(),
        seconds: (moved, checked.elapsed().as_secs_f64()),
    })
}

/// One record on its way: its upload's bytes copied, noted, written as a line of the
/// export format. A failure ends the import, which then writes nothing.
async fn pass(
    record: Result<Record, LmsError>,
    media: Option<MediaStores<'_>>,
    seen: &Mutex<Seen>,
    bar: &ProgressBar,
) -> io::Result<String> {
    let record = record.map_err(|e| io::Error::other(format!("the source failed: {e}")))?;
    let copied = match (&record, media) {
        (Record::Media(upload), Some(media)) => {
            let sha256 = upload.sha256.as_deref();
            Some(copy_upload(&upload.key, upload.size, sha256, media).await)
        }
        _ => None,
    };
    let mut seen = seen.lock().unwrap_or_else(|p| p.into_inner());
    match (&record, copied) {
        (Record::Media(upload), Some(Ok(Some(key)))) => {
            seen.media_copied.push(key);
            seen.media_bytes += upload.size;
        }
        (Record::Media(upload), Some(Ok(None))) => seen.media_missing.push(upload.key.clone()),
        (_, Some(Err(error))) => return Err(error),
        (Record::User(user), _) => seen.users.push(user.id),
        (Record::Course(course), _) => seen.courses.push(course.id),
        _ => {}
    }
    seen.tally.count(&record);
    bar.inc(1);
    serde_json::to_string(&record).map_err(io::Error::other)
}

/// Copies the upload `key` of `size` bytes, checking them against `sha256` when its record
/// has a digest; `None` when the source has no bytes for it.
async fn copy_upload(
    key: &str,
    size: u64,
    sha256: Option<&str>,
    media: MediaStores<'_>,
) -> io::Result<Option<MediaKey>> {
    let failed =
        |doing: &str, e: MediaError| io::Error::other(format!("{doing} upload {key}: {e}"));
    let parsed = MediaKey::parse(key)
        .ok_or_else(|| io::Error::other(format!("{key:?} is not an upload key")))?;
    match media.from.size(&parsed).await {
        Ok(held) if held == size => {}
        Ok(held) => {
            let reason =
                format!("upload {key}: its record says {size} bytes, the source's file has {held}");
            return Err(io::Error::other(reason));
        }
        Err(MediaError::NotFound) => return Ok(None),
        Err(e) => return Err(failed("reading", e)),
    }
    let body = media
        .from
        .read(&parsed, 0..size)
        .await
        .map_err(|e| failed("reading", e))?;
    let (body, digest) = lms_media::hashing(body);
    let written = media
        .to
        .put(&parsed, body)
        .await
        .map_err(|e| failed("writing", e))?;
    let damaged = |reason: String| {
        // Not left where the import's record would vouch for it.
        io::Error::other(format!("upload {key}: {reason}"))
    };
    if written != size {
        let _ = media.to.delete(&parsed).await;
        return Err(damaged(format!("{size} bytes read, {written} written")));
    }
    let read = digest.finish();
    if sha256.is_some_and(|recorded| recorded != read.as_str()) {
        let _ = media.to.delete(&parsed).await;
        return Err(damaged(format!(
            "its bytes hash to {read}, its record says {}: the source's copy is damaged",
            sha256.unwrap_or_default()
        )));
    }
    Ok(Some(parsed))
}

/// Deletes the uploads copied for an import that failed; the keys it could not delete.
async fn remove_copies(copied: &[MediaKey], media: Option<MediaStores<'_>>) -> Vec<String> {
    let mut left = Vec::new();
    if let Some(media) = media {
        for key in copied {
            if media.to.delete(key).await.is_err() {
                left.push(key.to_string());
            }
        }
    }
    left
}

/// The target's own answers: each course's rollups recounted from its progress rows, the
/// org's records counted kind by kind, every user's password hash as the source has it.
async fn check(from: &Lms, to: &Lms, slug: &str, seen: &Seen) -> Result<(), MigrateError> {
    let unverified = |what: String| MigrateError::Unverified {
        slug: slug.into(),
        what,
    };
    let mut differences = 0;
    for course in &seen.courses {
        let id = course.to_string();
        let course = CourseRef {
            org: slug,
            course: &id,
        };
        differences += to.check_rollups(course).await?.mismatches.len();
    }
    if differences > 0 {
        return Err(unverified(format!(
            "{differences} rollups differ from the progress rows"
        )));
    }
    let mut held = Tally::default();
    let mut records = to.export_org_as_operator(slug).await?.into_records();
    while let Some(record) = records.try_next().await? {
        held.count(&record);
    }
    let differing = seen.tally.differences(&held);
    if !differing.is_empty() {
        let each: Vec<String> = differing
            .iter()
            .map(|(kind, source, target)| {
                format!("{kind}: {source} left the source, the target holds {target}")
            })
            .collect();
        return Err(unverified(each.join("; ")));
    }
    let sources = from.password_credentials(&seen.users).await?;
    let targets = to.password_credentials(&seen.users).await?;
    if sources != targets {
        let hashes = |all: &[PasswordCredential]| -> HashMap<UserId, String> {
            all.iter()
                .map(|c| (c.user_id, c.password_hash.clone()))
                .collect()
        };
        let (sources, targets) = (hashes(&sources), hashes(&targets));
        let differ = seen
            .users
            .iter()
            .filter(|u| sources.get(u) != targets.get(u))
            .count();
        return Err(unverified(format!(
            "the password hashes of {differ} users differ between the stores"
        )));
    }
    Ok(())
}
