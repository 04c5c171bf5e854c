//! The harness: the example server on a free port, chromedriver on another, and a WebDriver
//! session with the checks every page gets.

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use lms::Lms;
use lms::sqlite::SqliteStore;
use lms_examples::assembly::assemble;
use lms_examples::settings::Settings;
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// axe-core 4.14.1 (MPL-2.0; `axe.LICENSE`), vendored from npm, run in each page.
const AXE: &str = include_str!("axe.min.js");

/// How long a page may take to show what a test waits for.
const PATIENCE: Duration = Duration::from_secs(15);

/// The example server's app, seeded with the demo org, listening on a free port.
pub struct Server {
    pub url: String,
    /// The LMS behind it, for arranging what a test needs.
    pub lms: Lms,
    /// The link of the demo org's pending invitation, as mailed.
    pub invitation: Option<String>,
    /// Where the server writes its mail (`.eml` files).
    mail_dir: PathBuf,
    _dir: tempfile::TempDir,
}

impl Server {
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// The server with its settings changed by `change` first.
    pub async fn start_with(change: impl FnOnce(&mut Settings)) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let database = format!("sqlite://{}", dir.path().join("demo.db").display());
        let mut settings = Settings::local(&database, &url, dir.path());
        change(&mut settings);
        let lms = Lms::new(SqliteStore::connect(&database).await.unwrap());
        let assembled = assemble(lms, &settings).await.expect("the example server");
        let service = assembled
            .app
            .into_make_service_with_connect_info::<SocketAddr>();
        tokio::spawn(async move { axum::serve(listener, service).await });
        Self {
            url,
            lms: assembled.lms,
            invitation: assembled.invitation,
            mail_dir: settings.mail_dir.clone(),
            _dir: dir,
        }
    }

    /// The path (on this server) of the link to `page` in the mail sent to `to`, once it is
    /// written.
    pub async fn mailed_link(&self, to: &str, page: &str) -> String {
        let started = Instant::now();
        loop {
            let mails = std::fs::read_dir(&self.mail_dir).into_iter().flatten();
            for mail in mails.flatten() {
                let raw = std::fs::read_to_string(mail.path()).unwrap_or_default();
                // Mail bodies are quoted-printable: undo its soft line breaks and its `=3D`
                // (links hold no other escaped character).
                let raw = raw
                    .replace("=\r\n", "")
                    .replace("=\n", "")
                    .replace("=3D", "=");
                if !raw.contains(&format!("To: {to}")) {
                    continue;
                }
                let start = format!("{}{page}?token=", self.url);
                if let Some(at) = raw.find(&start) {
                    let link: String = raw[at..]
                        .chars()
                        .take_while(|c| !c.is_whitespace() && *c != '"' && *c != '<')
                        .collect();
                    return link[self.url.len()..].to_string();
                }
            }
            if started.elapsed() > PATIENCE {
                panic!(
                    "no mail to {to} with a link to {page} in {}",
                    self.mail_dir.display()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// A headless Chromium, driven by its own chromedriver.
pub struct Browser {
    client: Client,
    driver: Child,
    base: String,
}

/// The chromedriver to run: `LMS_CHROMEDRIVER`, else `chromedriver` on the `PATH`.
fn chromedriver() -> String {
    std::env::var("LMS_CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into())
}

impl Browser {
    pub async fn open(server: &Server) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .unwrap()
            .port();
        let driver = Command::new(chromedriver())
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start {} ({e}): the browser tests need Chromium and its WebDriver. \
                     Run scripts/test.sh (it installs Debian's chromium and chromium-driver), \
                     or install them, or set LMS_CHROMEDRIVER to a chromedriver",
                    chromedriver()
                )
            });
        let mut capabilities = serde_json::Map::new();
        let args = [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--window-size=1280,900",
        ];
        let mut options = json!({ "args": args });
        if let Ok(binary) = std::env::var("LMS_CHROMIUM") {
            options["binary"] = json!(binary);
        }
        capabilities.insert("goog:chromeOptions".into(), options);
        let started = Instant::now();
        let client = loop {
            let connected = ClientBuilder::new(HttpConnector::new())
                .capabilities(capabilities.clone())
                .connect(&format!("http://127.0.0.1:{port}"))
                .await;
            match connected {
                Ok(client) => break client,
                Err(e) if started.elapsed() > PATIENCE => {
                    panic!("chromedriver on port {port} gave no browser session: {e}")
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        };
        Self {
            client,
            driver,
            base: server.url.clone(),
        }
    }

    pub async fn visit(&self, path: &str) {
        self.client
            .goto(&format!("{}{path}", self.base))
            .await
            .unwrap();
    }

    /// The element `locator` finds, once there is one (`what` names it if there is none).
    async fn element(&self, locator: Locator<'_>, what: &str) -> Element {
        let wait = self.client.wait().at_most(PATIENCE);
        let found = wait.for_element(locator).await;
        found.unwrap_or_else(|e| panic!("no {what} on the page: {e}"))
    }

    /// The text of every element `css` matches, once there is one.
    pub async fn texts(&self, css: &str) -> Vec<String> {
        self.element(Locator::Css(css), css).await;
        let mut texts = Vec::new();
        for element in self.client.find_all(Locator::Css(css)).await.unwrap() {
            texts.push(element.text().await.unwrap().trim().to_string());
        }
        texts
    }

    /// Waits until an element `css` matches reads `text`.
    pub async fn wait_for_text(&self, css: &str, text: &str) {
        let started = Instant::now();
        loop {
            let found = self.client.find_all(Locator::Css(css)).await.unwrap();
            for element in found {
                if element.text().await.is_ok_and(|t| t.trim() == text) {
                    return;
                }
            }
            if started.elapsed() > PATIENCE {
                let mut seen = Vec::new();
                for element in self.client.find_all(Locator::Css(css)).await.unwrap() {
                    seen.push(element.text().await.unwrap_or_default());
                }
                panic!(
                    "no {css} reading {text:?} on {}; there are {seen:?}",
                    self.client.current_url().await.unwrap()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn fill(&self, css: &str, value: &str) {
        let field = self.element(Locator::Css(css), css).await;
        field.send_keys(value).await.unwrap();
    }

    pub async fn click(&self, css: &str) {
        let element = self.element(Locator::Css(css), css).await;
        element.click().await.unwrap();
    }

    /// Clicks the button that reads `text`, once there is one.
    pub async fn click_button(&self, text: &str) {
        let xpath = format!("//button[normalize-space()='{text}']");
        let what = format!("button {text:?}");
        let button = self.element(Locator::XPath(&xpath), &what).await;
        button.click().await.unwrap();
    }

    /// Chooses the option of value `value` in the select `css`, as a user's choice would
    /// (Preact sets an option's `value` as a property, which a CSS selector cannot see).
    pub async fn select(&self, css: &str, value: &str) {
        let select = self.element(Locator::Css(css), css).await;
        let choose = "const [select, value] = arguments;
            if (![...select.options].some((o) => o.value === value)) return false;
            select.value = value;
            select.dispatchEvent(new Event('change', { bubbles: true }));
            return true;";
        let element = serde_json::to_value(select).unwrap();
        let chosen = self
            .client
            .execute(choose, vec![element, json!(value)])
            .await
            .unwrap();
        assert_eq!(chosen, json!(true), "{css} has no option {value:?}");
    }

    /// Gives the file input `css` the file at `path`.
    pub async fn attach(&self, css: &str, path: &std::path::Path) {
        self.fill(css, &path.display().to_string()).await;
    }

    /// Signs in through the sign-in page and waits for the dashboard.
    pub async fn sign_in(&self, email: &str, password: &str) {
        self.visit("/sign-in").await;
        self.fill("#email", email).await;
        self.fill("#password", password).await;
        self.click("form button[type=submit]").await;
        self.wait_for_text("h1", "My courses").await;
    }

    /// From an invitation's page, signs up as `name` with `email` (the invited address) and
    /// accepts the invitation to the demo org as an instructor.
    pub async fn sign_up_and_accept(&self, name: &str, email: &str) {
        self.click_link("create an account").await;
        self.wait_for_text("h1", "Create an account").await;
        self.fill("#name", name).await;
        self.fill("#email", email).await;
        self.fill("#password", "a long new password").await;
        self.click("form button[type=submit]").await;
        self.click_button("Accept the invitation").await;
        self.wait_for_text(
            "[role=status]",
            "✓ You joined demo as instructor. On to the courses.",
        )
        .await;
    }

    /// Signs out with the header's button and waits for the catalog.
    pub async fn sign_out(&self) {
        self.click("header button.link").await;
        self.wait_for_text("header a", "Sign in").await;
    }

    /// Runs `script` in the page and returns what it returns.
    pub async fn eval(&self, script: &str) -> Value {
        self.client.execute(script, vec![]).await.unwrap()
    }

    /// Runs `script`, which calls its last argument with its answer, and returns that.
    pub async fn eval_async(&self, script: &str) -> Value {
        self.client.execute_async(script, vec![]).await.unwrap()
    }

    /// Loads the page again.
    pub async fn refresh(&self) {
        self.client.refresh().await.unwrap();
    }

    /// Follows the link that reads `text`.
    pub async fn click_link(&self, text: &str) {
        let what = format!("link {text:?}");
        let link = self.element(Locator::LinkText(text), &what).await;
        link.click().await.unwrap();
    }

    /// The checks every page gets: axe-core finds no serious or critical violation, nothing
    /// came from another host, and screenshots at 1280 and 390 px wide.
    pub async fn check(&self, name: &str) {
        self.client
            .execute(AXE, vec![])
            .await
            .expect("axe-core loads");
        let script = "const done = arguments[arguments.length - 1];
            axe.run(document, { resultTypes: ['violations'] }).then((r) => done(r.violations
                .filter((v) => v.impact === 'serious' || v.impact === 'critical')
                .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)));";
        let violations = self.client.execute_async(script, vec![]).await.unwrap();
        assert_eq!(violations, json!([]), "{name}: accessibility");
        let foreign = "return performance.getEntriesByType('resource').map((e) => e.name)
            .filter((url) => !url.startsWith(location.origin + '/'));";
        let foreign = self.client.execute(foreign, vec![]).await.unwrap();
        assert_eq!(
            foreign,
            Value::Array(vec![]),
            "{name}: requests to other hosts"
        );
        let dir = screenshots();
        for (width, label) in [(1280, "desktop"), (390, "390px")] {
            self.client.set_window_size(width, 900).await.unwrap();
            let png = self.client.screenshot().await.unwrap();
            std::fs::write(dir.join(format!("{name}-{label}.png")), png).unwrap();
        }
        self.client.set_window_size(1280, 900).await.unwrap();
    }

    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// `target/browser/`, made if missing.
fn screenshots() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../target")));
    let dir = target.join("browser");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
