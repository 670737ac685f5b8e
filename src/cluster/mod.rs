//! The `cluster` block: how to reach a running cluster and where its
//! service-account public keys are, as one schema piece shared by
//! `irsa_jwks` and `irsa_trust_check`, and the reading of those keys (and
//! of service-account tokens) through [`crate::kube`].
//!
//! Connect either with a kubeconfig (`config_path`, `config_context`) or with
//! `host`, `token` and `cluster_ca_certificate`; take the keys either from a
//! secret (`secret { namespace, name, key }`) or from the apiserver's own
//! `/openid/v1/jwks` (`jwks_endpoint = true`).

use crate::attributes::{self, rule};
use crate::context::ProviderData;
use crate::domain::certificates;
use crate::domain::cluster_keys::{self, DEFAULT_SECRET_KEY};
use crate::framework::validator;
use crate::framework::{Attr, BlockSpec, Constraint};
use crate::tfplugin::{AttrPath, Diagnostic, Diagnostics, Mode, Value};

/// The name of the block.
pub const CLUSTER: &str = "cluster";

pub const CONFIG_PATH: &str = "config_path";
pub const CONFIG_CONTEXT: &str = "config_context";
pub const HOST: &str = "host";
pub const TOKEN: &str = "token";
pub const CLUSTER_CA_CERTIFICATE: &str = "cluster_ca_certificate";
pub const JWKS_ENDPOINT: &str = "jwks_endpoint";
pub const SECRET: &str = "secret";
pub const CONFIG_PATHS: &str = "config_paths";
pub const CLIENT_CERTIFICATE: &str = "client_certificate";
pub const CLIENT_KEY: &str = "client_key";
pub const INSECURE: &str = "insecure";
pub const TLS_SERVER_NAME: &str = "tls_server_name";
pub const PROXY_URL: &str = "proxy_url";
pub const EXEC: &str = "exec";

/// The attributes of the `exec` block.
pub const EXEC_API_VERSION: &str = "api_version";
pub const EXEC_COMMAND: &str = "command";
pub const EXEC_ARGS: &str = "args";
pub const EXEC_ENV: &str = "env";

/// The attributes of the `secret` block inside `cluster`.
pub const NAMESPACE: &str = "namespace";
pub const NAME: &str = "name";
pub const SECRET_KEY: &str = "key";

/// The path of an attribute of the block.
pub fn at(name: &str) -> AttrPath {
    AttrPath::attr(CLUSTER).then_attr(name)
}

/// The path of an attribute of the `secret` block.
pub fn secret_at(name: &str) -> AttrPath {
    at(SECRET).then_attr(name)
}

/// Whether the block must name where the keys are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keys {
    /// `irsa_jwks`: the keys are what the block is for.
    Required,
    /// `irsa_trust_check`: the keys are checked when a source is given.
    Optional,
}

