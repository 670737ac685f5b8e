//! The proxy rules of the environment, as curl and Go's net/http read them:
//! `HTTPS_PROXY` (or `HTTP_PROXY` for `http://` targets), unless the target
//! host matches an entry of `NO_PROXY`.
//!
//! `NO_PROXY` is a comma-separated list of entries: `*` (every host), a
//! domain (`example.com` or `.example.com`, matching it and its
//! subdomains), an IP address, or an IP range in CIDR notation
//! (`10.0.0.0/8`); an entry may name a port (`host:6443`), which then must
//! match too.

use std::net::IpAddr;

/// Whether `NO_PROXY` exempts `host` (a name or an IP, without brackets)
/// on `port`.
pub fn bypasses(no_proxy: &str, host: &str, port: u16) -> bool {
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase();
    let host_ip: Option<IpAddr> = host.parse().ok();
    no_proxy
        .split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .any(|entry| {
            if entry == "*" {
                return true;
            }
            let (pattern, entry_port) = split_port(entry);
            if entry_port.is_some_and(|p| p != port) {
                return false;
            }
            let pattern = pattern.to_ascii_lowercase();
            if let Some((net, bits)) = pattern.split_once('/') {
                return match (host_ip, net.parse::<IpAddr>(), bits.parse::<u8>()) {
                    (Some(ip), Ok(net), Ok(bits)) => in_range(ip, net, bits),
                    _ => false,
                };
            }
            if let (Some(ip), Ok(entry_ip)) = (host_ip, pattern.parse::<IpAddr>()) {
                return ip == entry_ip;
            }
            let domain = pattern.trim_start_matches("*.").trim_start_matches('.');
            !domain.is_empty() && (host == domain || host.ends_with(&format!(".{domain}")))
        })
}

/// `host:port` or `[v6]:port` into the host pattern and the port.
fn split_port(entry: &str) -> (&str, Option<u16>) {
    if let Some(rest) = entry.strip_prefix('[') {
        if let Some((ip, after)) = rest.split_once(']') {
            return (ip, after.strip_prefix(':').and_then(|p| p.parse().ok()));
        }
    }
    match entry.rsplit_once(':') {
        // One colon: a port. More: a bare IPv6 address.
        Some((host, port)) if !host.contains(':') => match port.parse() {
            Ok(p) => (host, Some(p)),
            Err(_) => (entry, None),
        },
        _ => (entry, None),
    }
}

fn in_range(ip: IpAddr, net: IpAddr, bits: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(ip), IpAddr::V4(net)) if bits <= 32 => {
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - bits)
            };
            u32::from(ip) & mask == u32::from(net) & mask
        }
        (IpAddr::V6(ip), IpAddr::V6(net)) if bits <= 128 => {
            let mask = if bits == 0 {
                0
            } else {
                u128::MAX << (128 - bits)
            };
            u128::from(ip) & mask == u128::from(net) & mask
        }
        _ => false,
    }
}

/// The proxy for a target, from the values of the environment variables
/// (`https_proxy` for `https://` targets, `http_proxy` for `http://` ones),
/// or `None` when there is none or `no_proxy` exempts the target.
pub fn proxy_for(
    scheme: &str,
    host: &str,
    port: u16,
    https_proxy: Option<&str>,
    http_proxy: Option<&str>,
    no_proxy: Option<&str>,
) -> Option<String> {
    let proxy = match scheme {
        "https" => https_proxy,
        _ => http_proxy,
    }
    .map(str::trim)
    .filter(|p| !p.is_empty())?;
    if no_proxy.is_some_and(|n| bypasses(n, host, port)) {
        return None;
    }
    Some(proxy.to_owned())
}

/// The proxy for a target from the environment, read through `var`:
/// `HTTPS_PROXY`, `HTTP_PROXY` and `NO_PROXY`, each also in lower case
/// (the upper-case one first), as curl and Go's net/http read them.
pub fn proxy_from_env(
    scheme: &str,
    host: &str,
    port: u16,
    var: impl Fn(&str) -> Option<String>,
) -> Option<String> {
    let read = |upper: &str| var(upper).or_else(|| var(&upper.to_ascii_lowercase()));
    proxy_for(
        scheme,
        host,
        port,
        read("HTTPS_PROXY").as_deref(),
        read("HTTP_PROXY").as_deref(),
        read("NO_PROXY").as_deref(),
    )
}

