//! The service-account issuer URL.
//!
//! The same string is given to kube-apiserver (`--service-account-issuer`),
//! written as `iss` in every token, served as `issuer` in the discovery
//! document and registered as the IAM OIDC provider. Each of these compares
//! it byte for byte, so the checks here refuse anything that could be
//! normalised differently along the way.

/// Longest URL AWS IAM accepts for an OIDC provider.
pub const MAX_ISSUER_URL_LEN: usize = 255;

/// The only accepted scheme.
const HTTPS: &str = "https://";

/// Why an issuer URL cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IssuerUrlError {
    /// The URL is empty.
    #[error("the issuer URL is empty; set it to the public https URL that serves the OIDC discovery document, e.g. \"https://oidc.example.com/my-cluster\"")]
    Empty,

    /// The URL contains whitespace or control characters.
    #[error("the issuer URL {url:?} contains whitespace or a control character; remove it (check for a trailing newline from a file)")]
    Whitespace {
        /// The URL as given.
        url: String,
    },

    /// The URL is longer than IAM allows.
    #[error("the issuer URL is {len} characters long; AWS IAM accepts at most 255. Use a shorter host or path")]
    TooLong {
        /// Length of the URL in bytes.
        len: usize,
    },

    /// The scheme is not exactly `https://`.
    #[error("the issuer URL {url:?} must start with \"https://\" (lower case): AWS IAM only trusts OIDC issuers served over HTTPS. Use {:?}", https_suggestion(url))]
    NotHttps {
        /// The URL as given.
        url: String,
    },

    /// The host has upper-case letters.
    #[error("the issuer URL {url:?} has upper-case letters in its host; write the host in lower case ({:?}), since host names are case-insensitive and some components lower-case them, which would make the issuer differ byte for byte", host.to_ascii_lowercase())]
    UppercaseHost {
        /// The URL as given.
        url: String,
        /// The host part.
        host: String,
    },

    /// The URL has user information (`user@` or `user:password@`).
    #[error("the issuer URL {url:?} contains user information (\"...@\"); an issuer URL cannot carry credentials. Remove everything up to and including the \"@\"")]
    UserInfo {
        /// The URL as given.
        url: String,
    },

    /// The URL has no host.
    #[error("the issuer URL {url:?} has no host; use a URL like \"https://oidc.example.com/my-cluster\"")]
    MissingHost {
        /// The URL as given.
        url: String,
    },

    /// The host is not a valid DNS name or IP address.
    #[error("the issuer URL {url:?} has an invalid host {host:?}; use a DNS name (letters, digits, '-' and '.') or an IP address")]
    InvalidHost {
        /// The URL as given.
        url: String,
        /// The host part.
        host: String,
    },

    /// The port is not a number from 1 to 65535.
    #[error("the issuer URL {url:?} has an invalid port {port:?}; use a number from 1 to 65535, or leave the port out for 443")]
    InvalidPort {
        /// The URL as given.
        url: String,
        /// The text after the ':'.
        port: String,
    },

    /// The URL has a query string.
    #[error("the issuer URL {url:?} has a query string (\"?...\"); OIDC issuer URLs cannot have one. Remove it")]
    Query {
        /// The URL as given.
        url: String,
    },

    /// The URL has a fragment.
    #[error("the issuer URL {url:?} has a fragment (\"#...\"); OIDC issuer URLs cannot have one. Remove it")]
    Fragment {
        /// The URL as given.
        url: String,
    },

    /// The path contains a character that would have to be percent-encoded,
    /// or a percent-encoding, either of which may be normalised differently.
    #[error("the issuer URL {url:?} contains the character {character:?} in its path; use only letters, digits and - . _ ~ / so the URL is not rewritten on the way")]
    InvalidPathCharacter {
        /// The URL as given.
        url: String,
        /// The offending character.
        character: char,
    },

    /// The path has an empty segment (`//`).
    #[error("the issuer URL {url:?} has an empty path segment (\"//\"); remove the extra slash")]
    EmptyPathSegment {
        /// The URL as given.
        url: String,
    },

    /// The path has a `.` or `..` segment, which URL normalisation removes.
    #[error("the issuer URL {url:?} has a \".\" or \"..\" path segment, which clients may resolve away; write the path without it")]
    DotSegment {
        /// The URL as given.
        url: String,
    },

    /// The URL ends with a slash.
    #[error("the issuer URL {url:?} ends with a slash. IAM and kube-apiserver compare the issuer byte for byte, so \"https://x/\" and \"https://x\" are different issuers; remove the trailing slash: {:?}", url.trim_end_matches('/'))]
    TrailingSlash {
        /// The URL as given.
        url: String,
    },
}