/// The `cluster` block, with `description` as its own description. The
/// token is write-only on Terraform 1.11 and later (see [`stored`]).
pub fn block(description: &str, keys: Keys) -> BlockSpec {
    use Mode::{Optional, OptionalComputed, Required};
    let secret = BlockSpec::new(
        "Read the public key from a secret, e.g. the Cluster API secret `<cluster>-sa` in the workload cluster's \
         namespace of the management cluster. Only the named key is read; the rest of the secret (its `tls.key`) \
         is dropped unread and never stored.",
    )
    .attr(
        Attr::string(NAMESPACE, Required, "Namespace of the secret.")
            .validate(rule(cluster_keys::validate_namespace)),
    )
    .attr(
        Attr::string(NAME, Required, "Name of the secret, e.g. `workload-1-sa`.")
            .validate(rule(cluster_keys::validate_secret_name)),
    )
    .attr(
        Attr::string(
            SECRET_KEY,
            OptionalComputed,
            "Key of the secret's data that holds the PEM public key (a `PUBLIC KEY`, a certificate or a bundle of \
             them). Default `tls.crt`.",
        )
        .default(Value::string(DEFAULT_SECRET_KEY))
        .validate(rule(cluster_keys::validate_secret_key)),
    );
    BlockSpec::new(description)
        .attr(
            Attr::string(
                CONFIG_PATH,
                Optional,
                "Path of a kubeconfig file; `~` stands for the home directory. Default: `KUBE_CONFIG_PATH`, as for \
                 the kubernetes provider. The file is read when planning and applying. Write-only on Terraform 1.11 \
                 and later: the path, which differs from one machine to the next, is kept out of the plan and the \
                 state, so two people whose kubeconfigs reach the same cluster plan no change. Older versions store \
                 the path, and a different one plans an in-place update that writes nothing to S3 unless the keys \
                 changed. A proxy in `HTTPS_PROXY` is used unless `NO_PROXY` names the API server, and a kubeconfig \
                 cluster's `proxy-url` takes precedence.",
            )
            .write_only(),
        )
        .attr(Attr::string(
            CONFIG_CONTEXT,
            Optional,
            "Context of the kubeconfig to use. Default: its current context.",
        ))
        .attr(
            Attr::string(
                HOST,
                Optional,
                "URL of the Kubernetes API server, e.g. `https://10.0.0.10:6443`. Use with `token` and \
                 `cluster_ca_certificate` instead of a kubeconfig.",
            )
            .validate(validator::string(validate_host)),
        )
        .attr(
            Attr::string(
                TOKEN,
                Optional,
                "Bearer token for `host`. Never logged. Write-only on Terraform 1.11 and later: it is used when \
                 planning and applying and never kept in the plan or the state. Older Terraform versions keep \
                 resource arguments in the state (marked sensitive); there, prefer `config_path`, which keeps only \
                 the file's path.",
            )
            .sensitive()
            .write_only(),
        )
        .attr(
            Attr::string(
                CLUSTER_CA_CERTIFICATE,
                Optional,
                "PEM CA certificate of the API server at `host`. Default: the system roots.",
            )
            .validate(attributes::ca_certificate()),
        )
        .attr(Attr::bool(
            JWKS_ENDPOINT,
            Optional,
            "Read the apiserver's own key set from `/openid/v1/jwks` (what `kubectl get --raw /openid/v1/jwks` \
             shows). Each key's `kid` is derived again from the key, and a key served with a different `kid` is \
             refused. Needs Kubernetes 1.20+ and `get` on that URL (`system:service-account-issuer-discovery`).",
        ))
        .attr(
            Attr::string_list(
                CONFIG_PATHS,
                Optional,
                "Several kubeconfig files, merged in order as `KUBECONFIG` merges them; instead of `config_path`. \
                 Write-only on Terraform 1.11 and later, like `config_path`.",
            )
            .write_only(),
        )
        .attr(
            Attr::string(
                CLIENT_CERTIFICATE,
                Optional,
                "PEM client certificate for `host`, with `client_key`.",
            )
            .validate(validator::string(|v| {
                certificates::validate_ca_certificates_pem(v)
                    .map(|_| ())
                    .map_err(|e| Diagnostic::error("Invalid client certificate", e.to_string()))
            })),
        )
        .attr(
            Attr::string(
                CLIENT_KEY,
                Optional,
                "PEM private key of `client_certificate`. Never logged; write-only on Terraform 1.11 and later, \
                 like `token`.",
            )
            .sensitive()
            .write_only()
            .validate(validator::string(|v| {
                certificates::validate_private_key_pem(v)
                    .map_err(|e| Diagnostic::error("Invalid client key", e.to_string()))
            })),
        )
        .attr(Attr::bool(
            INSECURE,
            Optional,
            "Do not verify the API server's certificate. For test clusters only. Default `false`.",
        ))
        .attr(Attr::string(
            TLS_SERVER_NAME,
            Optional,
            "The name to verify the API server's certificate for, when it differs from the host in the URL.",
        ))
        .attr(
            Attr::string(
                PROXY_URL,
                Optional,
                "Proxy for the API server (`http://`, `https://` or `socks5://`), over a kubeconfig's `proxy-url` \
                 and `HTTPS_PROXY`.",
            )
            .validate(validator::string(validate_proxy_url)),
        )
        .block(SECRET, secret)
        .block(
            EXEC,
            BlockSpec::new(
                "A client-go credential plugin for `host`, as a kubeconfig's `users[].user.exec`: the command prints \
                 an `ExecCredential` whose token is used. Kubeconfig exec plugins work as well, through \
                 `config_path`.",
            )
            .attr(Attr::string(
                EXEC_API_VERSION,
                Required,
                "The `ExecCredential` API version, e.g. `client.authentication.k8s.io/v1beta1`.",
            ))
            .attr(Attr::string(EXEC_COMMAND, Required, "The command to run."))
            .attr(Attr::string_list(EXEC_ARGS, Optional, "Its arguments."))
            .attr(Attr::string_map(
                EXEC_ENV,
                Optional,
                "Environment variables for it, besides this process's.",
            )),
        )
        .constraint(
            Constraint::conflicts_with(&[CONFIG_PATH, CONFIG_PATHS, HOST]).when_conflicting(
                "Conflicting connection settings",
                "Set either config_path or config_paths (with config_context), or host (with token, \
                 cluster_ca_certificate, client_certificate or exec), not both.",
            ),
        )
        .constraint(Constraint::required_with(CLIENT_CERTIFICATE, &[CLIENT_KEY]))
        .constraint(Constraint::required_with(CLIENT_KEY, &[CLIENT_CERTIFICATE]))
        .constraint(match keys {
            Keys::Required => Constraint::exactly_one_of(&[SECRET, JWKS_ENDPOINT])
                .when_conflicting(TWO_SOURCES.0, TWO_SOURCES.1)
                .when_missing(
                    "No key source in the cluster block",
                    "Add a secret { namespace, name } block (for Cluster API: the <cluster>-sa secret in the \
                     management cluster) or set jwks_endpoint = true to read the apiserver's /openid/v1/jwks.",
                ),
            Keys::Optional => Constraint::conflicts_with(&[SECRET, JWKS_ENDPOINT])
                .when_conflicting(TWO_SOURCES.0, TWO_SOURCES.1),
        })
}

