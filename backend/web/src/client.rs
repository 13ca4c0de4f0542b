//! The client's address, for sign-in throttling: the socket's peer, or behind a known number
//! of trusted reverse proxies the entry of `X-Forwarded-For` that the outermost trusted proxy
//! wrote. Entries further left were written by the client and prove nothing.

use std::net::IpAddr;

use actix_web::HttpRequest;
use actix_web::http::header::HeaderName;

/// The address `trusted_proxies` places from the right of the forwarded-for chain (every
/// `X-Forwarded-For` header, in order, then comma-split). With no trusted proxy, or a chain
/// shorter than the proxies that should have written it, the socket's peer. An entry that is
/// not an IP address is not trusted either.
pub fn client_address(peer: Option<IpAddr>, forwarded_for: &[&str], trusted_proxies: u8) -> String {
    let fallback = || peer.map_or_else(|| "unknown".to_string(), |p| p.to_string());
    if trusted_proxies == 0 {
        return fallback();
    }
    let chain: Vec<&str> = forwarded_for
        .iter()
        .flat_map(|h| h.split(','))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    let n = usize::from(trusted_proxies);
    if chain.len() < n {
        return fallback();
    }
    parse_ip(chain[chain.len() - n]).map_or_else(fallback, |ip| ip.to_string())
}

/// An address as proxies write it: `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1`, `[2001:db8::1]:443`.
fn parse_ip(s: &str) -> Option<IpAddr> {
    if let Ok(ip) = s.parse() {
        return Some(ip);
    }
    if let Ok(sa) = s.parse::<std::net::SocketAddr>() {
        return Some(sa.ip());
    }
    s.trim_matches(['[', ']']).parse().ok()
}

/// The client's address of a request.
pub fn client_ip(req: &HttpRequest, trusted_proxies: u8) -> String {
    let name = HeaderName::from_static("x-forwarded-for");
    let headers: Vec<&str> = req
        .headers()
        .get_all(&name)
        .filter_map(|v| v.to_str().ok())
        .collect();
    client_address(req.peer_addr().map(|a| a.ip()), &headers, trusted_proxies)
}

impl crate::AppState {
    /// The client's address for throttling, as the configured proxies report it.
    pub fn client_ip(&self, req: &actix_web::HttpRequest) -> String {
        client_ip(req, self.trusted_proxies)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peer() -> Option<IpAddr> {
        Some("10.0.0.9".parse().unwrap())
    }

    #[test]
    fn without_trusted_proxies_the_socket_address_counts_whatever_the_header_says() {
        assert_eq!(client_address(peer(), &["6.6.6.6"], 0), "10.0.0.9");
        assert_eq!(client_address(None, &[], 0), "unknown");
    }

    #[test]
    fn the_entry_the_trusted_proxy_wrote_counts_not_the_leftmost_one_the_client_chose() {
        // The client sent "X-Forwarded-For: 6.6.6.6"; our one proxy appended the real address.
        assert_eq!(
            client_address(peer(), &["6.6.6.6, 203.0.113.7"], 1),
            "203.0.113.7"
        );
        // Two proxies: the outer one wrote the client's address, the inner one the outer's.
        assert_eq!(
            client_address(peer(), &["6.6.6.6, 203.0.113.7", "192.168.1.2"], 2),
            "203.0.113.7"
        );
        assert_eq!(
            client_address(peer(), &["[2001:db8::1]:443"], 1),
            "2001:db8::1"
        );
        assert_eq!(
            client_address(peer(), &["198.51.100.4:5678"], 1),
            "198.51.100.4"
        );
    }

    #[test]
    fn a_short_chain_or_garbage_falls_back_to_the_socket_address() {
        assert_eq!(client_address(peer(), &[], 1), "10.0.0.9");
        assert_eq!(client_address(peer(), &["203.0.113.7"], 2), "10.0.0.9");
        assert_eq!(client_address(peer(), &["not-an-ip"], 1), "10.0.0.9");
    }
}
