//! The app in a real browser: headless Chromium driven over WebDriver (Debian's `chromium`
//! and `chromium-driver`, which `scripts/test.sh` installs) against the example server's
//! own app — `assemble`'s router on embedded SQLite, the demo org seeded — served over TCP.
//! Every page a journey visits is checked with axe-core (no serious or critical violation)
//! and for requests to other hosts (none), and saved as screenshots at a desktop width and
//! at 390 px under `target/browser/`.

mod browser;
mod staff;
mod stripe;

use browser::{Browser, Server};
use lms::{Actor, LessonKind, NewLesson, NewPost, PageRequest};
use lms_examples::demo::FREE_COURSE;

#[tokio::test(flavor = "multi_thread")]
async fn the_landing_page_shows_the_demo_catalog_and_the_docs_render() {
    let server = Server::start().await;
    let browser = Browser::open(&server).await;
    browser.visit("/").await;
    let courses = browser.texts(".card h2").await;
    assert!(courses.iter().any(|c| c == "Rust 101"), "{courses:?}");
    browser.check("landing").await;

    browser.visit("/docs").await;
    let title = browser.texts(".swagger-ui .info .title").await;
    assert!(title.iter().any(|t| t.contains("lms-rs API")), "{title:?}");
    browser.check("docs").await;
    browser.close().await;
}

/// A newcomer signs up, confirms the address from the mailed link, takes the first demo
/// course through its text, video and quiz, talks in a lesson's discussion (the reply
/// arrives live), reads the notification, gets the certificate and renames themselves.
#[tokio::test(flavor = "multi_thread")]
async fn a_learner_signs_up_verifies_and_completes_the_first_course() {
    let server = Server::start().await;
    let browser = Browser::open(&server).await;
    browser.visit("/sign-in").await;
    browser.check("sign-in").await;
    browser.click_link("Create one").await;
    browser.wait_for_text("h1", "Create an account").await;
    browser.fill("#name", "Lee Learner").await;
    browser.fill("#email", "lee@demo.test").await;
    browser.fill("#password", "a long learner password").await;
    browser.check("sign-up").await;
    browser.click("form button[type=submit]").await;
    browser.wait_for_text("h1", "My courses").await;
    browser.check("dashboard-empty").await;
    let verify = server.mailed_link("lee@demo.test", "/verify-email").await;
    browser.visit(&verify).await;
    browser.click_button("Confirm my address").await;
    browser
        .wait_for_text(
            "[role=status]",
            "✓ lee@demo.test is confirmed. On to the courses.",
        )
        .await;

    browser.visit("/courses/rust-101").await;
    browser.wait_for_text("h1", "Rust 101").await;
    browser.check("course").await;
    browser.click("main button").await;
    browser
        .wait_for_text("a.cta", "Continue where you left off")
        .await;
    browser.click("a.cta").await;
    browser.wait_for_text("h1", "Ownership").await;
    let prose = browser.texts(".prose").await;
    assert!(
        prose[0].contains("owner"),
        "the markdown, rendered: {prose:?}"
    );
    browser.check("text-lesson").await;
    browser.click_button("Mark as complete").await;
    browser.wait_for_text(".done", "✓ Completed").await;

    // The discussion: the learner asks; the instructor's reply shows up without a reload.
    browser
        .wait_for_text(
            ".discussion p.muted",
            "Live: new posts appear as they are written.",
        )
        .await;
    let question = "Does a move *copy* the bytes? ![my diagram](https://tracker.example/pixel.png)";
    browser.fill("#new-post", question).await;
    browser.click(".post-form button[type=submit]").await;
    browser
        .wait_for_text(
            ".post .prose",
            "Does a move copy the bytes? Image: my diagram",
        )
        .await;
    reply_as_instructor(&server, "Only the pointer, length and capacity.").await;
    browser
        .wait_for_text(".replies .prose", "Only the pointer, length and capacity.")
        .await;
    // A learner's image is a link: nothing loads from another host (`check` makes sure).
    let images = browser
        .eval("return document.querySelectorAll('.discussion img').length;")
        .await;
    assert_eq!(images, 0);
    browser.check("discussion").await;

    // The video: played to 3 s and paused, it resumes there after a reload; it completes
    // when it ends.
    browser.visit("/courses/rust-101").await;
    browser.wait_for_text(".standing", "✓ Completed").await;
    browser.click("a.cta").await;
    browser.wait_for_text("h1", "Borrowing").await;
    let playing = "const video = document.querySelector('video');
        const done = arguments[arguments.length - 1];
        const seek = () => { video.currentTime = 3; video.addEventListener('seeked',
            () => { video.dispatchEvent(new Event('pause')); done(video.currentTime); }, { once: true }); };
        if (video.readyState >= 1) seek(); else video.addEventListener('loadedmetadata', seek, { once: true });";
    assert_eq!(browser.eval_async(playing).await, serde_json::json!(3));
    browser.wait_for_text("#position", "3").await;
    browser.check("video-lesson").await;
    browser.refresh().await;
    browser.wait_for_text("h1", "Borrowing").await;
    let resumed = "const video = document.querySelector('video');
        const done = arguments[arguments.length - 1];
        const check = () => done(video.currentTime);
        if (video.readyState >= 1 && video.currentTime > 0) check();
        else video.addEventListener('seeked', check, { once: true });";
    assert_eq!(
        browser.eval_async(resumed).await,
        serde_json::json!(3),
        "resumed"
    );
    browser
        .eval("document.querySelector('video').dispatchEvent(new Event('ended'));")
        .await;
    browser.wait_for_text(".done", "✓ Completed").await;

    browser.visit("/courses/rust-101").await;
    browser
        .wait_for_text("a.cta", "Continue where you left off")
        .await;
    browser.click_link("Checkpoint").await;
    browser.wait_for_text("h1", "Checkpoint").await;
    for answer in [
        "q1][value=move",
        "q2][value=true",
        "q3][value=ownership",
        "q3][value=borrowing",
    ] {
        browser.click(&format!("input[name={answer}]")).await;
    }
    browser.check("quiz").await;
    browser.click("form.quiz button[type=submit]").await;
    let result = browser.texts(".result").await;
    assert!(result[0].contains("100% — passed"), "{result:?}");

    // Every lesson done: the course shows the certificate.
    browser.visit("/courses/rust-101").await;
    browser
        .wait_for_text("#certificate", "Your certificate")
        .await;
    browser.check("certificate").await;
    browser.click_link("Anyone can check it").await;
    browser
        .wait_for_text("[role=status]", "✓ This certificate is valid.")
        .await;
    browser.check("certificate-check").await;

    browser.visit("/dashboard").await;
    let mine = browser.texts(".card h2").await;
    assert_eq!(mine, ["Rust 101"]);
    browser.check("dashboard").await;

    browser.click_link("Notifications").await;
    browser
        .wait_for_text(
            ".notifications .what",
            "Ivan Instructor replied to your post in Rust 101",
        )
        .await;
    browser.check("notifications").await;
    browser.click_link("Account").await;
    browser.wait_for_text("h1", "Your account").await;
    browser.fill("#profile-name", " Lee").await;
    browser.click_button("Save the profile").await;
    browser
        .wait_for_text("header button.link", "Sign out (Lee Learner Lee)")
        .await;
    browser.check("account").await;
    browser.close().await;
}