const TWO_SOURCES: (&str, &str) = (
    "Two key sources in the cluster block",
    "Set either a secret block or jwks_endpoint = true, not both.",
);

/// `KUBE_CONFIG_PATH`, when set and not empty.
pub(crate) fn kube_config_path() -> Option<String> {
    std::env::var("KUBE_CONFIG_PATH")
        .ok()
        .filter(|p| !p.is_empty())
}

fn validate_proxy_url(url: &str) -> Result<(), Diagnostic> {
    let ok = ["http://", "https://", "socks5://"]
        .iter()
        .any(|p| url.strip_prefix(p).is_some_and(|rest| !rest.is_empty()))
        && url.parse::<http::Uri>().is_ok();
    if ok {
        Ok(())
    } else {
        Err(Diagnostic::error(
            "Invalid proxy URL",
            format!("proxy_url {url:?} must be a URL like http://proxy.example.com:3128."),
        ))
    }
}

fn validate_host(host: &str) -> Result<(), Diagnostic> {
    if host.starts_with("https://") || host.starts_with("http://") {
        Ok(())
    } else {
        Err(Diagnostic::error(
            "Invalid API server URL",
            format!("host {host:?} must be a URL like https://10.0.0.10:6443."),
        ))
    }
}

/// The checks of the block that its constraints cannot say: a setting of
/// one way of connecting used with the other, reported at that setting.
/// Only known values count: an unknown one is neither set nor unset.
pub fn validate(cluster: &Value, diags: &mut Diagnostics) {
    if !matches!(cluster, Value::Object(_)) {
        return;
    }
    let state = |name: &str| match cluster.attr(name) {
        Value::Unknown => None,
        Value::Null => Some(false),
        _ => Some(true),
    };
    let any_path = match (state(CONFIG_PATH), state(CONFIG_PATHS)) {
        (Some(true), _) | (_, Some(true)) => Some(true),
        (Some(false), Some(false)) => Some(false),
        _ => None,
    };
    let kubeconfig_only = any_path == Some(true) && state(HOST) == Some(false);
    let host_only = state(HOST) == Some(true) && any_path == Some(false);
    if kubeconfig_only {
        for name in [
            TOKEN,
            CLUSTER_CA_CERTIFICATE,
            CLIENT_CERTIFICATE,
            CLIENT_KEY,
            EXEC,
        ] {
            if state(name) == Some(true) {
                diags.push(
                    Diagnostic::error(
                        "Setting used without host",
                        format!(
                            "{name} is used with host only; with config_path the kubeconfig supplies it."
                        ),
                    )
                    .at(at(name)),
                );
            }
        }
    }
    // Neither: the kubeconfig named by KUBE_CONFIG_PATH, as the kubernetes
    // provider reads it.
    if any_path == Some(false) && state(HOST) == Some(false) && kube_config_path().is_none() {
        diags.push(
            Diagnostic::error(
                "No connection settings",
                "Set config_path (a kubeconfig file) or host (with token and cluster_ca_certificate), or \
                 KUBE_CONFIG_PATH in the environment.",
            )
            .at(at(CONFIG_PATH)),
        );
    }
    if host_only && state(CONFIG_CONTEXT) == Some(true) {
        diags.push(
            Diagnostic::error(
                "Setting used without config_path",
                "config_context selects a context of the kubeconfig at config_path.",
            )
            .at(at(CONFIG_CONTEXT)),
        );
    }
}

/// The cluster block the keys are read with: the planned block (with its
/// defaults) and the configured token, which a plan on Terraform 1.11 and
/// later never holds.
pub fn with_write_only(planned: &Value, config: &Value) -> Value {
    let mut cluster = planned.clone();
    for name in WRITE_ONLY {
        cluster.set_attr(name, config.attr(name).clone());
    }
    cluster
}

/// The block's write-only attributes: the secrets, and the paths that
/// differ from one machine to the next.
const WRITE_ONLY: [&str; 4] = [TOKEN, CLIENT_KEY, CONFIG_PATH, CONFIG_PATHS];

/// The cluster block as a data source's state holds it: data-source
/// arguments land in the state on every Terraform version, so the
/// write-only ones are left out.
pub fn without_write_only(mut cluster: Value) -> Value {
    for name in WRITE_ONLY {
        cluster.set_attr(name, Value::Null);
    }
    cluster
}

/// The cluster block as plans and state hold it: without the token where
/// Terraform supports write-only attributes.
pub fn stored(data: &ProviderData, mut cluster: Value) -> Value {
    if data.write_only_supported() {
        cluster = without_write_only(cluster);
    }
    cluster
}

mod model;

pub use model::{ClusterModel, ExecModel, SecretModel};