/// `~` or `~/…` at the start of a path, expanded with the home directory
/// (as the kubernetes provider does for `config_path`).
pub fn expand_home(path: &str, home: Option<&str>) -> String {
    match (path, home) {
        ("~", Some(h)) => h.to_owned(),
        (p, Some(h)) if p.starts_with("~/") => format!("{}/{}", h.trim_end_matches('/'), &p[2..]),
        (p, _) => p.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_environment_is_read_upper_case_first() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        let both = env(&[
            ("HTTPS_PROXY", "http://upper:1"),
            ("https_proxy", "http://lower:1"),
        ]);
        assert_eq!(
            proxy_from_env("https", "h", 443, both).as_deref(),
            Some("http://upper:1")
        );
        let lower = env(&[("https_proxy", "http://lower:1"), ("no_proxy", "h")]);
        assert_eq!(proxy_from_env("https", "h", 443, lower), None);
        let lower = env(&[("https_proxy", "http://lower:1"), ("no_proxy", "other")]);
        assert_eq!(
            proxy_from_env("https", "h", 443, lower).as_deref(),
            Some("http://lower:1")
        );
        let plain = env(&[("HTTP_PROXY", "http://p:3128")]);
        assert_eq!(
            proxy_from_env("http", "h", 80, plain).as_deref(),
            Some("http://p:3128")
        );
    }

    #[test]
    fn no_proxy_entries() {
        let list =
            "localhost, .corp.example, 10.0.0.0/8,192.168.1.5,api.internal:6443,[::1],fd00::/8";
        for (host, port) in [
            ("localhost", 443),
            ("corp.example", 443),
            ("k8s.corp.example", 6443),
            ("10.20.30.40", 6443),
            ("192.168.1.5", 443),
            ("api.internal", 6443),
            ("::1", 443),
            ("fd00::10", 6443),
            ("LOCALHOST", 1),
        ] {
            assert!(bypasses(list, host, port), "{host}:{port}");
        }
        for (host, port) in [
            ("example.com", 443),
            ("notcorp.example", 443),
            ("11.0.0.1", 443),
            ("192.168.1.6", 443),
            ("api.internal", 443),
            ("fe80::1", 443),
        ] {
            assert!(!bypasses(list, host, port), "{host}:{port}");
        }
        assert!(bypasses("*", "anything", 1));
        assert!(!bypasses("", "anything", 1));
        assert!(!bypasses("10.0.0.0/99", "10.0.0.1", 1));
    }

    #[test]
    fn the_proxy_follows_the_scheme_and_no_proxy() {
        let p = |scheme, host| {
            proxy_for(
                scheme,
                host,
                6443,
                Some("http://proxy:3128"),
                None,
                Some("10.0.0.0/8"),
            )
        };
        assert_eq!(
            p("https", "k8s.example.com").as_deref(),
            Some("http://proxy:3128")
        );
        assert_eq!(p("https", "10.1.2.3"), None);
        assert_eq!(
            p("http", "k8s.example.com"),
            None,
            "http targets use http_proxy"
        );
        assert_eq!(proxy_for("https", "h", 1, Some(" "), None, None), None);
    }

    #[test]
    fn home_is_expanded_at_the_start_only() {
        assert_eq!(
            expand_home("~/.kube/config", Some("/home/a")),
            "/home/a/.kube/config"
        );
        assert_eq!(expand_home("~", Some("/home/a/")), "/home/a/");
        assert_eq!(
            expand_home("/etc/kube/~/x", Some("/home/a")),
            "/etc/kube/~/x"
        );
        assert_eq!(expand_home("~/x", None), "~/x");
        assert_eq!(expand_home("~other/x", Some("/home/a")), "~other/x");
    }
}
