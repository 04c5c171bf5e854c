//! Serving a router over TCP with the defences that belong to the transport, not to the
//! API: a time limit on reading a request's head (slowloris: a client that sends its
//! headers a byte at a time holds a connection and a task for as long as it likes), and a
//! bound on requests handled at once, past which requests are shed with 503 rather than
//! queued without end. Event streams are not counted: their handler returns at once and
//! the stream runs in the response body; the API caps them itself
//! (`ApiConfig::event_streams_per_user`, `event_streams_total`).
//!
//! axum's own `serve` has no head timeout, so this is the accept loop of hyper with one.

use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tower::ServiceExt;

/// The transport's limits.
#[derive(Clone, Copy, Debug)]
pub struct Transport {
    /// How long a client may take to send a request's head (default 10 s).
    pub header_read_timeout: Duration,
    /// Requests handled at once (default 512); past it, 503 `unavailable` with
    /// `Retry-After`.
    pub max_concurrent_requests: usize,
    /// Requests one client address has handled at once (default 32), so that one client
    /// trickling request bodies cannot take every place; past it, 503 as well.
    pub max_requests_per_client: usize,
}

impl Default for Transport {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(10),
            max_concurrent_requests: 512,
            max_requests_per_client: 32,
        }
    }
}

/// Requests in flight, in all and by client address.
struct InFlight {
    all: Arc<Semaphore>,
    per_client: usize,
    by_client: Mutex<HashMap<IpAddr, usize>>,
}

/// One request's places; dropping it frees them.
struct Place {
    _all: OwnedSemaphorePermit,
    client: Option<(Arc<InFlight>, IpAddr)>,
}

impl InFlight {
    fn admit(self: &Arc<Self>, client: Option<IpAddr>) -> Option<Place> {
        let all = self.all.clone().try_acquire_owned().ok()?;
        let Some(ip) = client else {
            return Some(Place {
                _all: all,
                client: None,
            });
        };
        let mut by_client = self.by_client.lock().unwrap_or_else(|p| p.into_inner());
        let mine = by_client.entry(ip).or_default();
        if *mine >= self.per_client {
            return None;
        }
        *mine += 1;
        Some(Place {
            _all: all,
            client: Some((self.clone(), ip)),
        })
    }
}

impl Drop for Place {
    fn drop(&mut self) {
        if let Some((in_flight, ip)) = &self.client {
            let mut by_client = in_flight
                .by_client
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            if let Some(mine) = by_client.get_mut(ip) {
                *mine -= 1;
                if *mine == 0 {
                    by_client.remove(ip);
                }
            }
        }
    }
}

/// `app` behind the bounds of `transport`: a request past them is answered 503 at once.
/// `/health` is never refused (a load balancer must tell "busy" from "down").
///
/// ```
/// use lms_examples::transport::{Transport, shed_load};
/// let app = shed_load(axum::Router::new(), Transport::default());
/// # let _: axum::Router = app;
/// ```
pub fn shed_load(app: Router, transport: Transport) -> Router {
    let in_flight = Arc::new(InFlight {
        all: Arc::new(Semaphore::new(
            transport
                .max_concurrent_requests
                .min(Semaphore::MAX_PERMITS),
        )),
        per_client: transport.max_requests_per_client,
        by_client: Mutex::default(),
    });
    app.layer(middleware::from_fn(move |request: Request, next: Next| {
        let in_flight = in_flight.clone();
        async move {
            if request.uri().path().ends_with("/health") {
                return next.run(request).await;
            }
            let client = request
                .extensions()
                .get::<ConnectInfo<SocketAddr>>()
                .map(|peer| peer.0.ip());
            // Held until the handler has answered; a streamed body runs after it.
            match in_flight.admit(client) {
                Some(_place) => next.run(request).await,
                None => overloaded(),
            }
        }
    }))
}

/// 503 `unavailable`, as the API's problems read.
fn overloaded() -> Response {
    let problem = serde_json::json!({
        "type": "about:blank",
        "title": "Service Unavailable",
        "status": 503,
        "code": "unavailable",
        "detail": "the server is handling as many requests as it can: try again shortly",
    });
    let mut response = (StatusCode::SERVICE_UNAVAILABLE, problem.to_string()).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    response
}

/// Serves `app` on `listener` until `shutdown` resolves, then waits for the connections
/// in flight up to `drain` (event streams never finish on their own). Each request carries
/// its peer as `ConnectInfo<SocketAddr>`, as with axum's `into_make_service_with_connect_info`.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    transport: Transport,
    shutdown: impl Future<Output = ()>,
    drain: Duration,
) {
    let app = shed_load(app, transport);
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(transport.header_read_timeout);
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors, say: wait instead of spinning.
                    tracing::warn!("accepting a connection: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request
                .extensions_mut()
                .insert(ConnectInfo::<SocketAddr>(peer));
            app.clone().oneshot(request.map(Body::new))
        });
        let connection = http.serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!("connection from {peer} ended: {e}");
            }
        });
    }
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(drain) => tracing::info!("stopped with connections still open"),
    }
}
