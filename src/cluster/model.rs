//! The `cluster` block as a typed model, and the cluster access it gives:
//! the connection settings, the key source, the keys read through
//! [`crate::kube`].

use super::{
    at, kube_config_path, secret_at, CLIENT_CERTIFICATE, CLIENT_KEY, CLUSTER_CA_CERTIFICATE,
    CONFIG_CONTEXT, CONFIG_PATH, CONFIG_PATHS, EXEC, EXEC_API_VERSION, EXEC_ARGS, EXEC_COMMAND,
    EXEC_ENV, HOST, INSECURE, JWKS_ENDPOINT, NAME, NAMESPACE, PROXY_URL, SECRET, SECRET_KEY,
    TLS_SERVER_NAME, TOKEN,
};
use crate::domain::cluster_keys::DEFAULT_SECRET_KEY;
use crate::domain::keys::PublicKey;
use crate::errors::ToDiagnostic;
use crate::framework::model as m;
use crate::kube::{Cluster, Connection, Exec, KeySource, KubeError, SigningKeysError};
use crate::tfplugin::{Diagnostic, Value};

/// A configured, planned or stored `cluster` block.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ClusterModel {
    pub config_path: Option<String>,
    pub config_paths: Option<Vec<String>>,
    pub client_certificate: Option<String>,
    pub client_key: Option<String>,
    pub insecure: Option<bool>,
    pub tls_server_name: Option<String>,
    pub proxy_url: Option<String>,
    pub exec: Option<ExecModel>,
    pub config_context: Option<String>,
    pub host: Option<String>,
    pub token: Option<String>,
    pub cluster_ca_certificate: Option<String>,
    pub jwks_endpoint: Option<bool>,
    pub secret: Option<SecretModel>,
}

/// The `exec` block.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ExecModel {
    pub api_version: Option<String>,
    pub command: Option<String>,
    pub args: Option<Vec<String>>,
    pub env: Option<std::collections::BTreeMap<String, String>>,
}

/// The `secret` block.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SecretModel {
    pub namespace: Option<String>,
    pub name: Option<String>,
    pub key: Option<String>,
}

impl ClusterModel {
    /// `None` when the block is absent.
    pub fn from_value(v: &Value) -> Option<ClusterModel> {
        let secret = v.attr(SECRET);
        let exec = v.attr(EXEC);
        matches!(v, Value::Object(_)).then(|| ClusterModel {
            config_path: m::string(v, CONFIG_PATH),
            config_paths: m::string_list(v, CONFIG_PATHS),
            client_certificate: m::string(v, CLIENT_CERTIFICATE),
            client_key: m::string(v, CLIENT_KEY),
            insecure: m::bool(v, INSECURE),
            tls_server_name: m::string(v, TLS_SERVER_NAME),
            proxy_url: m::string(v, PROXY_URL),
            exec: matches!(exec, Value::Object(_)).then(|| ExecModel {
                api_version: m::string(exec, EXEC_API_VERSION),
                command: m::string(exec, EXEC_COMMAND),
                args: m::string_list(exec, EXEC_ARGS),
                env: m::string_map(exec, EXEC_ENV),
            }),
            config_context: m::string(v, CONFIG_CONTEXT),
            host: m::string(v, HOST),
            token: m::string(v, TOKEN),
            cluster_ca_certificate: m::string(v, CLUSTER_CA_CERTIFICATE),
            jwks_endpoint: m::bool(v, JWKS_ENDPOINT),
            secret: matches!(secret, Value::Object(_)).then(|| SecretModel {
                namespace: m::string(secret, NAMESPACE),
                name: m::string(secret, NAME),
                key: m::string(secret, SECRET_KEY),
            }),
        })
    }

