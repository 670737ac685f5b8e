//! Cluster access through the kube crate: read the service-account public
//! keys from a running cluster, and ask it for a service-account token
//! (TokenRequest) for the trust check.
//!
//! Two sources: the Cluster API `<cluster>-sa` secret in a management
//! cluster (its `tls.crt` holds the public key), or the apiserver's own
//! `/openid/v1/jwks`, as `kubectl get --raw /openid/v1/jwks` shows it. The
//! token and the kubeconfig are never logged, and only the one requested key
//! of a secret is kept: the rest of the secret (its `tls.key`) is dropped as
//! soon as the response is read.

use std::time::Duration;

use k8s_openapi::api::core::v1::Secret;

use crate::domain::proxy;

/// How to reach the cluster, following the kubernetes provider's habits.
#[derive(Clone, Default)]
pub struct Connection {
    pub config_path: Option<String>,
    /// Several kubeconfig files, merged in order (as `KUBECONFIG` lists
    /// them); instead of `config_path`.
    pub config_paths: Vec<String>,
    pub config_context: Option<String>,
    pub host: Option<String>,
    pub token: Option<String>,
    pub cluster_ca_certificate: Option<String>,
    /// PEM client certificate and key, for `host`.
    pub client_certificate: Option<String>,
    pub client_key: Option<String>,
    /// A credential plugin for `host`, as a kubeconfig's `exec`.
    pub exec: Option<Exec>,
    /// Skip verifying the API server's certificate.
    pub insecure: bool,
    /// The name to verify the API server's certificate for.
    pub tls_server_name: Option<String>,
    /// A proxy for the API server, before the environment's.
    pub proxy_url: Option<String>,
}

/// A client-go credential plugin: the command prints an `ExecCredential`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Exec {
    pub api_version: String,
    pub command: String,
    pub args: Vec<String>,
    pub env: std::collections::BTreeMap<String, String>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("config_path", &self.config_path)
            .field("config_context", &self.config_context)
            .field("host", &self.host)
            .field("token", &self.token.as_ref().map(|_| "(sensitive)"))
            .field(
                "client_key",
                &self.client_key.as_ref().map(|_| "(sensitive)"),
            )
            .field("exec", &self.exec.as_ref().map(|e| &e.command))
            .field("insecure", &self.insecure)
            .finish_non_exhaustive()
    }
}

/// Why the keys could not be read from the cluster.
#[derive(Debug, thiserror::Error)]
pub enum KubeError {
    /// The kubeconfig file could not be read or used.
    #[error("cannot use the kubeconfig {path:?}: {reason}. Check config_path and config_context")]
    Kubeconfig { path: String, reason: String },
    /// The connection settings are incomplete or malformed.
    #[error("invalid cluster connection: {0}")]
    Settings(String),
    /// No answer from the apiserver.
    #[error(
        "cannot reach the Kubernetes API server at {host}: {reason}. Check that the cluster is running, that \
         this machine can reach it, and that the CA certificate matches"
    )]
    Unreachable { host: String, reason: String },
    /// The apiserver refused the credentials.
    #[error("the Kubernetes API server at {host} refused the credentials (HTTP 401). Check the token or the kubeconfig user")]
    Unauthorized { host: String },
    /// The credentials may not read what was asked.
    #[error(
        "the Kubernetes API server at {host} forbids reading {what} (HTTP 403). Grant `get` on it to the \
         kubeconfig user: {message}"
    )]
    Forbidden {
        host: String,
        what: String,
        message: String,
    },
    /// The secret does not exist.
    #[error(
        "secret {namespace}/{name} was not found on {host}. For a Cluster API cluster it is `<cluster-name>-sa` \
         in the cluster's namespace of the management cluster"
    )]
    SecretNotFound {
        host: String,
        namespace: String,
        name: String,
    },
    /// The secret exists but lacks the key.
    #[error("secret {namespace}/{name} on {host} has no key {key:?} (it has: {present})")]
    KeyMissing {
        host: String,
        namespace: String,
        name: String,
        key: String,
        present: String,
    },
    /// The apiserver does not serve its JWKS.
    #[error(
        "the Kubernetes API server at {host} did not serve /openid/v1/jwks (HTTP {status}: {message}). It needs \
         Kubernetes 1.20+, and the caller needs the `system:service-account-issuer-discovery` role"
    )]
    JwksUnavailable {
        host: String,
        status: u16,
        message: String,
    },
    /// The service account does not exist.
    #[error("service account {namespace}/{name} was not found on {host}")]
    ServiceAccountNotFound {
        host: String,
        namespace: String,
        name: String,
    },
    /// Any other unexpected answer.
    #[error("unexpected answer from the Kubernetes API server at {host}: {reason}")]
    Unexpected { host: String, reason: String },
}

