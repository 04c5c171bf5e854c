//! The staff's journeys: an instructor builds, publishes and grades a course, and reads its
//! report; an admin brands the org and invites a member, who accepts.

use crate::browser::{Browser, Server};

/// The demo instructor builds a course with a quiz and an assignment and publishes it; the
/// demo learner enrolls and hands in the assignment with a file; the instructor grades it
/// from the queue and finds the learner in the report's chart.
#[tokio::test(flavor = "multi_thread")]
async fn an_instructor_builds_a_course_grades_a_submission_and_reads_the_report() {
    let server = Server::start().await;
    let browser = Browser::open(&server).await;
    browser
        .sign_in("instructor@demo.test", "demo-instructor-pass")
        .await;
    browser.click_link("Teach").await;
    browser.wait_for_text("h1", "Teach").await;
    browser.check("teach").await;
    browser.fill("#new-title", "Async Patterns").await;
    browser.fill("#new-slug", "async-patterns").await;
    browser.click("form button[type=submit]").await;
    browser.wait_for_text("h1", "Async Patterns").await;
    browser.fill("#module-title", "Week one").await;
    browser.click("form.inline button[type=submit]").await;
    browser.wait_for_text(".editor h3", "Week one").await;
    browser.click(".module-settings summary").await;
    browser
        .fill(".module-settings input[type=number]", "0")
        .await;
    browser.click_button("Save the module").await;
    browser
        .wait_for_text(".editor h3", "Week one Release rule")
        .await;

    // A quiz of one single-choice question.
    browser.click_link("+ Add a lesson to Week one").await;
    browser.wait_for_text("h1", "New lesson").await;
    browser
        .fill("#lesson-title", "Check your understanding")
        .await;
    browser.select("#lesson-kind", "quiz").await;
    browser
        .fill(".question .prompt", "Which keyword waits for a future?")
        .await;
    browser
        .fill(".option:nth-of-type(1) .option-text", "await")
        .await;
    browser
        .fill(".option:nth-of-type(2) .option-text", "yield")
        .await;
    browser.click(".option:nth-of-type(1) .correct").await;
    browser.click_button("Add a question").await;
    let second = ".question:nth-of-type(2)";
    browser
        .select(&format!("{second} .question-kind"), "true_false")
        .await;
    browser
        .fill(
            &format!("{second} .prompt"),
            "A future does nothing until polled.",
        )
        .await;
    browser.check("teach-quiz-builder").await;
    browser.click(".lesson-form > button[type=submit]").await;
    browser
        .wait_for_text("h1", "Edit: Check your understanding")
        .await;

    // An assignment, then publish.
    browser.click_link("← Back to the course").await;
    browser.click_link("+ Add a lesson to Week one").await;
    browser.wait_for_text("h1", "New lesson").await;
    browser.fill("#lesson-title", "Write it up").await;
    browser.select("#lesson-kind", "assignment").await;
    browser
        .fill("#instructions", "Explain **when** a future runs.")
        .await;
    browser.click(".lesson-form > button[type=submit]").await;
    browser.wait_for_text("h1", "Edit: Write it up").await;
    browser.click_link("← Back to the course").await;
    browser.wait_for_text("main button", "Publish").await;
    browser
        .click("button[aria-label='Move lesson Write it up up']")
        .await;
    browser
        .wait_for_text(".editor ol li:first-child > a", "Write it up")
        .await;
    browser.click_button("Publish").await;
    browser.wait_for_text(".status", "published").await;
    let lessons = browser.texts(".editor ol a").await;
    assert_eq!(lessons, ["Write it up", "Check your understanding"]);
    browser.check("teach-course").await;

    // The course's media: a video uploaded from the library.
    browser.click_link("Media").await;
    let video = concat!(env!("CARGO_MANIFEST_DIR"), "/shared/borrowing.webm");
    browser
        .attach("input[type=file]", std::path::Path::new(video))
        .await;
    browser
        .wait_for_text("[role=status]", "✓ Uploaded borrowing.webm")
        .await;
    browser.wait_for_text(".grid td", "video/webm").await;
    browser.check("teach-media").await;
    browser.sign_out().await;

    // The learner enrolls and hands in an answer with a file.
    let files = tempfile::tempdir().unwrap();
    let essay = files.path().join("essay.txt");
    std::fs::write(&essay, "A future runs when it is polled.").unwrap();
    browser
        .sign_in("learner@demo.test", "demo-learner-pass")
        .await;
    browser.visit("/courses/async-patterns").await;
    browser.wait_for_text("h1", "Async Patterns").await;
    browser.click_button("Enroll").await;
    browser
        .wait_for_text("a.cta", "Continue where you left off")
        .await;
    browser.click_link("Write it up").await;
    browser.wait_for_text("h1", "Write it up").await;
    browser.fill("#answer", "When it is polled.").await;
    browser.attach("#attachments", &essay).await;
    browser
        .wait_for_text("[role=status]", "✓ Attached essay.txt")
        .await;
    browser.click("form.assignment button[type=submit]").await;
    browser
        .wait_for_text(
            "[role=status]",
            "✓ Handed in: your instructor has been told",
        )
        .await;
    browser
        .wait_for_text(".card p", "Waiting for a grade.")
        .await;
    browser.check("assignment-handed-in").await;
    browser.sign_out().await;

    // The instructor grades it from the queue.
    browser
        .sign_in("instructor@demo.test", "demo-instructor-pass")
        .await;
    browser.visit("/teach/courses/async-patterns/grading").await;
    browser
        .wait_for_text(".card h2", "Zoë Łukasz 山田 — Write it up")
        .await;
    let attachments = browser.texts(".card ul a").await;
    assert_eq!(attachments.len(), 1, "{attachments:?}");
    browser.fill(".card input[name=score]", "90").await;
    browser
        .fill(".card textarea[name=feedback]", "Clear and right.")
        .await;
    browser.check("grading-queue").await;
    browser.click(".card form button[type=submit]").await;
    browser
        .wait_for_text("[role=status]", "✓ Graded Zoë Łukasz 山田: 90/100, passed")
        .await;
    browser
        .wait_for_text("main p", "Nothing here: every submission is graded.")
        .await;

    // The report: one learner, at 50% (the assignment passed, the quiz not yet taken).
    browser.visit("/teach/courses/async-patterns/report").await;
    browser.wait_for_text("h1", "Report").await;
    let figures = browser.texts(".figures dd").await;
    assert_eq!(figures, ["1", "0", "50%"]);
    let bars = browser
        .eval(
            "return [...document.querySelectorAll('#distribution-title ~ svg rect.bar')]
                .map((bar) => Number(bar.getAttribute('height')) > 0);",
        )
        .await;
    let mut expected = vec![false; 11];
    expected[5] = true;
    assert_eq!(bars, serde_json::json!(expected), "one learner in 50–59");
    browser.wait_for_text(".grid td a", "Zoë Łukasz 山田").await;
    let export = browser
        .eval("return document.querySelector('a.cta[download]').getAttribute('href');")
        .await;
    assert_eq!(
        export,
        "/api/v1/orgs/demo/courses/async-patterns/report/export?format=csv"
    );
    browser.check("report").await;
    browser.click_link("Zoë Łukasz 山田").await;
    browser.wait_for_text("h1", "Zoë Łukasz 山田").await;
    browser
        .click_button("Open every lesson to this learner now")
        .await;
    browser
        .wait_for_text(
            "[role=status]",
            "✓ Every lesson is open to this learner now",
        )
        .await;
    browser.check("learner-drill-down").await;

    browser.visit("/teach/courses/async-patterns").await;
    browser.click_button("Duplicate the course").await;
    browser.wait_for_text("h1", "Async Patterns (copy)").await;
    browser.wait_for_text(".status", "draft").await;
    browser.close().await;
}

