//! The client's address, for per-client limits: the TCP peer, or, when the peer is a
//! configured trusted proxy, the address that proxy (and the trusted proxies before it)
//! reports. Without connect info (a server not started with
//! `into_make_service_with_connect_info::<SocketAddr>()`) there is no address at all.

use crate::AppState;
use crate::error::ApiError;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use ipnet::IpNet;
use lms_core::LmsError;
use std::net::{IpAddr, SocketAddr};

/// The client behind `peer`: `peer` itself unless it is one of `trusted`; then, walking the
/// `Forwarded` (or else `X-Forwarded-For`) chain from the right, the first address that is
/// not a trusted proxy. A hop that cannot be read ends the walk at the last one that could
/// (a client can write anything at the left end of the chain, never at the right).
pub(crate) fn client_behind(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    client_behind_hop(peer, &forwarded_chain(headers), trusted)
}

/// The client a trusted proxy reports when the peer itself is unknown (no connect info): the
/// walk of [`client_behind`] from the right end of the chain. `None` without such headers.
pub(crate) fn forwarded_client(headers: &HeaderMap, trusted: &[IpNet]) -> Option<IpAddr> {
    let chain = forwarded_chain(headers);
    let last = (*chain.last()?)?;
    Some(client_behind_hop(last, &chain[..chain.len() - 1], trusted))
}

/// From `hop`, walking `earlier` hops from the right while `hop` is a trusted proxy.
fn client_behind_hop(hop: IpAddr, earlier: &[Option<IpAddr>], trusted: &[IpNet]) -> IpAddr {
    let trusts = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    let mut client = hop;
    for earlier in earlier.iter().rev() {
        if !trusts(&client) {
            break;
        }
        let Some(earlier) = earlier else { break };
        client = *earlier;
    }
    client
}

/// The addresses a request passed through, client first: `Forwarded: for=…` when present,
/// else `X-Forwarded-For`. `None` for a hop that is not an IP address (`unknown`, a name).
fn forwarded_chain(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let values = |name| {
        headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect::<Vec<_>>()
    };
    let forwarded = values("forwarded");
    if !forwarded.is_empty() {
        return forwarded
            .into_iter()
            .map(|element| {
                element
                    .split(';')
                    .filter_map(|pair| pair.trim().split_once('='))
                    .find(|(key, _)| key.trim().eq_ignore_ascii_case("for"))
                    .and_then(|(_, value)| address(value.trim().trim_matches('"')))
            })
            .collect();
    }
    values("x-forwarded-for").into_iter().map(address).collect()
}

/// `192.0.2.1`, `192.0.2.1:443`, `2001:db8::1` or `[2001:db8::1]:443`.
fn address(text: &str) -> Option<IpAddr> {
    text.parse::<IpAddr>()
        .ok()
        .or_else(|| text.parse::<SocketAddr>().ok().map(|s| s.ip()))
        .or_else(|| {
            text.trim_start_matches('[')
                .trim_end_matches(']')
                .parse()
                .ok()
        })
}

/// The client's address: the TCP peer, or what a trusted proxy
/// reports. A request that shows neither cannot be told from any other, so a route that
/// counts per client refuses it (500, with a hint in the log) rather than putting everyone
/// in one bucket.
pub struct ClientAddr(pub IpAddr);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>();
        let trusted = &state.trusted_proxies;
        let client = match peer {
            Some(peer) => Some(client_behind(peer.0.ip(), &parts.headers, trusted)),
            // No peer (a Unix socket, a test harness): only the configured proxies can say.
            None if !trusted.is_empty() => forwarded_client(&parts.headers, trusted),
            None => None,
        };
        client.map(ClientAddr).ok_or_else(|| {
            tracing::error!(
                "no client address for a per-client limit: serve the router with \
                 `into_make_service_with_connect_info::<std::net::SocketAddr>()`, or list the \
                 reverse proxies in front of it in ApiConfig::trusted_proxies"
            );
            let missing = lms_core::StoreError::Backend(
                "the server cannot tell clients apart (no connect info); see the log".into(),
            );
            ApiError(LmsError::Store(missing))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_claims() {
        let claims = headers(&[("x-forwarded-for", "1.2.3.4"), ("forwarded", "for=5.6.7.8")]);
        assert_eq!(client_behind(ip("9.9.9.9"), &claims, &[]), ip("9.9.9.9"));
        let proxies = ["10.0.0.0/8".parse().unwrap()];
        assert_eq!(
            client_behind(ip("9.9.9.9"), &claims, &proxies),
            ip("9.9.9.9")
        );
    }

    #[test]
    fn behind_trusted_proxies_the_first_untrusted_hop_from_the_right_is_the_client() {
        let proxies = ["10.0.0.0/8".parse().unwrap()];
        // The client forged the leftmost entry; the proxies appended the rest.
        let chain = headers(&[("x-forwarded-for", "6.6.6.6, 1.2.3.4, 10.0.0.7")]);
        assert_eq!(
            client_behind(ip("10.0.0.1"), &chain, &proxies),
            ip("1.2.3.4")
        );
        let forwarded = headers(&[(
            "forwarded",
            r#"for=6.6.6.6, for="[2001:db8::1]:4711";proto=https, for=10.0.0.7"#,
        )]);
        let client = client_behind(ip("10.0.0.1"), &forwarded, &proxies);
        assert_eq!(client, ip("2001:db8::1"));
    }

    #[test]
    fn an_unreadable_hop_stops_at_the_nearest_readable_one() {
        let proxies = ["10.0.0.0/8".parse().unwrap()];
        let chain = headers(&[("x-forwarded-for", "1.2.3.4, unknown, 10.0.0.7")]);
        assert_eq!(
            client_behind(ip("10.0.0.1"), &chain, &proxies),
            ip("10.0.0.7")
        );
        let none = headers(&[]);
        assert_eq!(
            client_behind(ip("10.0.0.1"), &none, &proxies),
            ip("10.0.0.1")
        );
        let ports = headers(&[("x-forwarded-for", "1.2.3.4:5555")]);
        assert_eq!(
            client_behind(ip("10.0.0.1"), &ports, &proxies),
            ip("1.2.3.4")
        );
    }
}
