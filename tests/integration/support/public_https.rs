//! A stand-in for the public HTTPS internet, as AWS STS sees it.
//!
//! STS fetches an issuer's `/.well-known/openid-configuration` and its
//! `jwks_uri` over public HTTPS: no credentials, the certificate verified,
//! redirects not followed. Issuers published in S3 live at URLs such as
//! `https://<bucket>.s3.<region>.amazonaws.com/<prefix>`, which cannot be
//! reached from here, and the objects themselves are in moto on 127.0.0.1.
//!
//! [`PublicEndpoint`] joins the two: an HTTP proxy on 127.0.0.1 that takes
//! `CONNECT host:port`, answers `200 Connection established`, and then ends
//! TLS itself inside the tunnel, with a certificate for the name the client
//! asked for (SNI), issued on demand by a CA made at start ([`ca_pem`]).
//! Requests inside the tunnel to an S3 host are served from moto, fetched
//! anonymously (no signature), so the bucket's policy and ACLs decide as
//! they would for STS. A client that honours `HTTPS_PROXY` ([`env`]) and
//! trusts the CA sees public S3.
//!
//! A host `<id>.cloudfront.net` is answered as CloudFront would answer it:
//! the distribution with that domain is looked up in moto, and its origin
//! (an S3 host) is read. Through an Origin Access Control that signs
//! always, the object is read only when the bucket policy lets the service
//! principal `cloudfront.amazonaws.com` read it for this distribution
//! (`AWS:SourceArn`), as S3 decides for CloudFront; without one, the read
//! is anonymous, as for any viewer.
//!
//! Knobs make it misbehave the way the public side can: a permanent
//! redirect for a host ([`redirect`]), a fixed answer for one URL
//! ([`override_body`]). Every request is recorded ([`requests`]), with
//! whether it carried credentials.
//!
//! [`ca_pem`]: PublicEndpoint::ca_pem
//! [`env`]: PublicEndpoint::env
//! [`redirect`]: PublicEndpoint::redirect
//! [`override_body`]: PublicEndpoint::override_body
//! [`requests`]: PublicEndpoint::requests

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use super::background::{test_ca, Background};

/// The hosts [`PublicEndpoint::env`] keeps off the proxy: moto and the
/// stand-in API server are reached directly.
pub const NO_PROXY: &str = "127.0.0.1,localhost";

/// One HTTP request received inside a tunnel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicRequest {
    pub method: String,
    /// The `Host` header without a port, or the SNI name when there was none.
    pub host: String,
    /// The request target as sent, e.g. `/prefix/.well-known/openid-configuration`.
    pub path: String,
    /// An `Authorization` header was sent.
    pub authorization: bool,
    /// An `X-Amz-Security-Token` header was sent.
    pub security_token: bool,
}

impl PublicRequest {
    /// Either credential header was sent (STS sends neither).
    pub fn sent_credentials(&self) -> bool {
        self.authorization || self.security_token
    }
}

#[derive(Default)]
struct Knobs {
    /// host -> Location.
    redirects: HashMap<String, String>,
    /// (host, path) -> (status, body).
    overrides: HashMap<(String, String), (u16, Vec<u8>)>,
}

struct Shared {
    /// `127.0.0.1:<port>` of moto.
    moto: String,
    /// Signed clients of moto, for what CloudFront reads on its own
    /// authority; made on first use.
    aws: tokio::sync::OnceCell<(aws_sdk_cloudfront::Client, aws_sdk_s3::Client)>,
    knobs: Mutex<Knobs>,
    requests: Mutex<Vec<PublicRequest>>,
    tunnels: Mutex<Vec<String>>,
}

/// The running proxy; it stops when dropped.
pub struct PublicEndpoint {
    ca_pem: String,
    shared: Arc<Shared>,
    server: Background,
}

