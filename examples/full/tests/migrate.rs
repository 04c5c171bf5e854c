//! The demo data moves SQLite → Postgres → SQLite through the `migrate` example's code
//! (`lms_examples::migrate`; the binary only parses its arguments around it), with an
//! upload's bytes and the demo accounts' passwords, and answers as it did.

use bytes::Bytes;
use futures_util::TryStreamExt;
use indicatif::ProgressBar;
use lms::sqlite::SqliteStore;
use lms::{Actor, LessonStatus, Lms, ProgressUpdate, Sha256Digest, StoredFile};
use lms_axum::{AuthConfig, BuiltInAuth};
use lms_examples::assembly::{ACCOUNTS, DEMO_VIDEO_BYTES, assemble};
use lms_examples::demo::{FREE_COURSE, ORG};
use lms_examples::migrate::{MediaStores, MigrateError, MovedOrg, move_org, orgs_to_move};
use lms_examples::settings::Settings;
use lms_media::{ByteStream, LocalMediaStore, MediaError, MediaStore};
use lms_postgres::testing::{Mode, TestDatabase};
use sha2::{Digest, Sha256};
use std::ops::Range;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

const VIDEO: &[u8] = b"not really a video, but bytes all the same";

async fn sqlite(path: &Path) -> Lms {
    let url = format!("sqlite://{}", path.display());
    Lms::new(SqliteStore::connect(&url).await.expect("a SQLite file"))
}

async fn signed_in(lms: &Lms, account: usize) -> Actor {
    let auth = BuiltInAuth::new(lms.clone(), AuthConfig::default());
    let (email, password, _, _) = ACCOUNTS[account];
    let signed_in = auth.sign_in(email, password, None).await;
    let signed_in = signed_in.unwrap_or_else(|e| panic!("{email} signs in: {e:?}"));
    Actor::User(signed_in.user.id)
}

/// The demo, seeded as the example server seeds it, with the learner's first lesson done
/// and two videos uploaded to the free course (the first one's key returned).
async fn demo(dir: &Path) -> (Lms, LocalMediaStore, lms::MediaKey) {
    let url = format!("sqlite://{}", dir.join("demo.db").display());
    let settings = Settings::local(&url, "https://lms.example.test", dir);
    let lms = assemble(sqlite(&dir.join("demo.db")).await, &settings)
        .await
        .expect("the demo")
        .lms;
    let (instructor, learner) = (signed_in(&lms, 1).await, signed_in(&lms, 2).await);
    lms.enroll(&learner, FREE_COURSE).await.unwrap();
    let first = lms.course(&learner, FREE_COURSE).await.unwrap().modules[0].lessons[0].id;
    let done = ProgressUpdate {
        status: Some(LessonStatus::Completed),
        percent: None,
        position_seconds: None,
    };
    lms.record_progress(&learner, FREE_COURSE, first, done)
        .await
        .unwrap();
    let media = LocalMediaStore::new(&settings.media_dir);
    let mut keys = Vec::new();
    for _ in 0..2 {
        let permit = lms.new_upload(&instructor, FREE_COURSE, "video/mp4").await;
        let key = permit.unwrap().expect("mp4 is accepted").key;
        let body = futures_util::stream::iter([Ok(Bytes::from_static(VIDEO))]);
        media.put(&key, Box::pin(body)).await.unwrap();
        let stored = StoredFile {
            size: VIDEO.len() as u64,
            sha256: Some(Sha256Digest::from_bytes(Sha256::digest(VIDEO).into())),
        };
        lms.record_upload(&instructor, FREE_COURSE, &key, stored)
            .await
            .unwrap();
        keys.push(key);
    }
    (lms, media, keys.swap_remove(0))
}