/// Checks that `url` is a usable service-account issuer.
///
/// Rules: exactly `https://`, a host (DNS name, IPv4 or bracketed IPv6,
/// optional port), an optional path of plain segments, and no trailing
/// slash, query, fragment, user information or whitespace; at most 255
/// characters.
pub fn validate_issuer_url(url: &str) -> Result<(), IssuerUrlError> {
    let owned = || url.to_string();
    if url.is_empty() {
        return Err(IssuerUrlError::Empty);
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(IssuerUrlError::Whitespace { url: owned() });
    }
    if url.len() > MAX_ISSUER_URL_LEN {
        return Err(IssuerUrlError::TooLong { len: url.len() });
    }
    let rest = url
        .strip_prefix(HTTPS)
        .ok_or_else(|| IssuerUrlError::NotHttps { url: owned() })?;
    if rest.contains('#') {
        return Err(IssuerUrlError::Fragment { url: owned() });
    }
    if rest.contains('?') {
        return Err(IssuerUrlError::Query { url: owned() });
    }
    let (authority, path) = match rest.find('/') {
        Some(slash) => rest.split_at(slash),
        None => (rest, ""),
    };
    validate_authority(url, authority)?;
    validate_path(url, path)
}

/// `url` rewritten with a lower-case `https://` scheme, for error advice.
fn https_suggestion(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    format!("{HTTPS}{rest}")
}

/// Checks `host[:port]`.
fn validate_authority(url: &str, authority: &str) -> Result<(), IssuerUrlError> {
    if authority.contains('@') {
        return Err(IssuerUrlError::UserInfo {
            url: url.to_string(),
        });
    }
    let (host, port) = split_host_port(authority);
    if host.is_empty() {
        return Err(IssuerUrlError::MissingHost {
            url: url.to_string(),
        });
    }
    if !is_valid_host(host) {
        return Err(IssuerUrlError::InvalidHost {
            url: url.to_string(),
            host: host.to_string(),
        });
    }
    if host.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(IssuerUrlError::UppercaseHost {
            url: url.to_string(),
            host: host.to_string(),
        });
    }
    if let Some(port) = port {
        let valid = !port.is_empty()
            && port.bytes().all(|b| b.is_ascii_digit())
            && port.parse::<u16>().is_ok_and(|p| p != 0);
        if !valid {
            return Err(IssuerUrlError::InvalidPort {
                url: url.to_string(),
                port: port.to_string(),
            });
        }
    }
    Ok(())
}

/// Splits `host[:port]`, keeping IPv6 brackets with the host.
fn split_host_port(authority: &str) -> (&str, Option<&str>) {
    let host_end = if authority.starts_with('[') {
        authority.find(']').map_or(authority.len(), |i| i + 1)
    } else {
        authority.find(':').unwrap_or(authority.len())
    };
    let (host, rest) = authority.split_at(host_end);
    match rest.strip_prefix(':') {
        Some(port) => (host, Some(port)),
        None if rest.is_empty() => (host, None),
        // Text after "]" that is not ":port": report it as part of the host.
        None => (authority, None),
    }
}

/// Whether `host` is a DNS name, an IPv4 address or a bracketed IPv6 address.
fn is_valid_host(host: &str) -> bool {
    if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return inner.parse::<std::net::Ipv6Addr>().is_ok();
    }
    host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

/// Checks the path: plain segments, no `//`, no trailing slash.
fn validate_path(url: &str, path: &str) -> Result<(), IssuerUrlError> {
    if let Some(character) = path
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~' | '/')))
    {
        return Err(IssuerUrlError::InvalidPathCharacter {
            url: url.to_string(),
            character,
        });
    }
    if path.ends_with('/') {
        return Err(IssuerUrlError::TrailingSlash {
            url: url.to_string(),
        });
    }
    if path.contains("//") {
        return Err(IssuerUrlError::EmptyPathSegment {
            url: url.to_string(),
        });
    }
    if path
        .split('/')
        .any(|segment| segment == "." || segment == "..")
    {
        return Err(IssuerUrlError::DotSegment {
            url: url.to_string(),
        });
    }
    Ok(())
}