/// A connected client and the host it talks to (for error messages).
pub struct Cluster {
    client: ::kube::Client,
    host: String,
}

/// Time allowed to connect, and to read an answer.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const READ_TIMEOUT: Duration = Duration::from_secs(30);

impl Cluster {
    /// Build a client from the connection settings. No request is made yet.
    pub async fn connect(conn: &Connection) -> Result<Cluster, KubeError> {
        let paths: Vec<String> = conn
            .config_path
            .iter()
            .chain(&conn.config_paths)
            .cloned()
            .collect();
        let mut config = match (paths.is_empty(), &conn.host) {
            (false, None) => {
                let home = std::env::var("HOME").ok();
                let mut merged: Option<::kube::config::Kubeconfig> = None;
                for path in &paths {
                    let path = proxy::expand_home(path, home.as_deref());
                    let bad = |e: &dyn std::fmt::Display| KubeError::Kubeconfig {
                        path: path.clone(),
                        reason: e.to_string(),
                    };
                    let next = ::kube::config::Kubeconfig::read_from(&path).map_err(|e| bad(&e))?;
                    merged = Some(match merged {
                        None => next,
                        Some(first) => first.merge(next).map_err(|e| bad(&e))?,
                    });
                }
                let path = paths.join(":");
                let kubeconfig = merged.expect("at least one path");
                let explicit_proxy = cluster_proxy_url(&kubeconfig, conn.config_context.as_deref());
                let options = ::kube::config::KubeConfigOptions {
                    context: conn.config_context.clone(),
                    cluster: None,
                    user: None,
                };
                let mut config = ::kube::Config::from_custom_kubeconfig(kubeconfig, &options)
                    .await
                    .map_err(|e| KubeError::Kubeconfig {
                        path: path.clone(),
                        reason: e.to_string(),
                    })?;
                config.proxy_url = match explicit_proxy {
                    Some(p) => Some(parse_proxy(&p)?),
                    None => env_proxy(&config.cluster_url)?,
                };
                config
            }
            (true, Some(host)) => {
                let uri = host
                    .parse::<http::Uri>()
                    .map_err(|e| KubeError::Settings(format!("host {host:?} is not a URL: {e}")))?;
                let mut config = ::kube::Config::new(uri);
                if let Some(ca) = &conn.cluster_ca_certificate {
                    let certs = pem::parse_many(ca).map_err(|e| {
                        KubeError::Settings(format!("cluster_ca_certificate is not PEM: {e}"))
                    })?;
                    config.root_cert = Some(certs.into_iter().map(|c| c.into_contents()).collect());
                }
                if let Some(token) = &conn.token {
                    config.auth_info.token = Some(secrecy::SecretString::from(token.clone()));
                }
                use base64::Engine as _;
                let b64 = |t: &str| base64::engine::general_purpose::STANDARD.encode(t);
                if let Some(cert) = &conn.client_certificate {
                    config.auth_info.client_certificate_data = Some(b64(cert));
                }
                if let Some(key) = &conn.client_key {
                    config.auth_info.client_key_data = Some(secrecy::SecretString::from(b64(key)));
                }
                if let Some(exec) = &conn.exec {
                    config.auth_info.exec = Some(exec_config(exec));
                }
                config.proxy_url = env_proxy(&config.cluster_url)?;
                config
            }
            _ => {
                return Err(KubeError::Settings(
                    "set exactly one of config_path (or config_paths) and host".into(),
                ))
            }
        };
        // Settings that apply to either way of connecting, over the
        // kubeconfig's and the environment's.
        if conn.insecure {
            config.accept_invalid_certs = true;
        }
        if let Some(name) = &conn.tls_server_name {
            config.tls_server_name = Some(name.clone());
        }
        if let Some(p) = &conn.proxy_url {
            config.proxy_url = Some(parse_proxy(p)?);
        }
        config.connect_timeout = Some(CONNECT_TIMEOUT);
        config.read_timeout = Some(READ_TIMEOUT);
        let host = config
            .cluster_url
            .to_string()
            .trim_end_matches('/')
            .to_owned();
        let client = ::kube::Client::try_from(config).map_err(|e| classify(&host, "the API", e))?;
        Ok(Cluster { client, host })
    }