/// The demo admin gives the org its own name and colour, which the app then shows, and
/// invites a colleague, who accepts from the mailed link and appears among the members.
#[tokio::test(flavor = "multi_thread")]
async fn an_admin_brands_the_org_and_invites_a_member_who_accepts() {
    let server = Server::start().await;
    let browser = Browser::open(&server).await;
    browser.sign_in("admin@demo.test", "demo-admin-pass").await;
    browser.click_link("Admin").await;
    browser.wait_for_text("h2", "Members").await;
    browser.check("admin-members").await;

    browser.click_link("Settings").await;
    browser.fill("#brand-name", "Acme Academy").await;
    browser.click("input[name=use_color]").await;
    browser
        .eval("document.querySelector('#brand-color').value = '#6a1b9a';")
        .await;
    // The demo org offers a plan at $15 a month: it goes up to $20.
    browser
        .eval("document.querySelector('#plan-amount').value = '20';")
        .await;
    browser.click("form.narrow button[type=submit]").await;
    browser.wait_for_text("header .brand", "Acme Academy").await;
    let org = server.lms.org("demo").await.unwrap();
    let plan = org.membership_plan.expect("the plan offered");
    assert_eq!((plan.amount, plan.currency.as_str()), (2000, "usd"));
    let accent = browser
        .eval("return getComputedStyle(document.documentElement).getPropertyValue('--accent').trim();")
        .await;
    assert_eq!(accent, "#6a1b9a");
    browser.check("admin-settings").await;

    browser.click_link("Invitations").await;
    browser.fill("#invite-email", "colleague@demo.test").await;
    browser.select("#invite-role", "instructor").await;
    browser.click("form.inline button[type=submit]").await;
    browser
        .wait_for_text(
            "[role=status]",
            "✓ Invitation mailed to colleague@demo.test",
        )
        .await;
    browser.check("admin-invitations").await;
    browser.click_link("Payments").await;
    browser.wait_for_text("h2", "Payments").await;
    browser.check("admin-payments").await;
    browser.click_link("Reports and export").await;
    browser.wait_for_text(".grid td a", "Rust 101").await;
    browser.check("admin-reports").await;
    browser.sign_out().await;

    let link = server
        .mailed_link("colleague@demo.test", "/invitations/accept")
        .await;
    browser.visit(&link).await;
    browser.wait_for_text("h1", "Your invitation").await;
    browser
        .sign_up_and_accept("Cole League", "colleague@demo.test")
        .await;
    browser.sign_out().await;

    browser.sign_in("admin@demo.test", "demo-admin-pass").await;
    browser.visit("/admin/members").await;
    browser
        .wait_for_text(".grid td", "colleague@demo.test")
        .await;
    let role = browser
        .eval(
            "const row = [...document.querySelectorAll('.grid tr')]
                .find((r) => r.textContent.includes('colleague@demo.test'));
             return row.querySelector('select').value;",
        )
        .await;
    assert_eq!(role, "instructor");
    browser.visit("/admin/invitations").await;
    browser
        .wait_for_text(".invitation-status", "accepted")
        .await;
    browser.close().await;
}