async fn moved(from: &Lms, to: &Lms, media: MediaStores<'_>) -> MovedOrg {
    let orgs = orgs_to_move(from, to, &[]).await.unwrap();
    assert_eq!(orgs, [ORG]);
    let bar = ProgressBar::hidden();
    move_org(from, to, ORG, Some(media), &bar).await.unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_moves_to_postgres_and_back_with_its_upload_and_passwords() {
    let dir = tempfile::tempdir().unwrap();
    let (source, source_media, key) = demo(dir.path()).await;
    let postgres = TestDatabase::create(Mode::RowLevelSecurity).await;
    let middle = Lms::new(postgres.store.clone());
    let middle_media = LocalMediaStore::new(dir.path().join("media-postgres"));
    let back = sqlite(&dir.path().join("back.db")).await;
    let back_media = LocalMediaStore::new(dir.path().join("media-back"));

    let there = MediaStores {
        from: &source_media,
        to: &middle_media,
    };
    let first = moved(&source, &middle, there).await;
    let again = MediaStores {
        from: &middle_media,
        to: &back_media,
    };
    let second = moved(&middle, &back, again).await;
    for leg in [&first, &second] {
        assert_eq!(leg.passwords, ACCOUNTS.len(), "every demo password");
        // The demo's own video, and the two uploaded here.
        let bytes = DEMO_VIDEO_BYTES + 2 * VIDEO.len() as u64;
        assert_eq!(leg.media_copied, (3, bytes));
        assert!(leg.media_missing.is_empty(), "{:?}", leg.media_missing);
        assert_eq!(leg.courses_checked, 3, "the demo's three courses");
    }
    assert_eq!(first.moved, second.moved, "the same records each way");
    let kinds: Vec<&str> = first.moved.kinds().map(|(kind, _)| kind).collect();
    for kind in [
        "user",
        "course",
        "lesson",
        "media",
        "enrollment",
        "progress",
        "post",
    ] {
        assert!(kinds.contains(&kind), "{kind} moved: {kinds:?}");
    }

    // Everyone signs in with the password they had, and sees what they saw.
    let learner = signed_in(&back, 2).await;
    for account in 0..ACCOUNTS.len() {
        signed_in(&back, account).await;
    }
    let before = source.course_progress(&learner, FREE_COURSE).await.unwrap();
    let after = back.course_progress(&learner, FREE_COURSE).await.unwrap();
    assert_eq!(after, before);
    assert_eq!(after.completed_lessons, 1);
    let video = back_media.read(&key, 0..VIDEO.len() as u64).await.unwrap();
    let bytes: Vec<Bytes> = video.try_collect().await.unwrap();
    assert_eq!(bytes.concat(), VIDEO, "the upload's bytes arrived");

    // The org is in both now: moving it again is refused before anything is written.
    let refused = orgs_to_move(&source, &back, &[]).await.unwrap_err();
    assert!(
        refused.to_string().contains("already holds demo"),
        "{refused}"
    );
    let unknown = orgs_to_move(&source, &back, &["nowhere".into()]).await;
    let unknown = unknown.unwrap_err().to_string();
    assert!(
        unknown.contains("no org 'nowhere' (it holds: demo)"),
        "{unknown}"
    );
}

/// A media store that takes one upload, then fails: the disk filled up, say.
struct FillsUp {
    inner: LocalMediaStore,
    taken: AtomicBool,
}

#[async_trait::async_trait]
impl MediaStore for FillsUp {
    async fn put(&self, key: &lms::MediaKey, body: ByteStream) -> Result<u64, MediaError> {
        if self.taken.swap(true, Ordering::SeqCst) {
            return Err(MediaError::backend(std::io::Error::other("no space left")));
        }
        self.inner.put(key, body).await
    }
    async fn size(&self, key: &lms::MediaKey) -> Result<u64, MediaError> {
        self.inner.size(key).await
    }
    async fn read(&self, key: &lms::MediaKey, range: Range<u64>) -> Result<ByteStream, MediaError> {
        self.inner.read(key, range).await
    }
    async fn delete(&self, key: &lms::MediaKey) -> Result<(), MediaError> {
        self.inner.delete(key).await
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_org_that_fails_to_move_leaves_nothing_in_the_target() {
    let dir = tempfile::tempdir().unwrap();
    let (source, source_media, first) = demo(dir.path()).await;
    let target = sqlite(&dir.path().join("target.db")).await;
    let target_media = FillsUp {
        inner: LocalMediaStore::new(dir.path().join("media-target")),
        taken: AtomicBool::new(false),
    };
    let media = MediaStores {
        from: &source_media,
        to: &target_media,
    };
    let failed = move_org(&source, &target, ORG, Some(media), &ProgressBar::hidden()).await;
    let error = failed.unwrap_err();
    assert!(matches!(error, MigrateError::NotMoved { .. }), "{error:?}");
    let said = error.to_string();
    assert!(
        said.contains("no space left") && said.contains("holds nothing of it"),
        "{said}"
    );
    assert!(target.all_orgs().await.unwrap().is_empty(), "no org");
    let admin = signed_in(&source, 0).await.user_id().unwrap();
    let hashes = target.password_credentials(&[admin]).await.unwrap();
    assert!(hashes.is_empty(), "no password: {hashes:?}");
    // The one upload the store took before it filled up was removed again.
    let left = files_under(&dir.path().join("media-target"));
    assert!(left.is_empty(), "no copied file left: {left:?}");
    let copied = target_media.inner.size(&first).await;
    assert!(matches!(copied, Err(MediaError::NotFound)), "{copied:?}");
    // Nothing stands in the way of moving it again.
    let orgs = orgs_to_move(&source, &target, &[]).await.unwrap();
    assert_eq!(orgs, [ORG]);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_upload_whose_bytes_do_not_match_its_digest_stops_the_move() {
    let dir = tempfile::tempdir().unwrap();
    let (source, source_media, first) = demo(dir.path()).await;
    // The same length, other bytes: damage its size cannot show.
    let damaged = vec![b'x'; VIDEO.len()];
    let body = futures_util::stream::iter([Ok(Bytes::from(damaged))]);
    source_media.put(&first, Box::pin(body)).await.unwrap();
    let target = sqlite(&dir.path().join("target.db")).await;
    let target_media = LocalMediaStore::new(dir.path().join("media-target"));
    let media = MediaStores {
        from: &source_media,
        to: &target_media,
    };
    let failed = move_org(&source, &target, ORG, Some(media), &ProgressBar::hidden()).await;
    let said = failed.unwrap_err().to_string();
    assert!(said.contains("the source's copy is damaged"), "{said}");
    assert!(target.all_orgs().await.unwrap().is_empty(), "no org");
    let copied = target_media.size(&first).await;
    assert!(
        matches!(copied, Err(MediaError::NotFound)),
        "not kept: {copied:?}"
    );
}

/// Every file below `dir`, at any depth (none when it does not exist).
fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files = Vec::new();
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(files_under(&path));
        } else {
            files.push(path);
        }
    }
    files
}
