//! HTTPS GETs of an issuer's public documents, made the way AWS STS makes
//! them: no AWS credentials and no cookies, the server's certificate
//! verified, a redirect reported rather than followed, and bounds on the
//! time and the size of the answer.
//!
//! The certificate is verified against the Mozilla root store. For private
//! test setups, extra CA certificates may be given; the answer then says
//! whether the chain needed them ([`Fetched::publicly_trusted`]), since STS
//! accepts only public CAs.
//!
//! A proxy in `HTTPS_PROXY` (or `https_proxy`) is used through an HTTP
//! `CONNECT` tunnel unless `NO_PROXY` names the host, so the check works
//! from machines that reach the internet only through a proxy.

use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt as _, Empty, Limited};
use hyper_util::rt::TokioIo;
use rustls::pki_types::ServerName;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

use crate::domain::proxy;
use crate::tls;

/// The most a document may weigh.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// How long one fetch may take, connecting included.
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(15);

/// A fetched document.
#[derive(Clone, Debug)]
pub struct Fetched {
    pub body: String,
    /// The DER certificates the server presented, its own first.
    pub chain: Vec<Vec<u8>>,
    /// Whether the chain verified against the public root store alone.
    pub publicly_trusted: bool,
}

/// Why a document could not be fetched.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("{url:?} is not an https:// URL with a host")]
    BadUrl { url: String },
    #[error("the extra CA certificates cannot be used: {0}")]
    BadCa(String),
    #[error("cannot connect to {host}:{port}: {message}")]
    Connect {
        host: String,
        port: u16,
        message: String,
    },
    #[error("the proxy {proxy} did not open a tunnel to {host}:{port}: {message}")]
    Proxy {
        proxy: String,
        host: String,
        port: u16,
        message: String,
    },
    #[error("the TLS handshake with {host}:{port} failed: {message}")]
    Tls {
        host: String,
        port: u16,
        message: String,
    },
    #[error("no answer from {url} within {FETCH_TIMEOUT:?}")]
    Timeout { url: String },
    #[error("{url} answered HTTP {status} with Location {location:?}: a redirect, which STS does not follow")]
    Redirect {
        url: String,
        status: u16,
        location: String,
    },
    #[error("{url} answered HTTP {status}{excerpt}")]
    Status {
        url: String,
        status: u16,
        excerpt: String,
    },
    #[error("the answer of {url} is larger than {MAX_BODY_BYTES} bytes")]
    TooLarge { url: String },
    #[error("the answer of {url} is not UTF-8 text")]
    NotText { url: String },
    #[error("HTTP error from {url}: {message}")]
    Http { url: String, message: String },
}

/// `url` split for a request: host, port, and the path with its query.
fn split(url: &str) -> Result<(String, u16, String), FetchError> {
    let bad = || FetchError::BadUrl {
        url: url.to_owned(),
    };
    let (host, port) = tls::host_port(url).map_err(|_| bad())?;
    let rest = url.strip_prefix("https://").ok_or_else(bad)?;
    let path = match rest.find('/') {
        Some(i) => rest[i..].split('#').next().unwrap_or("/").to_owned(),
        None => "/".to_owned(),
    };
    Ok((host, port, path))
}

fn roots(extra_ca: Option<&str>) -> Result<rustls::RootCertStore, FetchError> {
    tls::root_store(extra_ca).map_err(|e| match e {
        tls::TlsProbeError::BadCaPem(reason) => FetchError::BadCa(reason),
        other => FetchError::BadCa(other.to_string()),
    })
}

fn client_config(roots: rustls::RootCertStore) -> Arc<rustls::ClientConfig> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("the aws-lc-rs provider supports the default versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Arc::new(config)
}

/// The proxy the environment names for `host:port`, if any.
fn env_proxy(host: &str, port: u16) -> Option<String> {
    proxy::proxy_from_env("https", host, port, |k| std::env::var(k).ok())
}

/// A TCP stream to `host:port`, directly or through the proxy's tunnel.
async fn open(host: &str, port: u16) -> Result<TcpStream, FetchError> {
    let Some(proxy_url) = env_proxy(host, port) else {
        return TcpStream::connect((host, port))
            .await
            .map_err(|e| FetchError::Connect {
                host: host.to_owned(),
                port,
                message: e.to_string(),
            });
    };
    let proxy_err = |message: String| FetchError::Proxy {
        proxy: proxy_url.clone(),
        host: host.to_owned(),
        port,
        message,
    };
    let authority = proxy_url
        .strip_prefix("http://")
        .ok_or_else(|| proxy_err("only http:// proxies are supported".into()))?
        .split('/')
        .next()
        .unwrap_or_default();
    if authority.contains('@') {
        return Err(proxy_err(
            "proxy credentials in the URL are not supported".into(),
        ));
    }
    let proxy_addr = if authority.contains(':') {
        authority.to_owned()
    } else {
        format!("{authority}:80")
    };
    let mut tcp = TcpStream::connect(&proxy_addr)
        .await
        .map_err(|e| proxy_err(e.to_string()))?;
    let target = if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    };
    tcp.write_all(format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n").as_bytes())
        .await
        .map_err(|e| proxy_err(e.to_string()))?;
    // Read the proxy's answer up to the blank line, byte by byte, so that
    // nothing of the tunnel is consumed.
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() > 8192 {
            return Err(proxy_err("the proxy's answer is too long".into()));
        }
        let mut byte = [0u8; 1];
        let n = tcp
            .read(&mut byte)
            .await
            .map_err(|e| proxy_err(e.to_string()))?;
        if n == 0 {
            return Err(proxy_err("the proxy closed the connection".into()));
        }
        head.push(byte[0]);
    }
    let status_line = String::from_utf8_lossy(&head);
    let status_line = status_line.lines().next().unwrap_or_default();
    let code = status_line.split_whitespace().nth(1).unwrap_or_default();
    if !code.starts_with('2') {
        return Err(proxy_err(format!("it answered {status_line:?}")));
    }
    Ok(tcp)
}

