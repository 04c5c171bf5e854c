//! The example server's assembly: its LMS settings, the demo data on first start, mail,
//! media, and the router — the API at `/api/v1` and the pages its links open. The server
//! (`examples/full/server.rs`) serves what [`assemble`] returns; the tests replay attacks
//! against the same router.

use crate::demo::{self, FREE_COURSE, ORG};
use crate::mail;
use crate::settings::Settings;
use axum::Router;
use lms::{Actor, Lms, LmsError, NewOrg, NewUser, Role};
use lms_axum::jwt::JwtAuth;
use lms_axum::{ApiConfig, AuthConfig, BuiltInAuth, LmsRouter, MediaConfig};
use lms_media::LocalMediaStore;

type Error = Box<dyn std::error::Error>;

/// The demo accounts: email, password, name and role in the demo org.
pub const ACCOUNTS: [(&str, &str, &str, Role); 3] = [
    (
        "admin@demo.test",
        "demo-admin-pass",
        "Ada Admin",
        Role::Admin,
    ),
    (
        "instructor@demo.test",
        "demo-instructor-pass",
        "Ivan Instructor",
        Role::Instructor,
    ),
    // A name in three scripts, so that the demo certificate shows off the embedded fonts.
    (
        "learner@demo.test",
        "demo-learner-pass",
        "Zoë Łukasz 山田",
        Role::Learner,
    ),
];

/// What [`assemble`] made.
pub struct Assembled {
    /// The whole app: the API at `/api/v1` and the pages its links open.
    pub app: Router,
    /// The LMS behind it, configured.
    pub lms: Lms,
    /// The demo invitation's link, while it waits.
    pub invitation: Option<String>,
    /// Where mail goes, in words.
    pub mail_goes: String,
    /// Where uploads are kept (the hourly sweep deletes learners' unattached files there).
    pub media_store: std::sync::Arc<dyn lms_media::MediaStore>,
}

/// Configures `lms` as `settings` say, seeds the demo org on first start (when
/// `settings.seed`), and builds the app.
pub async fn assemble(mut lms: Lms, settings: &Settings) -> Result<Assembled, Error> {
    let public_url = &settings.public_url;
    if let Some(stripe) = &settings.stripe {
        lms = lms.with_payments(lms_stripe::Stripe::new(stripe.clone()));
    }
    if let Some(days) = settings.membership_grace_days {
        lms = lms.with_membership_grace(chrono::Duration::days(days));
    }
    if settings.orgs_by_host_only {
        lms = lms.with_org_creation(lms::OrgCreation::HostOnly);
    }
    if let Some(quota) = settings.media_quota_bytes {
        lms = lms.with_media_quota(quota);
    }
    let mut auth = AuthConfig::default();
    auth.signin_attempts_per_minute = settings.signin_attempts_per_minute;
    auth.secure_cookie = public_url.to_ascii_lowercase().starts_with("https://");
    auth.open_sign_up = settings.open_sign_up;
    let media = media(settings)?;
    if settings.seed && matches!(lms.org(ORG).await, Err(LmsError::NotFound(_))) {
        // Before the mailer is on: the demo accounts are verified, not mailed.
        let auth = BuiltInAuth::new(lms.clone(), auth.clone());
        seed_demo(&lms, &auth, media.store.as_ref()).await?;
        tracing::info!("seeded the demo org '{ORG}'");
    }
    let links: url::Url = settings
        .app_url
        .parse()
        .map_err(|e| format!("LMS_APP_URL={} is not a URL: {e}", settings.app_url))?;
    let (mailer, mail_goes) = mail::mailer(settings)?;
    lms = lms.with_mail(mailer.clone(), links.clone());
    let invitation = match settings.seed {
        true => mail::demo_invitation(&lms, &mailer, links, ORG).await?,
        false => None,
    };
    let mut config = ApiConfig::default();
    config.trusted_proxies = settings.trusted_proxies.clone();
    config.cors_allowed_origins = settings.cors_origins.clone();
    config.app_url = Some(settings.app_url.clone());
    let media_store = media.store.clone();
    config.media = Some(media);
    let api_url = format!("{public_url}/api/v1")
        .parse()
        .map_err(|e| format!("LMS_PUBLIC_URL: {e}"))?;
    let mut api = LmsRouter::new(lms.clone(), api_url)
        .sign_in(auth)
        .config(config);
    if let Some(jwt) = &settings.jwt {
        tracing::info!("accepting JWTs of {} as Bearer tokens", jwt.issuer);
        api = api.auth(JwtAuth::new(lms.clone(), jwt.clone())?);
    }
    let app = Router::new()
        .nest("/api/v1", api.build())
        .merge(crate::web::app(&settings.default_org));
    Ok(Assembled {
        app,
        lms,
        invitation,
        mail_goes,
        media_store,
    })
}

