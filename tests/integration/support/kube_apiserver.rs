//! A stand-in Kubernetes API server for tests, over HTTPS on 127.0.0.1.
//!
//! No real kube-apiserver can run where these tests run (no containers, no
//! cluster binaries), so the provider's cluster access — the real `kube`
//! client crate — is tested against this small server instead. It speaks
//! what that access needs, with the JSON shapes of the real API:
//!
//! - TLS with a CA made by the test, and bearer-token authentication
//!   (401 with a `Status` body for a wrong token);
//! - `GET /api/v1/namespaces/{ns}/secrets/{name}` (a `Secret`, or a 404
//!   `Status` with reason `NotFound`);
//! - `GET /openid/v1/jwks` (the apiserver's own JWKS,
//!   `application/jwk-set+json`);
//! - `POST /api/v1/namespaces/{ns}/serviceaccounts/{name}/token`, the
//!   TokenRequest API: a service-account token signed with the key given to
//!   [`KubeApiServer::set_token_signer`] (a 404 `Status` for a service
//!   account it does not hold, a 500 `Status` when it has no signer).
//!
//! It also writes a real kubeconfig file pointing at itself.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::background::{test_ca, Background};

use base64::Engine;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

use super::trust_chain::{Claims, SigningKey};

/// `spec.expirationSeconds` when a TokenRequest gives none, as the
/// apiserver defaults it.
pub const DEFAULT_TOKEN_EXPIRATION_SECONDS: u64 = 3600;

#[derive(Default)]
struct State {
    token: String,
    secrets: BTreeMap<(String, String), BTreeMap<String, Vec<u8>>>,
    jwks: Option<String>,
    service_accounts: BTreeSet<(String, String)>,
    /// `--service-account-issuer` and `--service-account-signing-key-file`.
    signer: Option<(String, Arc<SigningKey>)>,
    requests: Vec<String>,
}

/// The running server; it stops when dropped.
pub struct KubeApiServer {
    ca_pem: String,
    state: Arc<Mutex<State>>,
    server: Background,
}

impl KubeApiServer {
    /// Start on a free port, accepting `token`.
    pub fn start(token: &str) -> KubeApiServer {
        let (ca_cert, issuer) = test_ca("stand-in kubernetes CA");

        let server_key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(vec!["localhost".to_string()]).unwrap();
        params
            .subject_alt_names
            .push(rcgen::SanType::IpAddress("127.0.0.1".parse().unwrap()));
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "kube-apiserver");
        let server_cert = params.signed_by(&server_key, &issuer).unwrap();

        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(
                vec![server_cert.der().clone(), ca_cert.der().clone()],
                rustls::pki_types::PrivateKeyDer::Pkcs8(server_key.serialize_der().into()),
            )
            .unwrap();
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));

        let state = Arc::new(Mutex::new(State {
            token: token.to_owned(),
            ..Default::default()
        }));
        let shared = state.clone();
        let server = Background::serve(move |sock| {
            let (acceptor, state) = (acceptor.clone(), shared.clone());
            async move {
                if let Ok(tls) = acceptor.accept(sock).await {
                    let _ = serve_connection(tls, state).await;
                }
            }
        });
        KubeApiServer {
            ca_pem: ca_cert.pem(),
            state,
            server,
        }
    }

    /// `https://127.0.0.1:<port>`.
    pub fn host(&self) -> String {
        format!("https://127.0.0.1:{}", self.server.port())
    }

    /// The CA certificate that signed the server's certificate.
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// Add or replace a secret.
    pub fn put_secret(&self, namespace: &str, name: &str, data: &[(&str, &[u8])]) {
        let data = data
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_vec()))
            .collect();
        self.state
            .lock()
            .unwrap()
            .secrets
            .insert((namespace.into(), name.into()), data);
    }

    pub fn delete_secret(&self, namespace: &str, name: &str) {
        self.state
            .lock()
            .unwrap()
            .secrets
            .remove(&(namespace.to_owned(), name.to_owned()));
    }

    /// Serve this document at `/openid/v1/jwks` (None: 404).
    pub fn set_jwks(&self, jwks: Option<&str>) {
        self.state.lock().unwrap().jwks = jwks.map(str::to_owned);
    }

    /// Add a service account (TokenRequest answers 404 for any other).
    pub fn put_service_account(&self, namespace: &str, name: &str) {
        self.state
            .lock()
            .unwrap()
            .service_accounts
            .insert((namespace.into(), name.into()));
    }

    pub fn delete_service_account(&self, namespace: &str, name: &str) {
        self.state
            .lock()
            .unwrap()
            .service_accounts
            .remove(&(namespace.to_owned(), name.to_owned()));
    }

    /// Sign TokenRequest tokens with `key` for `issuer`, as the apiserver
    /// flags `--service-account-issuer` and
    /// `--service-account-signing-key-file` do: `iss` = `issuer`, `sub` =
    /// `system:serviceaccount:<ns>:<name>`, `aud` the requested audiences
    /// (the issuer when none are), `exp` = now + `expirationSeconds`, `iat`
    /// and `nbf` now, and the `kubernetes.io` claim.
    pub fn set_token_signer(&self, issuer: &str, key: impl Into<Arc<SigningKey>>) {
        self.state.lock().unwrap().signer = Some((issuer.to_owned(), key.into()));
    }

    /// The request lines received so far, e.g. `GET /openid/v1/jwks`
    /// (method and path only: no query, headers or body, so never a token).
    pub fn requests(&self) -> Vec<String> {
        self.state.lock().unwrap().requests.clone()
    }

    /// Write a kubeconfig for this server into `dir`, with the given token,
    /// and return its path. The context is named `stand-in`.
    pub fn write_kubeconfig(&self, dir: &Path, token: &str) -> PathBuf {
        let ca = base64::engine::general_purpose::STANDARD.encode(&self.ca_pem);
        let text = format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: stand-in\n  cluster:\n    server: {host}\n    certificate-authority-data: {ca}\n\
             users:\n- name: stand-in\n  user:\n    token: {token}\ncontexts:\n- name: stand-in\n  context:\n    cluster: stand-in\n    user: stand-in\n\
             - name: elsewhere\n  context:\n    cluster: stand-in\n    user: nobody\n\
             current-context: elsewhere\n",
            host = self.host(),
        );
        let path = dir.join("kubeconfig");
        std::fs::write(&path, text).unwrap();
        path
    }
}

