//! The smallest host app: its own `GET /`, and the LMS on embedded SQLite at `/lms`
//! (`curl localhost:8080/lms/health`). Add an authenticator with `LmsRouter::auth`.
use axum::{Router, routing::get};
use lms::{Lms, axum::LmsRouter, sqlite::SqliteStore};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let lms = Lms::new(SqliteStore::open("embed.db").await?);
    let addr = std::env::var("ADDR").unwrap_or_else(|_| "127.0.0.1:8080".into());
    // Links the API hands out (certificates, media) start here, never at a request's Host.
    let public_url = format!("http://{addr}/lms").parse()?;
    let app = Router::new()
        .route("/", get(|| async { "My product. Courses are at /lms." }))
        .nest("/lms", LmsRouter::new(lms, public_url).build());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("listening on http://{addr}");
    let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
    Ok(axum::serve(listener, app).await?)
}