/// The demo instructor, as the library knows them.
async fn demo_instructor(server: &Server) -> Actor {
    let instructor = server.lms.user_by_email("instructor@demo.test").await;
    Actor::User(instructor.unwrap().id)
}

/// The demo instructor answers the latest post under the first demo course's first lesson.
async fn reply_as_instructor(server: &Server, body: &str) {
    let instructor = demo_instructor(server).await;
    let outline = server.lms.course(&instructor, FREE_COURSE).await.unwrap();
    let lesson = outline.modules[0].lessons[0].id;
    let posts = server
        .lms
        .posts(&instructor, FREE_COURSE, lesson, PageRequest::first(100))
        .await
        .unwrap();
    let latest = posts.items.last().expect("a post to answer");
    let reply = NewPost {
        body: body.into(),
        parent_id: Some(latest.id),
    };
    server
        .lms
        .create_post(&instructor, FREE_COURSE, lesson, reply)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn lesson_markdown_is_shown_with_nothing_active_left_in_it() {
    let server = Server::start().await;
    let instructor = demo_instructor(&server).await;
    let outline = server.lms.course(&instructor, FREE_COURSE).await.unwrap();
    let markdown = "# Tricks\n\n<script>window.ran = 1</script>\n\n\
        <img src=\"/nowhere.png\" onerror=\"window.ran = 2\" alt=\"a picture\">\n\n\
        [a link](javascript:window.ran=3) and [a fine one](/docs)\n\n\
        <form method=\"post\" action=\"/api/v1/auth/sign-out\"><button>Next lesson</button></form>";
    let lesson = NewLesson {
        title: "Tricks".into(),
        kind: LessonKind::Text,
        content: serde_json::json!({ "markdown": markdown }),
        free_preview: Some(true),
        duration_minutes: None,
        required: Some(false),
        release: None,
    };
    let module = outline.modules[0].module.id;
    let created = server
        .lms
        .create_lesson(&instructor, FREE_COURSE, module, lesson)
        .await;
    let lesson = created.unwrap().summary.id;

    let browser = Browser::open(&server).await;
    browser
        .visit(&format!("/courses/rust-101/lessons/{lesson}"))
        .await;
    browser.wait_for_text("h1", "Tricks").await;
    browser.wait_for_text(".prose h2", "Tricks").await;
    let found = browser
        .eval(
            "const prose = document.querySelector('.prose');
             return [prose.querySelectorAll('script').length,
                     prose.querySelectorAll('[onerror]').length,
                     [...prose.querySelectorAll('a')].map((a) => a.getAttribute('href')),
                     prose.querySelectorAll('form, button').length,
                     window.ran === undefined];",
        )
        .await;
    assert_eq!(found, serde_json::json!([0, 0, [null, "/docs"], 0, true]));
    browser.close().await;
}

/// The demo org's invitation (to `new-teacher@demo.test`, as an instructor), opened from its
/// mailed link by someone without an account: they sign up from there, come back, accept.
#[tokio::test(flavor = "multi_thread")]
async fn an_invited_teacher_signs_up_from_the_link_and_joins() {
    let server = Server::start().await;
    let link = server
        .invitation
        .clone()
        .expect("the demo's pending invitation");
    let path = link
        .strip_prefix(&server.url)
        .expect("a link to this server");
    let browser = Browser::open(&server).await;
    browser.visit(path).await;
    browser.wait_for_text("h1", "Your invitation").await;
    browser.check("invitation").await;
    browser
        .sign_up_and_accept("Nia Teacher", "new-teacher@demo.test")
        .await;
    browser.check("invitation-accepted").await;
    browser.close().await;
}
