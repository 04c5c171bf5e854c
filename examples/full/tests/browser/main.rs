//! The app in a real browser: headless Chromium driven over WebDriver (Debian's `chromium`
//! and `chromium-driver`, which `scripts/test.sh` installs) against the example server's
//! own app — `assemble`'s router on embedded SQLite, the demo org seeded — served over TCP.
//! Every page a journey visits is checked with axe-core (no serious or critical violation)
//! and for requests to other hosts (none), and saved as screenshots at a desktop width and
//! at 390 px under `target/browser/`.

mod browser;

use browser::{Browser, Server};

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

#[tokio::test(flavor = "multi_thread")]
async fn a_learner_signs_in_enrolls_and_sees_the_course_on_their_dashboard() {
    let server = Server::start().await;
    let browser = Browser::open(&server).await;
    browser.visit("/sign-in").await;
    browser.check("sign-in").await;
    browser.fill("#email", "learner@demo.test").await;
    browser.fill("#password", "demo-learner-pass").await;
    browser.click("form button[type=submit]").await;
    browser.wait_for_text("h1", "My courses").await;
    browser.check("dashboard-empty").await;

    browser.visit("/courses/rust-101").await;
    browser.wait_for_text("h1", "Rust 101").await;
    browser.check("course").await;
    browser.click("main button").await;
    browser.wait_for_text("main button", "Enrolled").await;

    browser.visit("/dashboard").await;
    let mine = browser.texts(".card h2").await;
    assert_eq!(mine, ["Rust 101"]);
    browser.check("dashboard").await;
    browser.close().await;
}