async fn serve_connection(
    tls: tokio_rustls::server::TlsStream<tokio::net::TcpStream>,
    state: Arc<Mutex<State>>,
) -> std::io::Result<()> {
    let mut stream = BufReader::new(tls);
    loop {
        let mut request_line = String::new();
        if stream.read_line(&mut request_line).await? == 0 {
            return Ok(());
        }
        let mut authorization = None;
        let mut length = 0;
        loop {
            let mut line = String::new();
            if stream.read_line(&mut line).await? == 0 || line == "\r\n" {
                break;
            }
            if let Some((k, v)) = line.split_once(':') {
                if k.eq_ignore_ascii_case("authorization") {
                    authorization = Some(v.trim().to_owned());
                } else if k.eq_ignore_ascii_case("content-length") {
                    length = v.trim().parse().unwrap_or(0);
                }
            }
        }
        let mut request_body = vec![0; length];
        stream.read_exact(&mut request_body).await?;
        let mut parts = request_line.split_whitespace();
        let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        let path = target.split('?').next().unwrap_or("");
        let (status, content_type, body) = respond(
            &state,
            method,
            path,
            authorization.as_deref(),
            &request_body,
        );
        let head = format!(
            "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        let inner = stream.get_mut();
        inner.write_all(head.as_bytes()).await?;
        inner.write_all(body.as_bytes()).await?;
        inner.flush().await?;
    }
}

fn status_body(code: u16, reason: &str, message: &str) -> String {
    serde_json::json!({
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    })
    .to_string()
}

fn respond(
    state: &Mutex<State>,
    method: &str,
    path: &str,
    auth: Option<&str>,
    body: &[u8],
) -> (String, &'static str, String) {
    let mut st = state.lock().unwrap();
    st.requests.push(format!("{method} {path}"));
    let json = "application/json";
    if auth != Some(&format!("Bearer {}", st.token)) {
        return (
            "401 Unauthorized".into(),
            json,
            status_body(401, "Unauthorized", "Unauthorized"),
        );
    }
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    match (method, segments.as_slice()) {
        ("GET", ["openid", "v1", "jwks"]) => match &st.jwks {
            Some(doc) => ("200 OK".into(), "application/jwk-set+json", doc.clone()),
            None => (
                "404 Not Found".into(),
                json,
                status_body(
                    404,
                    "NotFound",
                    "the server could not find the requested resource",
                ),
            ),
        },
        ("GET", ["api", "v1", "namespaces", ns, "secrets", name]) => {
            match st.secrets.get(&(ns.to_string(), name.to_string())) {
                Some(data) => {
                    let data: BTreeMap<&String, String> = data
                        .iter()
                        .map(|(k, v)| (k, base64::engine::general_purpose::STANDARD.encode(v)))
                        .collect();
                    let body = serde_json::json!({
                        "apiVersion": "v1",
                        "kind": "Secret",
                        "metadata": {"name": name, "namespace": ns, "resourceVersion": "1"},
                        "type": "cluster.x-k8s.io/secret",
                        "data": data,
                    });
                    ("200 OK".into(), json, body.to_string())
                }
                None => (
                    "404 Not Found".into(),
                    json,
                    status_body(404, "NotFound", &format!("secrets \"{name}\" not found")),
                ),
            }
        }
        ("POST", ["api", "v1", "namespaces", ns, "serviceaccounts", name, "token"]) => {
            token_request(&st, ns, name, body)
        }
        _ => (
            "404 Not Found".into(),
            json,
            status_body(
                404,
                "NotFound",
                "the server could not find the requested resource",
            ),
        ),
    }
}

/// The TokenRequest subresource: an `authentication.k8s.io/v1`
/// `TokenRequest` in, the same with `status` filled in out (201).
fn token_request(
    st: &State,
    namespace: &str,
    name: &str,
    body: &[u8],
) -> (String, &'static str, String) {
    let json = "application/json";
    if !st
        .service_accounts
        .contains(&(namespace.to_owned(), name.to_owned()))
    {
        return (
            "404 Not Found".into(),
            json,
            status_body(
                404,
                "NotFound",
                &format!("serviceaccounts \"{name}\" not found"),
            ),
        );
    }
    let request: serde_json::Value = match serde_json::from_slice(body) {
        Ok(v @ serde_json::Value::Object(_)) => v,
        _ => {
            return (
                "400 Bad Request".into(),
                json,
                status_body(400, "BadRequest", "the body is not a TokenRequest object"),
            )
        }
    };
    let Some((issuer, key)) = &st.signer else {
        return (
            "500 Internal Server Error".into(),
            json,
            status_body(
                500,
                "InternalError",
                "no service-account signing key is configured",
            ),
        );
    };
    let mut spec = request["spec"].clone();
    if !spec.is_object() {
        spec = serde_json::json!({});
    }
    let mut audiences: Vec<String> = spec["audiences"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    if audiences.is_empty() {
        // The apiserver's --api-audiences, which default to the issuer.
        audiences = vec![issuer.clone()];
    }
    let seconds = spec["expirationSeconds"]
        .as_u64()
        .unwrap_or(DEFAULT_TOKEN_EXPIRATION_SECONDS);
    if seconds < 600 {
        return (
            "422 Unprocessable Entity".into(),
            json,
            status_body(
                422,
                "Invalid",
                &format!(
                    "TokenRequest.authentication.k8s.io \"{name}\" is invalid: \
                     spec.expirationSeconds: Invalid value: {seconds}: \
                     may not specify a duration less than 10 minutes"
                ),
            ),
        );
    }
    let mut claims = Claims::new(issuer, &format!("{namespace}:{name}"));
    claims.audiences = audiences.clone();
    claims.expires_at = claims.issued_at + seconds;
    let token = key.token(&claims);
    let expiration = k8s_openapi::jiff::Timestamp::from_second(claims.expires_at as i64)
        .expect("expiry within jiff's range")
        .to_string();
    spec["audiences"] = audiences.into();
    spec["expirationSeconds"] = seconds.into();
    if spec.get("boundObjectRef").is_none() {
        spec["boundObjectRef"] = serde_json::Value::Null;
    }
    let answer = serde_json::json!({
        "kind": "TokenRequest",
        "apiVersion": "authentication.k8s.io/v1",
        "metadata": {"name": name, "namespace": namespace, "creationTimestamp": null},
        "spec": spec,
        "status": {"token": token, "expirationTimestamp": expiration},
    });
    ("201 Created".into(), json, answer.to_string())
}