    pub fn to_value(&self) -> Value {
        let secret = self.secret.as_ref().map_or(Value::Null, |s| {
            m::object([
                (NAMESPACE, m::opt_string(s.namespace.as_deref())),
                (NAME, m::opt_string(s.name.as_deref())),
                (SECRET_KEY, m::opt_string(s.key.as_deref())),
            ])
        });
        let exec = self.exec.as_ref().map_or(Value::Null, |e| {
            m::object([
                (EXEC_API_VERSION, m::opt_string(e.api_version.as_deref())),
                (EXEC_COMMAND, m::opt_string(e.command.as_deref())),
                (EXEC_ARGS, m::list_value(e.args.as_deref())),
                (EXEC_ENV, m::map_value(e.env.as_ref())),
            ])
        });
        m::object([
            (CONFIG_PATH, m::opt_string(self.config_path.as_deref())),
            (CONFIG_PATHS, m::list_value(self.config_paths.as_deref())),
            (
                CLIENT_CERTIFICATE,
                m::opt_string(self.client_certificate.as_deref()),
            ),
            (CLIENT_KEY, m::opt_string(self.client_key.as_deref())),
            (INSECURE, self.insecure.map_or(Value::Null, Value::Bool)),
            (
                TLS_SERVER_NAME,
                m::opt_string(self.tls_server_name.as_deref()),
            ),
            (PROXY_URL, m::opt_string(self.proxy_url.as_deref())),
            (EXEC, exec),
            (
                CONFIG_CONTEXT,
                m::opt_string(self.config_context.as_deref()),
            ),
            (HOST, m::opt_string(self.host.as_deref())),
            (TOKEN, m::opt_string(self.token.as_deref())),
            (
                CLUSTER_CA_CERTIFICATE,
                m::opt_string(self.cluster_ca_certificate.as_deref()),
            ),
            (
                JWKS_ENDPOINT,
                self.jwks_endpoint.map_or(Value::Null, Value::Bool),
            ),
            (SECRET, secret),
        ])
    }

    pub fn connection(&self) -> Connection {
        let paths = self.config_paths.clone().unwrap_or_default();
        Connection {
            config_path: match (&self.config_path, &self.host, paths.is_empty()) {
                (None, None, true) => kube_config_path(),
                (path, _, _) => path.clone(),
            },
            config_paths: paths,
            config_context: self.config_context.clone(),
            host: self.host.clone(),
            token: self.token.clone(),
            cluster_ca_certificate: self.cluster_ca_certificate.clone(),
            client_certificate: self.client_certificate.clone(),
            client_key: self.client_key.clone(),
            exec: self.exec.as_ref().map(|e| Exec {
                api_version: e.api_version.clone().unwrap_or_default(),
                command: e.command.clone().unwrap_or_default(),
                args: e.args.clone().unwrap_or_default(),
                env: e.env.clone().unwrap_or_default(),
            }),
            insecure: self.insecure == Some(true),
            tls_server_name: self.tls_server_name.clone(),
            proxy_url: self.proxy_url.clone(),
        }
    }

    /// A cluster error, at the setting to check: the secret's name or key,
    /// the token, or else the connection setting in use.
    fn diagnostic(&self, e: &KubeError) -> Diagnostic {
        let connection = if self.host.is_none() {
            at(CONFIG_PATH)
        } else {
            at(HOST)
        };
        let path = match e {
            KubeError::Kubeconfig { .. } => at(CONFIG_PATH),
            KubeError::Unauthorized { .. } if self.token.is_some() => at(TOKEN),
            KubeError::SecretNotFound { .. } => secret_at(NAME),
            KubeError::KeyMissing { .. } => secret_at(SECRET_KEY),
            KubeError::JwksUnavailable { .. } => at(JWKS_ENDPOINT),
            _ => connection,
        };
        e.to_diagnostic().at(path)
    }

    /// Where the block says the keys are, if it says.
    pub fn key_source(&self) -> Option<KeySource> {
        if let Some(s) = &self.secret {
            return Some(KeySource::Secret {
                namespace: s.namespace.clone().unwrap_or_default(),
                name: s.name.clone().unwrap_or_default(),
                key: s
                    .key
                    .clone()
                    .unwrap_or_else(|| DEFAULT_SECRET_KEY.to_owned()),
            });
        }
        (self.jwks_endpoint == Some(true)).then_some(KeySource::JwksEndpoint)
    }

    /// A client for the cluster; no request is made yet.
    pub async fn connect(&self) -> Result<Cluster, Diagnostic> {
        Cluster::connect(&self.connection())
            .await
            .map_err(|e| self.diagnostic(&e))
    }

    /// Read the keys from the cluster (one API request): from the secret
    /// when there is one, else from the apiserver's JWKS.
    pub async fn read_keys(&self) -> Result<Vec<PublicKey>, Diagnostic> {
        let client = self.connect().await?;
        let source = self.key_source().unwrap_or(KeySource::JwksEndpoint);
        client.signing_keys(&source).await.map_err(|e| match e {
            SigningKeysError::Kube(e) => self.diagnostic(&e),
            SigningKeysError::Keys(e) => {
                let path = if self.secret.is_some() {
                    secret_at(SECRET_KEY)
                } else {
                    at(JWKS_ENDPOINT)
                };
                e.to_diagnostic().at(path)
            }
        })
    }
}