impl PublicEndpoint {
    /// Start on a free port of 127.0.0.1, serving S3 hosts from the moto
    /// server at `moto_endpoint` (`http://127.0.0.1:<port>`).
    pub fn start(moto_endpoint: &str) -> PublicEndpoint {
        let moto = moto_endpoint
            .strip_prefix("http://")
            .unwrap_or_else(|| panic!("{moto_endpoint:?} is not an http:// endpoint"))
            .trim_end_matches('/')
            .to_owned();

        let (ca_cert, issuer) = test_ca("stand-in public CA");
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let certs = Certs {
            ca_der: ca_cert.der().clone(),
            issuer,
            provider: provider.clone(),
            cache: Mutex::new(HashMap::new()),
        };
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_cert_resolver(Arc::new(certs));
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));

        let shared = Arc::new(Shared {
            moto,
            aws: tokio::sync::OnceCell::new(),
            knobs: Mutex::default(),
            requests: Mutex::default(),
            tunnels: Mutex::default(),
        });
        let state = shared.clone();
        let server = Background::serve(move |sock| {
            let (acceptor, state) = (acceptor.clone(), state.clone());
            async move {
                let _ = serve_proxy(sock, acceptor, state).await;
            }
        });
        PublicEndpoint {
            ca_pem: ca_cert.pem(),
            shared,
            server,
        }
    }

    /// The CA that signs every certificate the tunnels present.
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// `http://127.0.0.1:<port>`.
    pub fn proxy_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.server.port())
    }

    /// `HTTPS_PROXY` and `https_proxy` set to [`proxy_url`](Self::proxy_url),
    /// `NO_PROXY` and `no_proxy` to [`NO_PROXY`].
    pub fn env(&self) -> Vec<(String, String)> {
        let url = self.proxy_url();
        vec![
            ("HTTPS_PROXY".into(), url.clone()),
            ("https_proxy".into(), url),
            ("NO_PROXY".into(), NO_PROXY.into()),
            ("no_proxy".into(), NO_PROXY.into()),
        ]
    }

    /// Every request to `host` answers `301 Moved Permanently` with
    /// `Location: <location>`, as S3 answers a bucket's global name
    /// (`PermanentRedirect`) when the bucket lives in another region.
    pub fn redirect(&self, host: &str, location: &str) {
        self.shared
            .knobs
            .lock()
            .unwrap()
            .redirects
            .insert(host.to_ascii_lowercase(), location.to_owned());
    }

    /// `https://<host><path>` answers `status` with `body`
    /// (`application/json`), whatever moto holds. `path` is the request
    /// target, query included.
    pub fn override_body(&self, host: &str, path: &str, status: u16, body: impl AsRef<[u8]>) {
        self.shared.knobs.lock().unwrap().overrides.insert(
            (host.to_ascii_lowercase(), path.to_owned()),
            (status, body.as_ref().to_vec()),
        );
    }

    /// Drop every redirect and override.
    pub fn clear(&self) {
        *self.shared.knobs.lock().unwrap() = Knobs::default();
    }

    /// The requests received inside tunnels so far, oldest first.
    pub fn requests(&self) -> Vec<PublicRequest> {
        self.shared.requests.lock().unwrap().clone()
    }

    /// The `CONNECT` targets received so far, e.g. `b.s3.us-east-1.amazonaws.com:443`.
    pub fn tunnels(&self) -> Vec<String> {
        self.shared.tunnels.lock().unwrap().clone()
    }
}

// ------------------------------------------------------------ certificates

/// Issues a certificate for each SNI name on first sight, signed by the CA.
struct Certs {
    issuer: rcgen::Issuer<'static, rcgen::KeyPair>,
    ca_der: CertificateDer<'static>,
    provider: Arc<CryptoProvider>,
    cache: Mutex<HashMap<String, Arc<CertifiedKey>>>,
}

impl fmt::Debug for Certs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Certs").finish_non_exhaustive()
    }
}