/// Uploads in `settings.media_dir`, their URLs signed with `settings.media_secret` (or a
/// random key until restart).
fn media(settings: &Settings) -> Result<MediaConfig, Error> {
    let secret = match &settings.media_secret {
        Some(secret) => secret.clone(),
        None => {
            tracing::warn!(
                "LMS_MEDIA_SECRET is not set: media URLs are signed with a random key until restart"
            );
            let mut secret = vec![0u8; 32];
            getrandom::fill(&mut secret)
                .map_err(|e| format!("no randomness for the media key: {e}"))?;
            secret
        }
    };
    let mut media = MediaConfig::new(LocalMediaStore::new(&settings.media_dir), &secret);
    if let Some(max) = settings.media_max_bytes {
        media.max_bytes = max;
    }
    if let Some(rate) = settings.media_min_upload_rate {
        media.min_upload_rate = rate;
    }
    Ok(media)
}

async fn seed_demo(
    lms: &Lms,
    auth: &BuiltInAuth,
    media: &dyn lms_media::MediaStore,
) -> Result<(), Error> {
    let mut actors = Vec::new();
    for (email, password, name, _) in ACCOUNTS {
        let new = NewUser {
            email: email.into(),
            name: name.into(),
        };
        let signed_up = auth
            .sign_up(new, password)
            .await
            .map_err(|e| format!("seeding {email}: {e:?}"))?;
        // As the host, which vouches for its demo addresses.
        let proven = lms::UserPatch {
            email_verified: Some(true),
            ..Default::default()
        };
        lms.update_user(signed_up.user.id, proven).await?;
        actors.push(Actor::User(signed_up.user.id));
    }
    let (admin, instructor, learner) = (actors[0], actors[1], actors[2]);
    // As the host: works whoever may create orgs through the API (LMS_ORG_CREATION).
    let new = NewOrg {
        slug: ORG.into(),
        name: "Demo Academy".into(),
    };
    lms.create_org_for(admin.user_id().ok_or("a user")?, new)
        .await?;
    for (who, (_, _, _, role)) in [(instructor, ACCOUNTS[1]), (learner, ACCOUNTS[2])] {
        lms.set_member_role(&admin, ORG, who.user_id().ok_or("a user")?, role)
            .await?;
    }
    demo::seed_courses(lms, &instructor).await?;
    upload_demo_video(lms, &instructor, media).await?;
    // A discussion thread under the first lesson of the free course (by staff, so that the
    // demo learner starts unenrolled, as the walkthrough expects).
    let first = lms.course(&instructor, FREE_COURSE).await?.modules[0].lessons[0].id;
    let question = lms::NewPost {
        body: "Does `let b = a;` copy a String or move it?".into(),
        parent_id: None,
    };
    let question = lms
        .create_post(&admin, FREE_COURSE, first, question)
        .await?;
    let answer = lms::NewPost {
        body: "It moves it: `a` is no longer usable afterwards. Use `a.clone()` for a copy.".into(),
        parent_id: Some(question.id),
    };
    lms.create_post(&instructor, FREE_COURSE, first, answer)
        .await?;
    // An org-wide plan, bought through POST /orgs/demo/membership/checkout.
    let plan =
        serde_json::json!({"membership": {"amount": 1500, "currency": "usd", "interval": "month"}});
    lms.update_org(&admin, ORG, serde_json::from_value::<lms::OrgPatch>(plan)?)
        .await?;
    Ok(())
}

/// A six-second video (ffmpeg's test pattern, VP8), stored with the server's uploads.
const DEMO_VIDEO: &[u8] = include_bytes!("shared/borrowing.webm");

/// What the demo's video takes of the demo org's storage quota, in bytes.
pub const DEMO_VIDEO_BYTES: u64 = DEMO_VIDEO.len() as u64;

/// Puts the free course's video lesson on an upload of this server's own, so that it plays
/// offline and from no other host.
async fn upload_demo_video(
    lms: &Lms,
    instructor: &Actor,
    media: &dyn lms_media::MediaStore,
) -> Result<(), Error> {
    let outline = lms.course(instructor, FREE_COURSE).await?;
    let lessons = outline.modules.iter().flat_map(|m| &m.lessons);
    let Some(video) = lessons
        .into_iter()
        .find(|l| l.kind == lms::LessonKind::Video)
    else {
        return Ok(());
    };
    let permit = lms
        .new_upload(instructor, FREE_COURSE, "video/webm")
        .await?;
    let key = permit.ok_or("webm is a media type the LMS accepts")?.key;
    let body = futures_util::stream::iter([Ok(bytes::Bytes::from_static(DEMO_VIDEO))]);
    let (body, digest) = lms_media::hashing(Box::pin(body));
    let size = media.put(&key, body).await?;
    let stored = lms::StoredFile {
        size,
        sha256: Some(digest.finish()),
    };
    lms.record_upload(instructor, FREE_COURSE, &key, stored)
        .await?;
    let transcript = "Borrowing lets you use a value without owning it.";
    let content = serde_json::json!({"media_key": key.as_str(), "transcript": transcript});
    let patch = lms::LessonPatch {
        content: Some(content),
        ..Default::default()
    };
    lms.update_lesson(instructor, FREE_COURSE, video.id, patch)
        .await?;
    Ok(())
}