    pub fn host(&self) -> &str {
        &self.host
    }

    /// One DEBUG line per call: method, path, status, duration. Never the
    /// body, the token or the kubeconfig.
    fn log_call(&self, method: &str, path: &str, started: std::time::Instant, status: u16) {
        let duration_ms = started.elapsed().as_millis() as u64;
        tracing::debug!(
            target: "irsa::kube",
            host = self.host.as_str(),
            method,
            path,
            status = u64::from(status),
            duration_ms,
            "Kubernetes call {method} {path}: HTTP {status} in {duration_ms} ms"
        );
    }

    /// The text of one key of a secret. Only that key is kept.
    pub async fn secret_value(
        &self,
        namespace: &str,
        name: &str,
        key: &str,
    ) -> Result<String, KubeError> {
        let api: ::kube::Api<Secret> = ::kube::Api::namespaced(self.client.clone(), namespace);
        let what = format!("secret {namespace}/{name}");
        let started = std::time::Instant::now();
        let answer = api.get(name).await;
        self.log_call(
            "GET",
            &format!("/api/v1/namespaces/{namespace}/secrets/{name}"),
            started,
            status_of(&answer, 200),
        );
        let secret = match answer {
            Ok(s) => s,
            Err(::kube::Error::Api(status)) if status.code == 404 => {
                return Err(KubeError::SecretNotFound {
                    host: self.host.clone(),
                    namespace: namespace.into(),
                    name: name.into(),
                })
            }
            Err(e) => return Err(classify(&self.host, &what, e)),
        };
        let mut data = secret.data.unwrap_or_default();
        let present: Vec<String> = data.keys().cloned().collect();
        let value = data.remove(key);
        drop(data);
        let missing = || KubeError::KeyMissing {
            host: self.host.clone(),
            namespace: namespace.into(),
            name: name.into(),
            key: key.into(),
            present: if present.is_empty() {
                "no keys".into()
            } else {
                present.join(", ")
            },
        };
        let bytes = value.ok_or_else(missing)?;
        String::from_utf8(bytes.0).map_err(|_| KubeError::Unexpected {
            host: self.host.clone(),
            reason: format!("key {key:?} of {what} is not text"),
        })
    }

    /// The apiserver's JWKS document, as served at `/openid/v1/jwks`.
    pub async fn apiserver_jwks(&self) -> Result<String, KubeError> {
        let request = http::Request::get("/openid/v1/jwks")
            .header(
                http::header::ACCEPT,
                "application/jwk-set+json, application/json",
            )
            .body(Vec::new())
            .map_err(|e| KubeError::Unexpected {
                host: self.host.clone(),
                reason: e.to_string(),
            })?;
        let started = std::time::Instant::now();
        let answer = self.client.request_text(request).await;
        self.log_call("GET", "/openid/v1/jwks", started, status_of(&answer, 200));
        match answer {
            Ok(text) => Ok(text),
            Err(::kube::Error::Api(status)) if !matches!(status.code, 401 | 403) => {
                Err(KubeError::JwksUnavailable {
                    host: self.host.clone(),
                    status: status.code,
                    message: status.message.clone(),
                })
            }
            Err(e) => Err(classify(&self.host, "/openid/v1/jwks", e)),
        }
    }
}