impl ResolvesServerCert for Certs {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        // No SNI: the client dialled an address, which can only be ours.
        let name = hello
            .server_name()
            .unwrap_or("localhost")
            .to_ascii_lowercase();
        let mut cache = self.cache.lock().unwrap();
        if let Some(key) = cache.get(&name) {
            return Some(key.clone());
        }
        let key = self.issue(&name).ok()?;
        cache.insert(name, key.clone());
        Some(key)
    }
}

impl Certs {
    fn issue(&self, name: &str) -> Result<Arc<CertifiedKey>, Box<dyn std::error::Error>> {
        let key = rcgen::KeyPair::generate()?;
        let mut params = rcgen::CertificateParams::new(vec![name.to_owned()])?;
        if name == "localhost" {
            params
                .subject_alt_names
                .push(rcgen::SanType::IpAddress("127.0.0.1".parse()?));
        }
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, name);
        params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
        let cert = params.signed_by(&key, &self.issuer)?;
        let signing = self
            .provider
            .key_provider
            .load_private_key(PrivateKeyDer::Pkcs8(key.serialize_der().into()))?;
        Ok(Arc::new(CertifiedKey::new(
            vec![cert.der().clone(), self.ca_der.clone()],
            signing,
        )))
    }
}

// ------------------------------------------------------------ the proxy

/// Reads an HTTP head byte by byte up to the blank line, so that nothing
/// after it (a TLS ClientHello sent early) is taken from the socket.
async fn read_head(sock: &mut TcpStream) -> std::io::Result<String> {
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() > 64 * 1024 {
            return Err(std::io::Error::other("request head too long"));
        }
        let mut byte = [0u8];
        if sock.read(&mut byte).await? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        head.push(byte[0]);
    }
    Ok(String::from_utf8_lossy(&head).into_owned())
}

