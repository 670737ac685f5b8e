//! The certificate chain an HTTPS server presents, for the thumbprint IAM
//! asks of an OIDC provider: the SHA-1 fingerprint of the topmost
//! certificate the server sends (the last one of its chain).
//!
//! The chain is verified against the Mozilla root store (and any extra
//! roots the caller gives) before it is trusted: a thumbprint taken from an
//! unverified connection could be an attacker's.

use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::{CertificateDer, ServerName};
use sha1::{Digest, Sha1};
use tokio::net::TcpStream;

/// How long connecting and the TLS handshake may take together.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, thiserror::Error)]
pub enum TlsProbeError {
    /// The URL is not `https://host[:port][/path]`.
    #[error("{url:?} is not an https:// URL with a host")]
    BadUrl { url: String },

    /// `ca_certificate_pem` holds no usable certificate.
    #[error("the CA certificate PEM cannot be used: {0}")]
    BadCaPem(String),

    /// No TCP connection.
    #[error("cannot connect to {host}:{port}: {message}")]
    Connect {
        host: String,
        port: u16,
        message: String,
    },

    /// The handshake failed, e.g. because the chain is not trusted.
    #[error("TLS handshake with {host}:{port} failed: {message}. If the server's chain is not publicly trusted, give its root CA in ca_certificate_pem")]
    Handshake {
        host: String,
        port: u16,
        message: String,
    },

    /// Nothing happened within [`PROBE_TIMEOUT`].
    #[error("no TLS handshake with {host}:{port} within {PROBE_TIMEOUT:?}")]
    Timeout { host: String, port: u16 },

    /// The server sent no certificate.
    #[error("{host}:{port} sent no certificate")]
    NoCertificate { host: String, port: u16 },
}

impl TlsProbeError {
    /// The attribute a refusal belongs to: the CA certificates when they
    /// are unusable, else the URL's attribute, `url`.
    pub fn attribute<'a>(&self, url: &'a str) -> &'a str {
        match self {
            TlsProbeError::BadCaPem(_) => "ca_certificate_pem",
            _ => url,
        }
    }
}

/// The host and port of an `https://` URL.
pub fn host_port(url: &str) -> Result<(String, u16), TlsProbeError> {
    let bad = || TlsProbeError::BadUrl {
        url: url.to_owned(),
    };
    let rest = url.strip_prefix("https://").ok_or_else(bad)?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        return Err(bad());
    }
    let (host, port) = if let Some(inner) = authority.strip_prefix('[') {
        let (host, after) = inner.split_once(']').ok_or_else(bad)?;
        (host, after.strip_prefix(':'))
    } else {
        match authority.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    if host.is_empty() {
        return Err(bad());
    }
    let port = match port {
        Some(p) => p.parse::<u16>().ok().filter(|p| *p != 0).ok_or_else(bad)?,
        None => 443,
    };
    Ok((host.to_owned(), port))
}

/// Lower-case hex SHA-1 of a DER certificate.
pub fn sha1_thumbprint(der: &[u8]) -> String {
    Sha1::digest(der)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The Mozilla root store, plus the CA certificates of `ca_pem` (PEM
/// `CERTIFICATE` blocks; at least one when given).
pub fn root_store(ca_pem: Option<&str>) -> Result<rustls::RootCertStore, TlsProbeError> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(text) = ca_pem {
        let blocks = pem::parse_many(text).map_err(|e| TlsProbeError::BadCaPem(e.to_string()))?;
        let certs: Vec<_> = blocks
            .into_iter()
            .filter(|b| b.tag() == "CERTIFICATE")
            .collect();
        if certs.is_empty() {
            return Err(TlsProbeError::BadCaPem("no CERTIFICATE block found".into()));
        }
        for c in certs {
            roots
                .add(CertificateDer::from(c.into_contents()))
                .map_err(|e| TlsProbeError::BadCaPem(e.to_string()))?;
        }
    }
    Ok(roots)
}

fn client_config(ca_pem: Option<&str>) -> Result<rustls::ClientConfig, TlsProbeError> {
    let roots = root_store(ca_pem)?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("the aws-lc-rs provider supports the default versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(config)
}

/// The DER certificates `url`'s server presents, in the order it sends
/// them (its own certificate first), after verifying them.
pub async fn presented_chain(
    url: &str,
    ca_pem: Option<&str>,
) -> Result<Vec<Vec<u8>>, TlsProbeError> {
    let (host, port) = host_port(url)?;
    let config = client_config(ca_pem)?;
    let name = ServerName::try_from(host.clone()).map_err(|_| TlsProbeError::BadUrl {
        url: url.to_owned(),
    })?;
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let handshake = async {
        let tcp = TcpStream::connect((host.as_str(), port))
            .await
            .map_err(|e| TlsProbeError::Connect {
                host: host.clone(),
                port,
                message: e.to_string(),
            })?;
        connector
            .connect(name, tcp)
            .await
            .map_err(|e| TlsProbeError::Handshake {
                host: host.clone(),
                port,
                message: e.to_string(),
            })
    };
    let tls = tokio::time::timeout(PROBE_TIMEOUT, handshake)
        .await
        .map_err(|_| TlsProbeError::Timeout {
            host: host.clone(),
            port,
        })??;
    let (_, conn) = tls.get_ref();
    let chain: Vec<Vec<u8>> = conn
        .peer_certificates()
        .unwrap_or_default()
        .iter()
        .map(|c| c.as_ref().to_vec())
        .collect();
    if chain.is_empty() {
        return Err(TlsProbeError::NoCertificate { host, port });
    }
    Ok(chain)
}

/// The thumbprint IAM expects for `url`: SHA-1 of the last certificate the
/// server presents.
pub async fn top_certificate_thumbprint(
    url: &str,
    ca_pem: Option<&str>,
) -> Result<String, TlsProbeError> {
    let chain = presented_chain(url, ca_pem).await?;
    Ok(sha1_thumbprint(chain.last().expect("chain is not empty")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_give_host_and_port() {
        let ok = |u: &str| host_port(u).unwrap();
        assert_eq!(ok("https://example.com"), ("example.com".into(), 443));
        assert_eq!(
            ok("https://example.com:8443/a?b#c"),
            ("example.com".into(), 8443)
        );
        assert_eq!(ok("https://[::1]:9443/x"), ("::1".into(), 9443));
        assert_eq!(ok("https://127.0.0.1/x"), ("127.0.0.1".into(), 443));
        for bad in [
            "http://example.com",
            "https://",
            "https://h:0",
            "https://h:x",
            "https://u@h",
        ] {
            assert!(host_port(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn thumbprint_is_lowercase_sha1_hex() {
        // SHA-1("abc"), from FIPS 180.
        assert_eq!(
            sha1_thumbprint(b"abc"),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
    }

    #[test]
    fn a_pem_without_certificates_is_refused() {
        assert!(matches!(
            client_config(Some("nothing here")),
            Err(TlsProbeError::BadCaPem(_))
        ));
    }
}