/// Where a cluster's service-account public keys are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeySource {
    /// One key of a secret (the Cluster API `<cluster>-sa` secret's
    /// `tls.crt`).
    Secret {
        namespace: String,
        name: String,
        key: String,
    },
    /// The apiserver's own `/openid/v1/jwks`.
    JwksEndpoint,
}

/// Why the keys could not be taken from the cluster.
#[derive(Debug, thiserror::Error)]
pub enum SigningKeysError {
    #[error(transparent)]
    Kube(#[from] KubeError),
    #[error(transparent)]
    Keys(#[from] crate::domain::cluster_keys::ClusterKeysError),
}

impl Cluster {
    /// The cluster's service-account public keys (one API request).
    pub async fn signing_keys(
        &self,
        source: &KeySource,
    ) -> Result<Vec<crate::domain::keys::PublicKey>, SigningKeysError> {
        use crate::domain::cluster_keys;
        Ok(match source {
            KeySource::Secret {
                namespace,
                name,
                key,
            } => {
                let value = self.secret_value(namespace, name, key).await?;
                cluster_keys::keys_from_secret(namespace, name, key, &value)?
            }
            KeySource::JwksEndpoint => {
                cluster_keys::keys_from_served_jwks(&self.apiserver_jwks().await?)?
            }
        })
    }

    /// A token for a service account through the TokenRequest API
    /// (`serviceaccounts/<name>/token`), for `audience`, valid for
    /// `expiration_seconds`. The token is returned wrapped, and is neither
    /// logged nor kept.
    pub async fn token_request(
        &self,
        namespace: &str,
        name: &str,
        audience: &str,
        expiration_seconds: i64,
    ) -> Result<secrecy::SecretString, KubeError> {
        use k8s_openapi::api::authentication::v1::{TokenRequest, TokenRequestSpec};
        use k8s_openapi::api::core::v1::ServiceAccount;
        let api: ::kube::Api<ServiceAccount> =
            ::kube::Api::namespaced(self.client.clone(), namespace);
        let request = TokenRequest {
            spec: TokenRequestSpec {
                audiences: vec![audience.to_owned()],
                expiration_seconds: Some(expiration_seconds),
                ..TokenRequestSpec::default()
            },
            ..TokenRequest::default()
        };
        let what = format!("serviceaccounts/{name}/token in namespace {namespace}");
        let started = std::time::Instant::now();
        let answer = api
            .create_token_request(name, &::kube::api::PostParams::default(), &request)
            .await;
        self.log_call(
            "POST",
            &format!("/api/v1/namespaces/{namespace}/serviceaccounts/{name}/token"),
            started,
            status_of(&answer, 201),
        );
        match answer {
            Ok(answer) => answer
                .status
                .map(|s| secrecy::SecretString::from(s.token))
                .ok_or_else(|| KubeError::Unexpected {
                    host: self.host.clone(),
                    reason: format!("the answer to {what} has no status.token"),
                }),
            Err(::kube::Error::Api(status)) if status.code == 404 => {
                Err(KubeError::ServiceAccountNotFound {
                    host: self.host.clone(),
                    namespace: namespace.into(),
                    name: name.into(),
                })
            }
            Err(e) => Err(classify(&self.host, &what, e)),
        }
    }
}

/// The kubeconfig form of a credential plugin.
fn exec_config(exec: &Exec) -> ::kube::config::ExecConfig {
    let env = (!exec.env.is_empty()).then(|| {
        exec.env
            .iter()
            .map(|(name, value)| {
                std::collections::HashMap::from([
                    ("name".to_owned(), name.clone()),
                    ("value".to_owned(), value.clone()),
                ])
            })
            .collect()
    });
    ::kube::config::ExecConfig {
        api_version: Some(exec.api_version.clone()),
        command: Some(exec.command.clone()),
        args: Some(exec.args.clone()),
        env,
        drop_env: None,
        install_hint: None,
        interactive_mode: Some(::kube::config::ExecInteractiveMode::Never),
        provide_cluster_info: false,
        cluster: None,
        other: Default::default(),
    }
}

/// The HTTP status an answer had: `ok` for a success, the API's code for
/// its refusal, 0 when no answer came.
fn status_of<T>(answer: &Result<T, ::kube::Error>, ok: u16) -> u16 {
    match answer {
        Ok(_) => ok,
        Err(::kube::Error::Api(status)) => status.code,
        Err(_) => 0,
    }
}

/// The `proxy-url` of the kubeconfig cluster that `context` (or the current
/// context) uses.
fn cluster_proxy_url(
    kubeconfig: &::kube::config::Kubeconfig,
    context: Option<&str>,
) -> Option<String> {
    let context = context.or(kubeconfig.current_context.as_deref())?;
    let cluster = kubeconfig
        .contexts
        .iter()
        .find(|c| c.name == context)?
        .context
        .as_ref()?
        .cluster
        .clone();
    kubeconfig
        .clusters
        .iter()
        .find(|c| c.name == cluster)?
        .cluster
        .as_ref()?
        .proxy_url
        .clone()
        .filter(|p| !p.is_empty())
}

fn parse_proxy(url: &str) -> Result<http::Uri, KubeError> {
    url.parse::<http::Uri>()
        .map_err(|e| KubeError::Settings(format!("the proxy URL {url:?} is not a URL: {e}")))
}

/// The proxy the environment names for the API server (`HTTPS_PROXY`,
/// `HTTP_PROXY`, `NO_PROXY`, in either case), if any.
fn env_proxy(cluster: &http::Uri) -> Result<Option<http::Uri>, KubeError> {
    let scheme = cluster.scheme_str().unwrap_or("https");
    let port = cluster
        .port_u16()
        .unwrap_or(if scheme == "https" { 443 } else { 80 });
    let host = cluster.host().unwrap_or_default();
    proxy::proxy_from_env(scheme, host, port, |k| std::env::var(k).ok())
        .as_deref()
        .map(parse_proxy)
        .transpose()
}

fn classify(host: &str, what: &str, e: ::kube::Error) -> KubeError {
    let host = host.to_owned();
    match e {
        ::kube::Error::Api(status) if status.code == 401 => KubeError::Unauthorized { host },
        ::kube::Error::Api(status) if status.code == 403 => KubeError::Forbidden {
            host,
            what: what.to_owned(),
            message: status.message.clone(),
        },
        ::kube::Error::Api(status) => KubeError::Unexpected {
            host,
            reason: format!("HTTP {}: {}", status.code, status.message),
        },
        ::kube::Error::HyperError(_) | ::kube::Error::Service(_) => KubeError::Unreachable {
            host,
            reason: error_chain(&e),
        },
        other => KubeError::Unexpected {
            host,
            reason: error_chain(&other),
        },
    }
}

/// An error with its sources, e.g. "client error (Connect): tcp connect
/// error: Connection refused".
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = cause.source();
    }
    out
}