async fn serve_proxy(
    mut sock: TcpStream,
    acceptor: tokio_rustls::TlsAcceptor,
    shared: Arc<Shared>,
) -> std::io::Result<()> {
    let head = read_head(&mut sock).await?;
    let mut parts = head.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    if method != "CONNECT" {
        let body = "only CONNECT is proxied\n";
        let answer = format!(
            "HTTP/1.1 405 Method Not Allowed\r\nAllow: CONNECT\r\nContent-Type: text/plain\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        sock.write_all(answer.as_bytes()).await?;
        return sock.shutdown().await;
    }
    shared.tunnels.lock().unwrap().push(target.to_owned());
    sock.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
        .await?;
    let tls = acceptor.accept(sock).await?;
    let sni = tls.get_ref().1.server_name().map(str::to_owned);
    serve_tunnel(tls, sni, &shared).await
}

/// HTTP/1.1 inside the tunnel: requests one after another until the client
/// closes or asks to (`Connection: close`, or HTTP/1.0 without keep-alive).
async fn serve_tunnel<S: AsyncRead + AsyncWrite + Unpin>(
    stream: S,
    sni: Option<String>,
    shared: &Shared,
) -> std::io::Result<()> {
    let mut stream = BufReader::new(stream);
    loop {
        let mut request_line = String::new();
        if stream.read_line(&mut request_line).await? == 0 {
            return Ok(());
        }
        let mut headers = Vec::new();
        loop {
            let mut line = String::new();
            if stream.read_line(&mut line).await? == 0 || line == "\r\n" {
                break;
            }
            if let Some((k, v)) = line.split_once(':') {
                headers.push((k.trim().to_ascii_lowercase(), v.trim().to_owned()));
            }
        }
        let header = |name: &str| {
            headers
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        let length: usize = header("content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0; length];
        stream.read_exact(&mut body).await?;

        let mut parts = request_line.split_whitespace();
        let method = parts.next().unwrap_or("").to_owned();
        let path = parts.next().unwrap_or("").to_owned();
        let version = parts.next().unwrap_or("HTTP/1.1");
        let connection = header("connection").unwrap_or("").to_ascii_lowercase();
        let close = connection == "close" || (version == "HTTP/1.0" && connection != "keep-alive");
        let host = header("host")
            .map(|h| strip_port(h).to_owned())
            .or_else(|| sni.clone())
            .unwrap_or_default()
            .to_ascii_lowercase();
        shared.requests.lock().unwrap().push(PublicRequest {
            method: method.clone(),
            host: host.clone(),
            path: path.clone(),
            authorization: header("authorization").is_some(),
            security_token: header("x-amz-security-token").is_some(),
        });

        let answer = respond(shared, &method, &host, &path).await;
        let mut out = format!(
            "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n",
            answer.status,
            reason(answer.status),
            answer.content_type,
            answer.body.len()
        );
        if let Some(location) = &answer.location {
            out.push_str(&format!("Location: {location}\r\n"));
        }
        if close {
            out.push_str("Connection: close\r\n");
        }
        out.push_str("\r\n");
        let inner = stream.get_mut();
        inner.write_all(out.as_bytes()).await?;
        if method != "HEAD" {
            inner.write_all(&answer.body).await?;
        }
        inner.flush().await?;
        if close {
            return inner.shutdown().await;
        }
    }
}

struct Answer {
    status: u16,
    content_type: String,
    location: Option<String>,
    body: Vec<u8>,
}

impl Answer {
    fn text(status: u16, body: &str) -> Answer {
        Answer {
            status,
            content_type: "text/plain".into(),
            location: None,
            body: body.as_bytes().to_vec(),
        }
    }
}

async fn respond(shared: &Shared, method: &str, host: &str, path: &str) -> Answer {
    {
        let knobs = shared.knobs.lock().unwrap();
        if let Some(location) = knobs.redirects.get(host) {
            return Answer {
                status: 301,
                content_type: "application/xml".into(),
                location: Some(location.clone()),
                body: b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>PermanentRedirect</Code>\
                        <Message>The bucket you are attempting to access must be addressed using the \
                        specified endpoint.</Message></Error>"
                    .to_vec(),
            };
        }
        if let Some((status, body)) = knobs.overrides.get(&(host.to_owned(), path.to_owned())) {
            return Answer {
                status: *status,
                content_type: "application/json".into(),
                location: None,
                body: body.clone(),
            };
        }
    }
    if host.ends_with(CLOUDFRONT_DOMAIN) {
        if method != "GET" && method != "HEAD" {
            return Answer::text(403, "this distribution allows only GET and HEAD\n");
        }
        return match cloudfront(shared, host, path).await {
            Ok(answer) => answer,
            Err(e) => Answer::text(502, &format!("CloudFront stand-in: {e}\n")),
        };
    }
    let Some(moto_path) = s3_path(host, path) else {
        return Answer::text(404, &format!("{host} is not a host of this stand-in\n"));
    };
    if method != "GET" && method != "HEAD" {
        return Answer::text(405, "only GET and HEAD are served\n");
    }
    match fetch(&shared.moto, &moto_path).await {
        Ok(answer) => answer,
        Err(e) => Answer::text(502, &format!("moto at {}: {e}\n", shared.moto)),
    }
}

/// The suffix of every distribution's own domain.
const CLOUDFRONT_DOMAIN: &str = ".cloudfront.net";

impl Shared {
    async fn aws(&self) -> &(aws_sdk_cloudfront::Client, aws_sdk_s3::Client) {
        self.aws
            .get_or_init(|| async {
                let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
                    .region(aws_config::Region::new("us-east-1"))
                    .endpoint_url(format!("http://{}", self.moto))
                    .credentials_provider(aws_sdk_s3::config::Credentials::new(
                        "testing", "testing", None, None, "stand-in",
                    ))
                    .load()
                    .await;
                let s3 = aws_sdk_s3::config::Builder::from(&config)
                    .force_path_style(true)
                    .build();
                (
                    aws_sdk_cloudfront::Client::new(&config),
                    aws_sdk_s3::Client::from_conf(s3),
                )
            })
            .await
    }
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A request to a distribution's domain: its origin read as CloudFront
/// reads it.
async fn cloudfront(shared: &Shared, host: &str, path: &str) -> Result<Answer, BoxError> {
    let (cf, s3) = shared.aws().await;
    let list = cf.list_distributions().send().await?;
    let summary = list
        .distribution_list()
        .map(|l| l.items().to_vec())
        .unwrap_or_default()
        .into_iter()
        .find(|d| d.domain_name() == host);
    let Some(summary) = summary else {
        return Ok(Answer::text(
            404,
            &format!("no distribution serves {host}\n"),
        ));
    };
    let got = cf.get_distribution().id(summary.id()).send().await?;
    let d = got.distribution().ok_or("no distribution in the answer")?;
    let config = d.distribution_config().ok_or("no configuration")?;
    if !config.enabled() {
        return Ok(Answer::text(403, "the distribution is disabled\n"));
    }
    let origin = config
        .origins()
        .and_then(|o| o.items().first())
        .ok_or("no origin")?;
    let Some(moto_path) = s3_path(origin.domain_name(), path) else {
        return Ok(Answer::text(502, "the origin is not an S3 host\n"));
    };
    let oac = origin.origin_access_control_id().unwrap_or_default();
    if oac.is_empty() {
        return Ok(fetch(&shared.moto, &moto_path).await?);
    }
    let control = cf.get_origin_access_control().id(oac).send().await?;
    let signs = control
        .origin_access_control()
        .and_then(|c| c.origin_access_control_config())
        .is_some_and(|c| c.signing_behavior().as_str() == "always");
    if !signs {
        return Ok(fetch(&shared.moto, &moto_path).await?);
    }
    let (bucket, key) = moto_path
        .trim_start_matches('/')
        .split_once('/')
        .ok_or("no object key")?;
    let policy = match s3.get_bucket_policy().bucket(bucket).send().await {
        Ok(p) => p.policy().unwrap_or_default().to_owned(),
        Err(_) => String::new(),
    };
    let object_arn = format!("arn:aws:s3:::{bucket}/{key}");
    if !lets_cloudfront_read(&policy, &object_arn, d.arn()) {
        return Ok(Answer {
            status: 403,
            content_type: "application/xml".into(),
            location: None,
            body: b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AccessDenied</Code>\
                    <Message>Access Denied</Message></Error>"
                .to_vec(),
        });
    }
    match s3.get_object().bucket(bucket).key(key).send().await {
        Ok(o) => Ok(Answer {
            status: 200,
            content_type: o
                .content_type()
                .unwrap_or("application/octet-stream")
                .to_owned(),
            location: None,
            body: o.body.collect().await?.into_bytes().to_vec(),
        }),
        Err(_) => Ok(Answer::text(404, "no such object\n")),
    }
}

/// Whether a bucket policy allows `cloudfront.amazonaws.com` to
/// `s3:GetObject` `object_arn` on behalf of the distribution
/// `distribution_arn`: an `Allow` for that service principal, the action
/// (or `s3:*`), the object (or a `*` pattern ending that matches it), and
/// any `StringEquals` on `AWS:SourceArn` equal to the distribution.
pub fn lets_cloudfront_read(policy: &str, object_arn: &str, distribution_arn: &str) -> bool {
    let Ok(doc) = serde_json::from_str::<serde_json::Value>(policy) else {
        return false;
    };
    let list = |v: &serde_json::Value| -> Vec<String> {
        match v {
            serde_json::Value::String(s) => vec![s.clone()],
            serde_json::Value::Array(a) => a
                .iter()
                .filter_map(|x| x.as_str().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        }
    };
    let statements = list_of(&doc["Statement"]);
    statements.iter().any(|st| {
        let service = list(&st["Principal"]["Service"]);
        let actions = list(&st["Action"]);
        let resources = list(&st["Resource"]);
        let source = &st["Condition"]["StringEquals"]["AWS:SourceArn"];
        let conditions_ok = match st["Condition"].as_object() {
            None => true,
            Some(c) => c.len() == 1 && list(source).iter().any(|a| a == distribution_arn),
        };
        st["Effect"] == "Allow"
            && service.iter().any(|s| s == "cloudfront.amazonaws.com")
            && actions.iter().any(|a| a == "s3:GetObject" || a == "s3:*")
            && resources.iter().any(|r| match r.strip_suffix('*') {
                Some(start) => object_arn.starts_with(start),
                None => r == object_arn,
            })
            && conditions_ok
    })
}

fn list_of(v: &serde_json::Value) -> Vec<serde_json::Value> {
    match v {
        serde_json::Value::Array(a) => a.clone(),
        serde_json::Value::Null => Vec::new(),
        one => vec![one.clone()],
    }
}

fn strip_port(host: &str) -> &str {
    match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    }
}

/// The path on moto (path-style) for `path` on an S3 host: virtual-hosted
/// (`<bucket>.s3.<region>.amazonaws.com`, `<bucket>.s3.amazonaws.com`) or
/// path-style (`s3.<region>.amazonaws.com`, `s3.amazonaws.com`). None for
/// any other host.
pub fn s3_path(host: &str, path: &str) -> Option<String> {
    let name = host.strip_suffix(".amazonaws.com")?;
    let is_region = |r: &str| !r.is_empty() && !r.contains('.');
    if name == "s3" || name.strip_prefix("s3.").is_some_and(is_region) {
        return Some(path.to_owned());
    }
    let bucket = match name.rsplit_once(".s3.") {
        Some((bucket, region)) if is_region(region) => bucket,
        _ => name.strip_suffix(".s3")?,
    };
    if bucket.is_empty() {
        return None;
    }
    Some(format!("/{bucket}{path}"))
}

/// An anonymous `GET <path>` from moto (`127.0.0.1:<port>`): status,
/// `Content-Type` and body.
async fn fetch(moto: &str, path: &str) -> std::io::Result<Answer> {
    let mut sock = TcpStream::connect(moto).await?;
    let request =
        format!("GET {path} HTTP/1.1\r\nHost: {moto}\r\nAccept: */*\r\nConnection: close\r\n\r\n");
    sock.write_all(request.as_bytes()).await?;
    let mut raw = Vec::new();
    sock.read_to_end(&mut raw).await?;
    let bad = |what: &str| std::io::Error::other(format!("{what} in moto's answer"));
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| bad("no end of head"))?;
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut body = raw[split + 4..].to_vec();
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad("no status"))?;
    let mut content_type = "application/octet-stream".to_owned();
    let mut chunked = false;
    let mut length = None;
    for line in lines {
        let Some((k, v)) = line.split_once(':') else {
            continue;
        };
        let v = v.trim();
        match k.trim().to_ascii_lowercase().as_str() {
            "content-type" => content_type = v.to_owned(),
            "content-length" => length = v.parse::<usize>().ok(),
            "transfer-encoding" => chunked = v.eq_ignore_ascii_case("chunked"),
            _ => {}
        }
    }
    if chunked {
        body = dechunk(&body).ok_or_else(|| bad("bad chunked body"))?;
    } else if let Some(n) = length {
        body.truncate(n);
    }
    Ok(Answer {
        status,
        content_type,
        location: None,
        body,
    })
}

fn dechunk(mut raw: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let end = raw.windows(2).position(|w| w == b"\r\n")?;
        let size_text = std::str::from_utf8(&raw[..end]).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        raw = &raw[end + 2..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(raw.get(..size)?);
        raw = raw.get(size + 2..)?;
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    }
}