/// The TLS stream, and whether the public roots alone verified it.
async fn connect_tls(
    host: &str,
    port: u16,
    extra_ca: Option<&str>,
) -> Result<(tokio_rustls::client::TlsStream<TcpStream>, bool), FetchError> {
    let name = ServerName::try_from(host.to_owned()).map_err(|_| FetchError::BadUrl {
        url: format!("https://{host}"),
    })?;
    let tls_err = |message: String| FetchError::Tls {
        host: host.to_owned(),
        port,
        message,
    };
    let public = tokio_rustls::TlsConnector::from(client_config(roots(None)?));
    match public.connect(name.clone(), open(host, port).await?).await {
        Ok(stream) => Ok((stream, true)),
        Err(e) if extra_ca.is_none() => Err(tls_err(e.to_string())),
        Err(_) => {
            let private = tokio_rustls::TlsConnector::from(client_config(roots(extra_ca)?));
            let stream = private
                .connect(name, open(host, port).await?)
                .await
                .map_err(|e| tls_err(e.to_string()))?;
            Ok((stream, false))
        }
    }
}

/// GET `url` as STS does. Only a 200 answer with a text body counts.
pub async fn get(url: &str, extra_ca: Option<&str>) -> Result<Fetched, FetchError> {
    match tokio::time::timeout(FETCH_TIMEOUT, get_inner(url, extra_ca)).await {
        Ok(result) => result,
        Err(_) => Err(FetchError::Timeout {
            url: url.to_owned(),
        }),
    }
}

async fn get_inner(url: &str, extra_ca: Option<&str>) -> Result<Fetched, FetchError> {
    let (host, port, path) = split(url)?;
    let (stream, publicly_trusted) = connect_tls(&host, port, extra_ca).await?;
    let chain: Vec<Vec<u8>> = stream
        .get_ref()
        .1
        .peer_certificates()
        .unwrap_or_default()
        .iter()
        .map(|c| c.as_ref().to_vec())
        .collect();
    let http_err = |e: &dyn std::fmt::Display| FetchError::Http {
        url: url.to_owned(),
        message: e.to_string(),
    };
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| http_err(&e))?;
    let driver = tokio::spawn(connection);
    let authority = if port == 443 {
        host.clone()
    } else {
        format!("{host}:{port}")
    };
    let request = http::Request::get(path)
        .header(http::header::HOST, authority)
        .header(http::header::ACCEPT, "application/json")
        .header(
            http::header::USER_AGENT,
            concat!(
                "terraform-provider-irsa/",
                env!("CARGO_PKG_VERSION"),
                " trust-check"
            ),
        )
        .body(Empty::<bytes::Bytes>::new())
        .map_err(|e| http_err(&e))?;
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| http_err(&e))?;
    let status = response.status();
    if status.is_redirection() {
        driver.abort();
        let location = response
            .headers()
            .get(http::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        return Err(FetchError::Redirect {
            url: url.to_owned(),
            status: status.as_u16(),
            location,
        });
    }
    let body = Limited::new(response.into_body(), MAX_BODY_BYTES)
        .collect()
        .await
        .map_err(|e| {
            if e.downcast_ref::<http_body_util::LengthLimitError>()
                .is_some()
            {
                FetchError::TooLarge {
                    url: url.to_owned(),
                }
            } else {
                http_err(&e)
            }
        })?
        .to_bytes();
    driver.abort();
    if status != http::StatusCode::OK {
        // S3's error codes (NoSuchKey, AccessDenied, PermanentRedirect) are
        // worth quoting; the rest of the body is not.
        let text = String::from_utf8_lossy(&body);
        let code = text
            .split_once("<Code>")
            .and_then(|(_, rest)| rest.split_once("</Code>"))
            .map(|(code, _)| format!(" ({code})"))
            .unwrap_or_default();
        return Err(FetchError::Status {
            url: url.to_owned(),
            status: status.as_u16(),
            excerpt: code,
        });
    }
    let body = String::from_utf8(body.to_vec()).map_err(|_| FetchError::NotText {
        url: url.to_owned(),
    })?;
    Ok(Fetched {
        body,
        chain,
        publicly_trusted,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_split_into_host_port_and_path() {
        assert_eq!(
            split("https://b.s3.eu-west-1.amazonaws.com/p/.well-known/openid-configuration")
                .unwrap(),
            (
                "b.s3.eu-west-1.amazonaws.com".into(),
                443,
                "/p/.well-known/openid-configuration".into()
            )
        );
        assert_eq!(
            split("https://h:8443").unwrap(),
            ("h".into(), 8443, "/".into())
        );
        assert_eq!(
            split("https://h/a?b#c").unwrap(),
            ("h".into(), 443, "/a?b".into())
        );
        assert!(matches!(
            split("http://h/x"),
            Err(FetchError::BadUrl { .. })
        ));
    }

    #[test]
    fn extra_ca_text_without_certificates_is_refused() {
        assert!(matches!(roots(Some("junk")), Err(FetchError::BadCa(_))));
    }
}
