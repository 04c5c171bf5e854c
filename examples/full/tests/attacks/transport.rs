//! Findings 6 (upload time) and 11 (slowloris), over real TCP connections to the example
//! server's app served as the server serves it.

use super::{Backend, Server};
use lms_examples::transport::{Transport, serve};
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

async fn listen(server: &Server, transport: Transport) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = server.app.clone();
    tokio::spawn(serve(
        listener,
        app,
        transport,
        std::future::pending(),
        Duration::ZERO,
    ));
    addr
}

/// Writes `head` and `body`, then waits for the answer's first line ("" when the server
/// closed the connection): that line and how long it took.
async fn exchange(addr: SocketAddr, head: &str, body: &[u8]) -> (String, Duration) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let started = Instant::now();
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    let mut answer = vec![0u8; 2048];
    let read = tokio::time::timeout(Duration::from_secs(20), stream.read(&mut answer)).await;
    let n = read.expect("an answer or a close").unwrap_or(0);
    let text = String::from_utf8_lossy(&answer[..n]).to_string();
    (
        text.lines().next().unwrap_or_default().to_string(),
        started.elapsed(),
    )
}

pub async fn slowloris_is_cut_off(backend: Backend) {
    let server = Server::start(backend, |_| {}).await;
    let transport = Transport {
        header_read_timeout: Duration::from_millis(500),
        ..Transport::default()
    };
    let addr = listen(&server, transport).await;
    let (line, took) = exchange(
        addr,
        "GET /api/v1/health HTTP/1.1\r\nhost: x\r\nx-a: 1\r\n",
        b"",
    )
    .await;
    assert!(
        line.is_empty() || line.starts_with("HTTP/1.1 408"),
        "served a head that never ended: {line}"
    );
    assert!(took < Duration::from_secs(3), "held for {took:?}");
    let (line, _) = exchange(
        addr,
        "GET /api/v1/health HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
        b"",
    )
    .await;
    assert_eq!(line, "HTTP/1.1 200 OK");
}

pub async fn a_trickled_upload_is_cut_off_with_408(backend: Backend) {
    let server = Server::start(backend, |settings| {
        let rate = lms_axum::MinUploadRate::new(256 * 1024, Duration::from_millis(500));
        settings.media_min_upload_rate = Some(rate);
    })
    .await;
    let admin = server.demo("admin").await;
    let addr = listen(&server, Transport::default()).await;
    let head = format!(
        "POST /api/v1/orgs/demo/courses/rust-101/media HTTP/1.1\r\nhost: x\r\n\
         authorization: Bearer {admin}\r\ncontent-type: video/mp4\r\ncontent-length: 10000000\r\n\r\n"
    );
    let (line, took) = exchange(addr, &head, &[1u8; 1000]).await;
    assert_eq!(line, "HTTP/1.1 408 Request Timeout");
    assert!(took < Duration::from_secs(5), "held for {took:?}");
}
