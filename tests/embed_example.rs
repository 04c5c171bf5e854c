//! `examples/embed.rs`, run as a host runs it: its own `GET /`, and the LMS at `/lms`.
#![cfg(all(feature = "sqlite", feature = "axum"))]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// The example's executable, built beside this test (`cargo test` builds examples too).
fn embed_example() -> PathBuf {
    let test = std::env::current_exe().expect("the test knows where it runs from");
    // target/<profile>/deps/<this test> → target/<profile>/examples/embed
    let profile_dir = test.parent().and_then(|deps| deps.parent()).unwrap();
    let example = profile_dir.join("examples").join("embed");
    if !example.exists() {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut build = Command::new(cargo);
        build.args(["build", "--example", "embed"]);
        if !cfg!(debug_assertions) {
            build.arg("--release");
        }
        let status = build.status().expect("cargo runs");
        assert!(
            status.success(),
            "building the embed example failed: try `cargo build --example embed`"
        );
    }
    example
}

/// The running example, stopped when the test ends, whatever its outcome.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `GET path` over HTTP/1.1, answered as (status line, body).
fn get(addr: &str, path: &str) -> (String, String) {
    let mut stream = TcpStream::connect(addr).expect("the example accepts connections");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").expect("a whole response");
    (head.lines().next().unwrap().to_owned(), body.to_owned())
}

#[test]
fn the_embed_example_serves_its_own_route_and_the_lms_under_lms() {
    let dir = std::env::temp_dir().join(format!("lms-embed-example-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // A free port, released for the example to take.
    let addr = TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .unwrap()
        .to_string();
    let mut child = Command::new(embed_example())
        .current_dir(&dir)
        .env("ADDR", &addr)
        .stdout(Stdio::piped())
        .spawn()
        .expect("the embed example starts");
    let stdout = child.stdout.take().unwrap();
    let _running = Running(child);

    let mut first_line = String::new();
    BufReader::new(stdout).read_line(&mut first_line).unwrap();
    assert_eq!(first_line.trim(), format!("listening on http://{addr}"));

    let (status, body) = get(&addr, "/");
    assert!(status.ends_with("200 OK"), "GET /: {status}");
    assert_eq!(body, "My product. Courses are at /lms.");

    let (status, body) = get(&addr, "/lms/health");
    assert!(status.ends_with("200 OK"), "GET /lms/health: {status}");
    let health: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(health["status"], "ok");

    // The host's other paths stay the host's: the LMS answers only under its prefix.
    let (status, _) = get(&addr, "/health");
    assert!(status.ends_with("404 Not Found"), "GET /health: {status}");
    assert!(
        dir.join("embed.db").exists(),
        "the LMS keeps its SQLite file in the working directory"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