/// The issuer without its `https://` scheme: the prefix of IAM condition
/// keys such as `oidc.example.com/my-cluster:sub`. Returns `url` unchanged
/// if it does not start with `https://`.
pub fn issuer_host_path(url: &str) -> &str {
    url.strip_prefix(HTTPS).unwrap_or(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The error for `url`, which must be invalid.
    fn error(url: &str) -> IssuerUrlError {
        validate_issuer_url(url).expect_err(url)
    }

    #[test]
    fn valid_urls() {
        for url in [
            "https://oidc.example.com",
            "https://oidc.example.com/cluster-a",
            "https://my-bucket.s3.eu-west-1.amazonaws.com/clusters/prod_1.v2~x",
            "https://oidc.example.com:8443/cluster",
            "https://oidc.example.com:443",
            "https://10.0.0.1/cluster",
            "https://[2001:db8::1]:8443/cluster",
            "https://localhost",
        ] {
            assert_eq!(validate_issuer_url(url), Ok(()), "{url}");
        }
    }

    #[test]
    fn trailing_slash_is_explained() {
        for url in [
            "https://oidc.example.com/",
            "https://oidc.example.com/cluster/",
        ] {
            assert_eq!(
                error(url),
                IssuerUrlError::TrailingSlash { url: url.into() }
            );
        }
        let message = error("https://x/").to_string();
        assert!(message.contains("byte for byte"), "{message}");
        assert!(
            message.contains("\"https://x/\" and \"https://x\" are different issuers"),
            "{message}"
        );
        assert!(message.ends_with("\"https://x\""), "{message}");
    }

    #[test]
    fn scheme_must_be_https() {
        for url in [
            "http://oidc.example.com",
            "HTTPS://oidc.example.com",
            "oidc.example.com",
            "s3://bucket/path",
        ] {
            assert_eq!(
                error(url),
                IssuerUrlError::NotHttps { url: url.into() },
                "{url}"
            );
        }
        let message = error("http://oidc.example.com/c").to_string();
        assert!(
            message.contains("\"https://oidc.example.com/c\""),
            "{message}"
        );
        assert!(error("oidc.example.com")
            .to_string()
            .contains("\"https://oidc.example.com\""));
    }

    #[test]
    fn query_and_fragment_are_refused() {
        assert_eq!(
            error("https://x.example/c?a=b"),
            IssuerUrlError::Query {
                url: "https://x.example/c?a=b".into()
            }
        );
        assert_eq!(
            error("https://x.example?"),
            IssuerUrlError::Query {
                url: "https://x.example?".into()
            }
        );
        assert_eq!(
            error("https://x.example/c#frag"),
            IssuerUrlError::Fragment {
                url: "https://x.example/c#frag".into()
            }
        );
    }

    #[test]
    fn other_rules() {
        assert_eq!(error(""), IssuerUrlError::Empty);
        assert!(matches!(
            error("https://x.example/c\n"),
            IssuerUrlError::Whitespace { .. }
        ));
        assert!(matches!(
            error(" https://x.example"),
            IssuerUrlError::Whitespace { .. }
        ));
        assert!(matches!(
            error("https://user:pw@x.example"),
            IssuerUrlError::UserInfo { .. }
        ));
        assert!(matches!(
            error("https://"),
            IssuerUrlError::MissingHost { .. }
        ));
        assert!(matches!(
            error("https:///path"),
            IssuerUrlError::MissingHost { .. }
        ));
        assert!(matches!(
            error("https://:443"),
            IssuerUrlError::MissingHost { .. }
        ));
        for host in [
            "x_y.example",
            "-x.example",
            "x..example",
            "x.example.",
            "[::zz]",
            "[::1]x",
        ] {
            assert!(
                matches!(
                    error(&format!("https://{host}/c")),
                    IssuerUrlError::InvalidHost { .. }
                ),
                "{host}"
            );
        }
        assert!(matches!(
            error("https://X.Example/c"),
            IssuerUrlError::UppercaseHost { .. }
        ));
        for port in ["", "0", "65536", "44a", "-1"] {
            assert_eq!(
                error(&format!("https://x.example:{port}/c")),
                IssuerUrlError::InvalidPort {
                    url: format!("https://x.example:{port}/c"),
                    port: port.into()
                }
            );
        }
        assert_eq!(
            error("https://x.example/a%20b"),
            IssuerUrlError::InvalidPathCharacter {
                url: "https://x.example/a%20b".into(),
                character: '%'
            }
        );
        assert!(matches!(
            error("https://x.example/a//b"),
            IssuerUrlError::EmptyPathSegment { .. }
        ));
        assert!(matches!(
            error("https://x.example/a/../b"),
            IssuerUrlError::DotSegment { .. }
        ));
        let long = format!("https://x.example/{}", "a".repeat(240));
        assert_eq!(error(&long), IssuerUrlError::TooLong { len: long.len() });
    }

    #[test]
    fn host_path_strips_the_scheme() {
        assert_eq!(
            issuer_host_path("https://oidc.example.com/cluster"),
            "oidc.example.com/cluster"
        );
        assert_eq!(
            issuer_host_path("https://oidc.example.com"),
            "oidc.example.com"
        );
        assert_eq!(issuer_host_path("oidc.example.com"), "oidc.example.com");
    }
}