/// Property tests: whatever a kubeconfig file holds, connecting with it
/// gives a client or a typed [`KubeError`], never a panic.
#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    fn kubeconfig_like() -> impl Strategy<Value = String> {
        let server = prop_oneof![
            Just("https://127.0.0.1:6443".to_owned()),
            "[a-z:/.0-9]{0,20}",
        ];
        (server, "[a-zA-Z0-9+/=]{0,40}", "[a-z-]{0,8}", ".{0,40}").prop_map(|(server, data, ctx, junk)| {
            format!(
                "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: {server}\n    \
                 certificate-authority-data: {data}\ncontexts:\n- name: {ctx}\n  context:\n    cluster: c\n    \
                 user: u\ncurrent-context: {ctx}\nusers:\n- name: u\n  user:\n    token: {junk}\n"
            )
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn any_kubeconfig_connects_or_fails_typed(text in prop_oneof![kubeconfig_like(), ".{0,200}"]) {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("config");
            std::fs::write(&path, &text).unwrap();
            let conn = Connection {
                config_path: Some(path.to_string_lossy().into_owned()),
                ..Connection::default()
            };
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            match rt.block_on(Cluster::connect(&conn)) {
                Ok(_) | Err(KubeError::Kubeconfig { .. } | KubeError::Settings(_) | KubeError::Unexpected { .. } | KubeError::Unreachable { .. }) => {}
                Err(other) => prop_assert!(false, "unexpected error kind: {other}"),
            }
        }
    }
}
