//! A client generated from the served document by PyPI's `openapi-python-client` runs a
//! learner's journey with its typed calls and models (`tests/python/journey.py`): sign up
//! and in, the catalog, enrolling, progress, a quiz, the certificate. What the document
//! says is what the server does, as a code generator reads it.

use axum::Router;
use axum::body::Body;
use axum::http::Request;
use http_body_util::BodyExt;
use lms_axum::{AuthConfig, LmsRouter};
use lms_core::Lms;
use lms_core::testing::World;
use lms_sqlite::SqliteStore;
use serde_json::Value;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use tower::ServiceExt;

/// A program the test runs, from the environment variable that names it.
fn tool(variable: &str, what: &str) -> String {
    std::env::var(variable).unwrap_or_else(|_| {
        panic!(
            "{variable} is not set: this test needs {what}. Run scripts/test.sh (it installs \
             one into a virtual environment), or `pip install 'openapi-python-client==0.29.*' \
             python-dateutil` and set LMS_OPENAPI_CLIENT_GENERATOR=openapi-python-client and \
             LMS_PYTHON=python3"
        )
    })
}

fn run(command: &mut Command) -> Output {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
    assert!(
        output.status.success(),
        "{command:?} failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// Generates the package `lms_client` into `dir` from `document`; any warning of the
/// generator's (a schema it cannot model, say) fails.
fn generate_client(generator: &str, document: &[u8], dir: &Path) {
    let file = dir.join("openapi.json");
    std::fs::write(&file, document).unwrap();
    let config = dir.join("config.yaml");
    // PDFs and NDJSON streams (an org's export) are files to a generated client: the
    // generator models those for `application/octet-stream` only.
    let settings = "package_name_override: lms_client\npost_hooks: []\n\
                    content_type_overrides:\n  application/pdf: application/octet-stream\n  \
                    application/x-ndjson: application/octet-stream\n";
    std::fs::write(&config, settings).unwrap();
    run(Command::new(generator).args([
        "generate".as_ref(),
        "--path".as_ref(),
        file.as_os_str(),
        "--fail-on-warning".as_ref(),
        "--meta".as_ref(),
        "none".as_ref(),
        "--output-path".as_ref(),
        dir.join("lms_client").as_os_str(),
        "--config".as_ref(),
        config.as_os_str(),
    ]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_generated_client_runs_a_learner_journey() {
    let generator = tool("LMS_OPENAPI_CLIENT_GENERATOR", "openapi-python-client");
    let python = tool(
        "LMS_PYTHON",
        "a Python with httpx, attrs and python-dateutil",
    );
    let lms = Lms::new(SqliteStore::memory().await.expect("store"));
    let w = World::new(lms.clone()).await;
    w.published("rust", None).await;

    // A real server, mounted under a prefix that only the document's `servers` entry tells.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/api/v1", listener.local_addr().unwrap());
    let api = LmsRouter::new(lms.clone(), base.parse().unwrap())
        .sign_in(AuthConfig::default())
        .build();
    let document = api
        .clone()
        .oneshot(Request::get("/openapi.json").body(Body::empty()).unwrap())
        .await
        .unwrap()
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes();
    let app = Router::new().nest("/api/v1", api);
    let service = app.into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, service).await });

    let dir = tempfile::tempdir().unwrap();
    let journey = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/python/journey.py");
    let path = dir.path().to_path_buf();
    let output = tokio::task::spawn_blocking(move || {
        generate_client(&generator, &document, &path);
        run(Command::new(python)
            .arg(journey)
            .arg(&base)
            .env("PYTHONPATH", &path)
            .env("PYTHONDONTWRITEBYTECODE", "1"))
    })
    .await
    .unwrap();

    // The journey's certificate, read back from the store: issued to the learner it made.
    let said = String::from_utf8_lossy(&output.stdout);
    let last: Value = serde_json::from_str(said.lines().last().unwrap_or_default())
        .unwrap_or_else(|e| panic!("the journey did not end with its JSON line ({e}):\n{said}"));
    let code = last["certificate"].as_str().expect("certificate");
    let certificate = lms.verify_certificate(code).await.expect("certificate");
    assert!(certificate.is_valid());
    assert_eq!(
        (
            certificate.user_id.to_string(),
            certificate.learner_name.as_str()
        ),
        (
            last["user_id"].as_str().unwrap().to_string(),
            "Journey Learner"
        )
    );
}
