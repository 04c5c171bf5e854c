//! The client's address, for per-client limits: the TCP peer, or, when the peer is a
//! configured trusted proxy, the address that proxy (and the trusted proxies before it)
//! reports in the one header it writes ([`ForwardedHeader`]). Without connect info (a server
//! not started with `into_make_service_with_connect_info::<SocketAddr>()`) there is no
//! address at all, and a route that counts per client answers 500.

use crate::AppState;
use crate::error::ApiError;
use crate::router::ForwardedHeader;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use ipnet::IpNet;
use lms_core::LmsError;
use std::net::{IpAddr, SocketAddr};

/// The client behind `peer`: `peer` itself unless it is one of `trusted`; then, walking the
/// chain in `header` from the right, the first address that is not a trusted proxy. A hop
/// that cannot be read ends the walk at the last one that could (a client can write anything
/// at the left end of the chain, never at the right). The other header is never read: a
/// proxy passes on whatever a client wrote in the header it does not write itself. IPv4
/// addresses mapped into IPv6 (a dual-stack listener) are read as IPv4.
pub(crate) fn client_behind(
    peer: IpAddr,
    headers: &HeaderMap,
    trusted: &[IpNet],
    header: ForwardedHeader,
) -> IpAddr {
    let trusts = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    let mut client = peer.to_canonical();
    for earlier in forwarded_chain(headers, header).iter().rev() {
        if !trusts(&client) {
            break;
        }
        let Some(earlier) = earlier else { break };
        client = earlier.to_canonical();
    }
    client
}

/// The addresses a request passed through, client first, from `header`. `None` for a hop
/// that is not an IP address (`unknown`, a name).
fn forwarded_chain(headers: &HeaderMap, header: ForwardedHeader) -> Vec<Option<IpAddr>> {
    let values = |name| {
        headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect::<Vec<_>>()
    };
    match header {
        ForwardedHeader::Forwarded => values("forwarded")
            .into_iter()
            .map(|element| {
                element
                    .split(';')
                    .filter_map(|pair| pair.trim().split_once('='))
                    .find(|(key, _)| key.trim().eq_ignore_ascii_case("for"))
                    .and_then(|(_, value)| address(value.trim().trim_matches('"')))
            })
            .collect(),
        ForwardedHeader::XForwardedFor => {
            values("x-forwarded-for").into_iter().map(address).collect()
        }
    }
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
        let client = peer.map(|peer| {
            let (trusted, header) = (&state.trusted_proxies, state.forwarded_header);
            client_behind(peer.0.ip(), &parts.headers, trusted, header)
        });
        client.map(ClientAddr).ok_or_else(|| {
            tracing::error!(
                "no client address for a per-client limit: serve the router with \
                 `into_make_service_with_connect_info::<std::net::SocketAddr>()` (behind a \
                 reverse proxy, list it in ApiConfig::trusted_proxies too)"
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

    const XFF: ForwardedHeader = ForwardedHeader::XForwardedFor;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_claims() {
        let claims = headers(&[("x-forwarded-for", "1.2.3.4"), ("forwarded", "for=5.6.7.8")]);
        assert_eq!(
            client_behind(ip("9.9.9.9"), &claims, &[], XFF),
            ip("9.9.9.9")
        );
        let proxies = ["10.0.0.0/8".parse().unwrap()];
        assert_eq!(
            client_behind(ip("9.9.9.9"), &claims, &proxies, XFF),
            ip("9.9.9.9")
        );
    }

    #[test]
    fn behind_trusted_proxies_the_first_untrusted_hop_from_the_right_is_the_client() {
        let proxies = ["10.0.0.0/8".parse().unwrap()];
        // The client forged the leftmost entry; the proxies appended the rest.
        let chain = headers(&[("x-forwarded-for", "6.6.6.6, 1.2.3.4, 10.0.0.7")]);
        assert_eq!(
            client_behind(ip("10.0.0.1"), &chain, &proxies, XFF),
            ip("1.2.3.4")
        );
        let forwarded = headers(&[(
            "forwarded",
            r#"for=6.6.6.6, for="[2001:db8::1]:4711";proto=https, for=10.0.0.7"#,
        )]);
        let client = client_behind(
            ip("10.0.0.1"),
            &forwarded,
            &proxies,
            ForwardedHeader::Forwarded,
        );
        assert_eq!(client, ip("2001:db8::1"));
    }

    #[test]
    fn an_unreadable_hop_stops_at_the_nearest_readable_one() {
        let proxies = ["10.0.0.0/8".parse().unwrap()];
        let chain = headers(&[("x-forwarded-for", "1.2.3.4, unknown, 10.0.0.7")]);
        assert_eq!(
            client_behind(ip("10.0.0.1"), &chain, &proxies, XFF),
            ip("10.0.0.7")
        );
        let none = headers(&[]);
        assert_eq!(
            client_behind(ip("10.0.0.1"), &none, &proxies, XFF),
            ip("10.0.0.1")
        );
        let ports = headers(&[("x-forwarded-for", "1.2.3.4:5555")]);
        assert_eq!(
            client_behind(ip("10.0.0.1"), &ports, &proxies, XFF),
            ip("1.2.3.4")
        );
    }

    /// Proxies append to the header they write and pass the other one on as the client
    /// wrote it: only the configured header is read.
    #[test]
    fn only_the_header_the_proxy_writes_is_read() {
        let proxies = ["10.0.0.0/8".parse().unwrap()];
        let both = headers(&[
            ("forwarded", "for=198.51.100.7"),
            ("x-forwarded-for", "1.2.3.4"),
        ]);
        assert_eq!(
            client_behind(ip("10.0.0.1"), &both, &proxies, XFF),
            ip("1.2.3.4")
        );
        let forwarded = ForwardedHeader::Forwarded;
        let client = client_behind(ip("10.0.0.1"), &both, &proxies, forwarded);
        assert_eq!(client, ip("198.51.100.7"));
    }

    /// A dual-stack listener sees IPv4 peers as `::ffff:a.b.c.d`; IPv4 proxy networks
    /// still match them.
    #[test]
    fn mapped_ipv4_peers_are_read_as_ipv4() {
        let proxies = ["10.0.0.0/8".parse().unwrap()];
        let chain = headers(&[("x-forwarded-for", "::ffff:1.2.3.4")]);
        let client = client_behind(ip("::ffff:10.0.0.1"), &chain, &proxies, XFF);
        assert_eq!(client, ip("1.2.3.4"));
    }
}
