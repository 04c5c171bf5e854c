//! What the example server shares with its tests: its settings ([`settings`]), its
//! assembly ([`assembly`]: the LMS, the demo data, the router), and how it serves the
//! router over TCP with the transport's own defences ([`transport`]); and what the
//! `migrate` example does, for its tests and benchmark ([`migrate`]); the browser app it
//! serves at `/` ([`web`]).

pub mod assembly;
#[path = "shared/demo.rs"]
pub mod demo;
#[path = "shared/mail.rs"]
pub mod mail;
pub mod migrate;
pub mod settings;
pub mod transport;
pub mod web;
