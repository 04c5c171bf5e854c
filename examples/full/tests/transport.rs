//! The example server's transport against floods, over real TCP connections: a client
//! that sends its request head slowly (slowloris) is cut off, and requests past the
//! concurrency bound are shed with 503 while open streams do not count against it.

use axum::Router;
use axum::body::Body;
use axum::routing::get;
use lms_examples::transport::{Transport, serve};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;

async fn start(app: Router, transport: Transport) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let never = std::future::pending::<()>();
    tokio::spawn(serve(listener, app, transport, never, Duration::ZERO));
    addr
}

/// Sends `head` and reads the answer's first bytes (empty when the server closed the
/// connection without one).
async fn exchange(addr: SocketAddr, head: &str) -> String {
    exchange_from([127, 0, 0, 1], addr, head).await
}

/// Sends `head` from the local address `from` (any 127.0.0.0/8 address is this host).
async fn exchange_from(from: [u8; 4], addr: SocketAddr, head: &str) -> String {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind(SocketAddr::from((from, 0))).unwrap();
    let mut stream = socket.connect(addr).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = vec![0u8; 4096];
    let read = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut answer)).await;
    let n = read.expect("the server answers or closes").unwrap_or(0);
    String::from_utf8_lossy(&answer[..n]).to_string()
}

const GET: &str = "GET / HTTP/1.1\r\nhost: lms.test\r\nconnection: close\r\n\r\n";

#[tokio::test]
async fn slowloris_is_cut_off_after_the_header_timeout() {
    let transport = Transport {
        header_read_timeout: Duration::from_millis(500),
        ..Transport::default()
    };
    let addr = start(
        Router::new().route("/", get(|| async { "hello" })),
        transport,
    )
    .await;
    let started = Instant::now();
    // The head never ends: one header, then nothing.
    let answer = exchange(addr, "GET / HTTP/1.1\r\nhost: lms.test\r\nx-slow: 1\r\n").await;
    let took = started.elapsed();
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
        "cut off, not served: {answer:?}"
    );
    assert!(took < Duration::from_secs(3), "held for {took:?}");
    let served = exchange(addr, GET).await;
    assert!(served.starts_with("HTTP/1.1 200"), "{served}");
}

#[tokio::test]
async fn a_flood_past_the_limit_is_shed_while_open_streams_do_not_count() {
    // Handlers that wait until the test lets them answer, and a body that never ends.
    let gate = Arc::new(Semaphore::new(0));
    let held = gate.clone();
    let app = Router::new()
        .route(
            "/slow",
            get(move || {
                let held = held.clone();
                async move {
                    let _pass = held.acquire().await.unwrap();
                    "done"
                }
            }),
        )
        .route(
            "/stream",
            get(|| async {
                Body::from_stream(futures_util::stream::pending::<
                    Result<Vec<u8>, std::io::Error>,
                >())
            }),
        )
        .route("/", get(|| async { "hello" }));
    let transport = Transport {
        max_concurrent_requests: 2,
        ..Transport::default()
    };
    let addr = start(app, transport).await;
    // Two streams open and stay open: they hold no place.
    let mut streams = Vec::new();
    for _ in 0..2 {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        let head = "GET /stream HTTP/1.1\r\nhost: lms.test\r\n\r\n";
        stream.write_all(head.as_bytes()).await.unwrap();
        let mut answer = vec![0u8; 512];
        let n = stream.read(&mut answer).await.unwrap();
        assert!(String::from_utf8_lossy(&answer[..n]).starts_with("HTTP/1.1 200"));
        streams.push(stream);
    }
    assert!(
        exchange(addr, GET).await.starts_with("HTTP/1.1 200"),
        "streams are not counted"
    );
    // Two slow requests take both places; the third is shed at once.
    let slow = "GET /slow HTTP/1.1\r\nhost: lms.test\r\nconnection: close\r\n\r\n";
    let first = tokio::spawn(exchange(addr, slow));
    let second = tokio::spawn(exchange(addr, slow));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let shed = exchange(addr, GET).await;
    assert!(shed.starts_with("HTTP/1.1 503"), "{shed}");
    let lower = shed.to_ascii_lowercase();
    assert!(
        lower.contains("retry-after: 1") && lower.contains("\"code\":\"unavailable\""),
        "{shed}"
    );
    assert!(
        lower.contains("content-type: application/problem+json"),
        "{shed}"
    );
    gate.add_permits(2);
    for answered in [first.await.unwrap(), second.await.unwrap()] {
        assert!(answered.starts_with("HTTP/1.1 200"), "{answered}");
    }
    assert!(
        exchange(addr, GET).await.starts_with("HTTP/1.1 200"),
        "places come back"
    );
}

#[tokio::test]
async fn one_client_cannot_take_every_place_and_health_always_answers() {
    let gate = Arc::new(Semaphore::new(0));
    let held = gate.clone();
    let app = Router::new()
        .route(
            "/slow",
            get(move || {
                let held = held.clone();
                async move {
                    let _pass = held.acquire().await.unwrap();
                    "done"
                }
            }),
        )
        .route("/", get(|| async { "hello" }))
        .route("/api/v1/health", get(|| async { "ok" }));
    let transport = Transport {
        max_concurrent_requests: 3,
        max_requests_per_client: 2,
        ..Transport::default()
    };
    let addr = start(app, transport).await;
    let slow = "GET /slow HTTP/1.1\r\nhost: lms.test\r\nconnection: close\r\n\r\n";
    let first = tokio::spawn(exchange_from([127, 0, 0, 1], addr, slow));
    let second = tokio::spawn(exchange_from([127, 0, 0, 1], addr, slow));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let third = exchange_from([127, 0, 0, 1], addr, GET).await;
    assert!(
        third.starts_with("HTTP/1.1 503"),
        "past the client's share: {third}"
    );
    let other = exchange_from([127, 0, 0, 2], addr, GET).await;
    assert!(
        other.starts_with("HTTP/1.1 200"),
        "another client still gets in: {other}"
    );
    let third_slow = tokio::spawn(exchange_from([127, 0, 0, 3], addr, slow));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let full = exchange_from([127, 0, 0, 4], addr, GET).await;
    assert!(
        full.starts_with("HTTP/1.1 503"),
        "every place taken: {full}"
    );
    let health = "GET /api/v1/health HTTP/1.1\r\nhost: lms.test\r\nconnection: close\r\n\r\n";
    let health = exchange_from([127, 0, 0, 4], addr, health).await;
    assert!(
        health.starts_with("HTTP/1.1 200"),
        "health is never shed: {health}"
    );
    gate.add_permits(3);
    for answered in [
        first.await.unwrap(),
        second.await.unwrap(),
        third_slow.await.unwrap(),
    ] {
        assert!(answered.starts_with("HTTP/1.1 200"), "{answered}");
    }
}
