//! What the example server shares with its tests: how it serves a router over TCP with
//! the transport's own defences ([`transport`]).
#![warn(missing_docs)]

pub mod transport;
