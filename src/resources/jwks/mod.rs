//! `irsa_jwks`: the issuer's key set, built from PEM public keys and/or
//! pulled from a running cluster, published as one S3 object.
//!
//! The cluster is read at plan time, so an unreachable cluster or a missing
//! secret stops the plan, and a key rotated in the cluster shows up as a
//! planned change with the new kids. When the cluster settings are not known
//! yet (the cluster is created in the same run), the document is planned as
//! known after apply and built at apply. Refresh reads only the object (one
//! GetObject): it is what AWS serves that drifts.

use std::collections::BTreeMap;

use crate::attributes;
use crate::aws::{s3, AwsError};
use crate::context::ProviderData;
use crate::domain::cluster_keys::{self, DEFAULT_SECRET_KEY};
use crate::domain::discovery::{self, DiscoveryDocument};
use crate::domain::jwks::{self, Jwks};
use crate::domain::keys::PublicKey;
use crate::domain::s3_issuer;
use crate::errors::ToDiagnostic;
use crate::framework::model::string as text;
use crate::kube::{Cluster, Connection, KubeError};
use crate::tfplugin::{
    ApplyRequest, AttrPath, Attribute, Block, BlockNesting, Diagnostic, Diagnostics, Mode,
    NestedBlock, PlanRequest, Planned, Resource, Schema, Type, Value,
};

pub struct JwksObject;

pub fn schema() -> Schema {
    let s = |name: &str, mode, desc: &str| Attribute::new(name, Type::String, mode, desc);
    let secret = NestedBlock::new(
        "secret",
        BlockNesting::Single,
        Block {
            description: "Read the public key from a secret, e.g. the Cluster API secret `<cluster>-sa` in the \
                          workload cluster's namespace of the management cluster. Only the named key is read; \
                          the rest of the secret (its `tls.key`) is dropped unread and never stored."
                .into(),
            attributes: vec![
                s("namespace", Mode::Required, "Namespace of the secret."),
                s("name", Mode::Required, "Name of the secret, e.g. `workload-1-sa`."),
                s(
                    "key",
                    Mode::OptionalComputed,
                    "Key of the secret's data that holds the PEM public key (a `PUBLIC KEY`, a certificate or a \
                     bundle of them). Default `tls.crt`.",
                ),
            ],
            blocks: vec![],
        },
    );
    let cluster = NestedBlock::new(
        "cluster",
        BlockNesting::Single,
        Block {
            description: "Pull the service-account public keys from a running cluster, through the Kubernetes API. \
                          Connect either with a kubeconfig (`config_path`, `config_context`) or with `host`, \
                          `token` and `cluster_ca_certificate`. Set exactly one source: a `secret` block or \
                          `jwks_endpoint = true`. The cluster is read at plan time; when these settings are not \
                          known until apply (the cluster is created in the same run), the document is known after \
                          apply."
                .into(),
            attributes: vec![
                s(
                    "config_path",
                    Mode::Optional,
                    "Path of a kubeconfig file. Only the path is stored; the file is read when planning.",
                ),
                s(
                    "config_context",
                    Mode::Optional,
                    "Context of the kubeconfig to use. Default: its current context.",
                ),
                s(
                    "host",
                    Mode::Optional,
                    "URL of the Kubernetes API server, e.g. `https://10.0.0.10:6443`. Use with `token` and \
                     `cluster_ca_certificate` instead of a kubeconfig.",
                ),
                s(
                    "token",
                    Mode::Optional,
                    "Bearer token for `host`. Never logged. Write-only on Terraform 1.11 and later: it is used \
                     when planning and applying and never kept in the plan or the state. Older Terraform \
                     versions keep resource arguments in the state (marked sensitive); there, prefer \
                     `config_path`, which keeps only the file's path.",
                )
                .sensitive()
                .write_only(),
                s(
                    "cluster_ca_certificate",
                    Mode::Optional,
                    "PEM CA certificate of the API server at `host`. Default: the system roots.",
                ),
                Attribute::new(
                    "jwks_endpoint",
                    Type::Bool,
                    Mode::Optional,
                    "Read the apiserver's own key set from `/openid/v1/jwks` (what `kubectl get --raw \
                     /openid/v1/jwks` shows). Each key's `kid` is derived again from the key, and a key served \
                     with a different `kid` is refused. Needs Kubernetes 1.20+ and `get` on that URL \
                     (`system:service-account-issuer-discovery`).",
                ),
            ],
            blocks: vec![secret],
        },
    );
    let mut pem = attributes::public_keys_pem_attribute(Mode::Optional);
    pem.description.push_str(
        " Merged with the keys from `cluster`, de-duplicated by `kid`. To rotate: publish the old and new key \
         together, switch the signer, then drop the old key.",
    );
    Schema {
        version: 0,
        block: Block {
            description: "Publishes the cluster's service-account signing keys as a JSON Web Key Set, at the object \
                          the issuer's discovery document names in `jwks_uri`. The keys come from PEM \
                          (`public_keys_pem`), from a running cluster (`cluster`), or both. In the two-phase flow \
                          (TKGm, Cluster API) create the issuer first, then the cluster, then this resource with \
                          `count = var.cluster_created ? 1 : 0`."
                .into(),
            attributes: vec![
                s("id", Mode::Computed, "`<bucket>/<key>`."),
                s(
                    "bucket",
                    Mode::Required,
                    "Bucket to publish to, normally `irsa_issuer.<name>.bucket`. Changing it moves the object.",
                ),
                s(
                    "key",
                    Mode::Required,
                    "Object key, normally `irsa_issuer.<name>.jwks_key`. Changing it moves the object.",
                ),
                s(
                    "region",
                    Mode::OptionalComputed,
                    "Region of the bucket, normally `irsa_issuer.<name>.region`. Default: the provider's region.",
                ),
                pem,
                attributes::legacy_kid_attribute(),
                Attribute::new(
                    "issuer_signing_algorithms",
                    Type::set(Type::String),
                    Mode::Optional,
                    "The algorithms the issuer advertises, normally `irsa_issuer.<name>.signing_algorithms`; \
                     plan warns when a key's algorithm is not among them, since STS refuses such tokens. When \
                     unset, the discovery document found next to `key` in the bucket is read instead, when the \
                     document changes.",
                ),
                s("json", Mode::Computed, "The published document, byte for byte."),
                Attribute::new(
                    "kids",
                    Type::list(Type::String),
                    Mode::Computed,
                    "The key ids of the published document, in document order.",
                ),
                Attribute::new(
                    "algorithms",
                    Type::list(Type::String),
                    Mode::Computed,
                    "The signing algorithms of the published keys, sorted.",
                ),
                s(
                    "etag",
                    Mode::Computed,
                    "The ETag of the published object (without quotes). Changes whenever the object is written.",
                ),
            ],
            blocks: vec![cluster],
        },
    }
}

// ------------------------------------------------------------ validation

fn attr(name: &str) -> AttrPath {
    AttrPath::attr(name)
}

fn cluster_path(name: &str) -> AttrPath {
    AttrPath::attr("cluster").then_attr(name)
}

fn secret_path(name: &str) -> AttrPath {
    cluster_path("secret").then_attr(name)
}

fn validate_object_key(key: &str) -> Result<(), &'static str> {
    if key.is_empty() {
        Err("is empty")
    } else if key.starts_with('/') {
        Err("starts with '/'; object keys are relative to the bucket, e.g. `keys.json` or `prefix/keys.json`")
    } else if key.len() > 1024 {
        Err("is longer than S3's 1024 bytes")
    } else {
        Ok(())
    }
}

fn validate_config(config: &Value, diags: &mut Diagnostics) {
    if let Some(bucket) = config.attr("bucket").as_str() {
        if let Err(e) = s3_issuer::validate_bucket_name(bucket) {
            diags.push(e.to_diagnostic().at(attr("bucket")));
        }
    }
    if let Some(key) = config.attr("key").as_str() {
        if let Err(reason) = validate_object_key(key) {
            diags.push(
                Diagnostic::error("Invalid object key", format!("key {key:?} {reason}."))
                    .at(attr("key")),
            );
        }
    }
    if config.attr("region").as_str() == Some("") {
        diags.push(
            Diagnostic::error(
                "Invalid region",
                "region is empty; leave it out for the provider's region.",
            )
            .at(attr("region")),
        );
    }
    for alg in config
        .attr("issuer_signing_algorithms")
        .as_elements()
        .unwrap_or_default()
    {
        if let Some(Err(e)) = alg.as_str().map(discovery::validate_signing_algorithm) {
            diags.push(e.to_diagnostic().at(attr("issuer_signing_algorithms")));
        }
    }

    let pem = config.attr("public_keys_pem");
    if pem.as_elements().is_some_and(|items| !items.is_empty()) {
        attributes::validate_public_keys_pem(pem, diags);
    }
    let cluster = config.attr("cluster");
    let no_pem = pem.is_null() || pem.as_elements().is_some_and(<[Value]>::is_empty);
    if no_pem && cluster.is_null() {
        diags.push(
            Diagnostic::error(
                "No keys to publish",
                "Set public_keys_pem, a cluster block, or both. For the two-phase flow, create this resource \
                 only once the cluster exists: count = var.cluster_created ? 1 : 0.",
            )
            .at(attr("public_keys_pem")),
        );
    }
    if !cluster.is_null() && !cluster.is_unknown() {
        validate_cluster(cluster, diags);
    }
}

fn validate_cluster(c: &Value, diags: &mut Diagnostics) {
    // Unknown values count as set: they will be known at apply.
    let set = |name: &str| !c.attr(name).is_null();
    match (set("config_path"), set("host")) {
        (true, true) => diags.push(
            Diagnostic::error(
                "Conflicting connection settings",
                "Set either config_path (with config_context) or host (with token and cluster_ca_certificate), \
                 not both.",
            )
            .at(cluster_path("host")),
        ),
        (false, false) => diags.push(
            Diagnostic::error(
                "No connection settings",
                "Set config_path (a kubeconfig file) or host (with token and cluster_ca_certificate).",
            )
            .at(AttrPath::attr("cluster")),
        ),
        (true, false) => {
            for name in ["token", "cluster_ca_certificate"] {
                if set(name) {
                    diags.push(
                        Diagnostic::error(
                            "Setting used without host",
                            format!("{name} is used with host only; with config_path the kubeconfig supplies it."),
                        )
                        .at(cluster_path(name)),
                    );
                }
            }
        }
        (false, true) => {
            if set("config_context") {
                diags.push(
                    Diagnostic::error(
                        "Setting used without config_path",
                        "config_context selects a context of the kubeconfig at config_path.",
                    )
                    .at(cluster_path("config_context")),
                );
            }
            if let Some(host) = c.attr("host").as_str() {
                if !(host.starts_with("https://") || host.starts_with("http://")) {
                    diags.push(
                        Diagnostic::error(
                            "Invalid API server URL",
                            format!("host {host:?} must be a URL like https://10.0.0.10:6443."),
                        )
                        .at(cluster_path("host")),
                    );
                }
            }
        }
    }
    let secret = c.attr("secret");
    let jwks = c.attr("jwks_endpoint");
    if !secret.is_null() && jwks.as_bool() == Some(true) {
        diags.push(
            Diagnostic::error(
                "Two key sources in the cluster block",
                "Set either a secret block or jwks_endpoint = true, not both.",
            )
            .at(cluster_path("jwks_endpoint")),
        );
    }
    if secret.is_null() && !jwks.is_unknown() && jwks.as_bool() != Some(true) {
        diags.push(
            Diagnostic::error(
                "No key source in the cluster block",
                "Add a secret { namespace, name } block (for Cluster API: the <cluster>-sa secret in the \
                 management cluster) or set jwks_endpoint = true to read the apiserver's /openid/v1/jwks.",
            )
            .at(AttrPath::attr("cluster")),
        );
    }
    type Check = fn(&str) -> Result<(), cluster_keys::SecretRefError>;
    let checks: [(&str, Check); 3] = [
        ("namespace", cluster_keys::validate_namespace),
        ("name", cluster_keys::validate_secret_name),
        ("key", cluster_keys::validate_secret_key),
    ];
    for (name, check) in checks {
        if let Some(Err(e)) = secret.attr(name).as_str().map(check) {
            diags.push(e.to_diagnostic().at(secret_path(name)));
        }
    }
}

// --------------------------------------------------------------- the keys

/// The keys of the configuration: known, not known before apply, or failed
/// (with diagnostics).
enum Keys {
    Known(Vec<PublicKey>),
    Unknown,
    Failed,
}

/// A cluster error, at the setting to check: the secret's name or key, the
/// token, or else the connection setting in use.
fn kube_diagnostic(e: &KubeError, cluster: &Value) -> Diagnostic {
    let connection = if cluster.attr("host").is_null() {
        cluster_path("config_path")
    } else {
        cluster_path("host")
    };
    let path = match e {
        KubeError::Kubeconfig { .. } => cluster_path("config_path"),
        KubeError::Unauthorized { .. } if !cluster.attr("token").is_null() => cluster_path("token"),
        KubeError::SecretNotFound { .. } => secret_path("name"),
        KubeError::KeyMissing { .. } => secret_path("key"),
        KubeError::JwksUnavailable { .. } => cluster_path("jwks_endpoint"),
        _ => connection,
    };
    e.to_diagnostic().at(path)
}

/// Read the keys from the cluster (one or two API requests).
async fn cluster_keys(cluster: &Value) -> Result<Vec<PublicKey>, Diagnostic> {
    let conn = Connection {
        config_path: text(cluster, "config_path"),
        config_context: text(cluster, "config_context"),
        host: text(cluster, "host"),
        token: text(cluster, "token"),
        cluster_ca_certificate: text(cluster, "cluster_ca_certificate"),
    };
    let client = Cluster::connect(&conn)
        .await
        .map_err(|e| kube_diagnostic(&e, cluster))?;
    let secret = cluster.attr("secret");
    if let (Some(namespace), Some(name)) = (
        secret.attr("namespace").as_str(),
        secret.attr("name").as_str(),
    ) {
        let key = secret.attr("key").as_str().unwrap_or(DEFAULT_SECRET_KEY);
        let value = client
            .secret_value(namespace, name, key)
            .await
            .map_err(|e| kube_diagnostic(&e, cluster))?;
        cluster_keys::keys_from_secret(namespace, name, key, &value)
            .map_err(|e| e.to_diagnostic().at(secret_path("key")))
    } else {
        let served = client
            .apiserver_jwks()
            .await
            .map_err(|e| kube_diagnostic(&e, cluster))?;
        cluster_keys::keys_from_served_jwks(&served)
            .map_err(|e| e.to_diagnostic().at(cluster_path("jwks_endpoint")))
    }
}

/// The keys named by `public_keys_pem` and `cluster`.
async fn wanted_keys(pem: &Value, cluster: &Value, diags: &mut Diagnostics) -> Keys {
    let mut keys = Vec::new();
    let mut unknown = false;
    if !pem.is_wholly_known() {
        unknown = true;
    } else if !pem.is_null() {
        match attributes::parse_public_keys_pem(pem, diags) {
            Some(k) => keys.extend(k),
            None => return Keys::Failed,
        }
    }
    if !cluster.is_null() {
        if cluster.is_wholly_known() {
            match cluster_keys(cluster).await {
                Ok(k) => keys.extend(k),
                Err(d) => {
                    diags.push(d);
                    return Keys::Failed;
                }
            }
        } else {
            unknown = true;
        }
    }
    if unknown {
        Keys::Unknown
    } else {
        Keys::Known(keys)
    }
}

/// Set `json`, `kids` and `algorithms` from a document, or unknown.
fn set_document(v: &mut Value, doc: Option<&Jwks>) {
    match doc {
        Some(doc) => {
            v.set_attr("json", Value::string(doc.to_json()));
            v.set_attr("kids", Value::strings(doc.kids()));
            v.set_attr("algorithms", Value::strings(doc.algorithms()));
        }
        None => {
            for name in ["json", "kids", "algorithms"] {
                v.set_attr(name, Value::Unknown);
            }
        }
    }
}

/// The configured cluster block with the secret key's default filled in:
/// what the keys are read with.
fn source_cluster(config: &Value) -> Value {
    let mut cluster = config.attr("cluster").clone();
    if let Value::Object(_) = cluster.attr("secret") {
        let mut secret = cluster.attr("secret").clone();
        if secret.attr("key").is_null() {
            secret.set_attr("key", Value::string(DEFAULT_SECRET_KEY));
        }
        cluster.set_attr("secret", secret);
    }
    cluster
}

/// The cluster block as plans and state hold it: without the token where
/// Terraform supports write-only attributes.
fn stored_cluster(data: &ProviderData, cluster: Value) -> Value {
    let mut cluster = cluster;
    if data.write_only_supported() && matches!(cluster, Value::Object(_)) {
        cluster.set_attr("token", Value::Null);
    }
    cluster
}

/// Fill in the defaults: region, include_legacy_empty_kid, and the id.
fn with_defaults(
    mut v: Value,
    config: &Value,
    data: &ProviderData,
    diags: &mut Diagnostics,
) -> Value {
    if config.attr("region").is_null() {
        v.set_attr("region", provider_region(data, diags));
    }
    if config.attr("include_legacy_empty_kid").is_null() {
        v.set_attr("include_legacy_empty_kid", Value::Bool(false));
    }
    let id = match (v.attr("bucket").as_str(), v.attr("key").as_str()) {
        (Some(b), Some(k)) => Value::string(format!("{b}/{k}")),
        _ => Value::Unknown,
    };
    v.set_attr("id", id);
    v
}

/// The provider's region, the default of `region`; asked for only when
/// `region` is not set.
fn provider_region(data: &ProviderData, diags: &mut Diagnostics) -> Value {
    match data.region() {
        Ok(r) => Value::string(r),
        Err(d) => {
            diags.push(d.at(attr("region")));
            Value::Null
        }
    }
}

fn client(data: &ProviderData, v: &Value) -> aws_sdk_s3::Client {
    match v.attr("region").as_str() {
        Some(region) => s3::client_for_region(&data.aws.s3, region),
        None => data.aws.s3.clone(),
    }
}

/// The algorithms the issuer advertises: from `issuer_signing_algorithms`,
/// or from the discovery document next to the key. `None` when neither is
/// known; a document that cannot be read is no reason to fail a plan.
async fn advertised(data: &ProviderData, v: &Value) -> Option<(Vec<String>, String)> {
    if let Some(algs) = v.attr("issuer_signing_algorithms").as_string_vec() {
        return Some((algs, "issuer_signing_algorithms".into()));
    }
    let bucket = v.attr("bucket").as_str()?;
    let key = v.attr("key").as_str()?;
    let s3c = client(data, v);
    for candidate in cluster_keys::discovery_candidates(key) {
        let Ok(Some(text)) = s3::get_text(&s3c, bucket, &candidate).await else {
            continue;
        };
        if let Some(doc) = DiscoveryDocument::parse(&text) {
            if doc.jwks_uri.ends_with(&format!("/{key}")) {
                return Some((
                    doc.id_token_signing_alg_values_supported,
                    format!("the discovery document s3://{bucket}/{candidate}"),
                ));
            }
        }
    }
    None
}

// ------------------------------------------------------------------ read

/// The state for what the bucket holds.
fn with_object(mut state: Value, object: s3::TextObject) -> Value {
    let served: Option<Jwks> = serde_json::from_str(&object.text).ok();
    let kids = served.as_ref().map(Jwks::kids).unwrap_or_default();
    let algorithms = served.as_ref().map(Jwks::algorithms).unwrap_or_default();
    if state.attr("include_legacy_empty_kid").is_null() {
        let legacy = served
            .as_ref()
            .is_some_and(|d| d.keys.iter().any(|k| k.kid.is_none()));
        state.set_attr("include_legacy_empty_kid", Value::Bool(legacy));
    }
    state.set_attr("json", Value::string(object.text));
    state.set_attr("kids", Value::strings(kids));
    state.set_attr("algorithms", Value::strings(algorithms));
    state.set_attr("etag", Value::opt_string(object.etag));
    state
}

fn interrupted() -> Diagnostic {
    Diagnostic::error(
        "Interrupted",
        "Terraform asked the provider to stop before the key set was written; nothing was changed.",
    )
}

#[async_trait::async_trait]
impl Resource<ProviderData> for JwksObject {
    fn type_name(&self) -> &'static str {
        "irsa_jwks"
    }

    fn schema(&self) -> Schema {
        schema()
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        validate_config(config, diags);
    }

    async fn plan(
        &self,
        data: &ProviderData,
        req: PlanRequest,
        diags: &mut Diagnostics,
    ) -> Planned {
        let PlanRequest {
            prior,
            proposed,
            config,
        } = req;
        validate_config(&config, diags);
        if diags.has_errors() {
            return Planned {
                state: proposed,
                requires_replace: vec![],
            };
        }
        let mut planned = with_defaults(proposed, &config, data, diags);
        let mut requires_replace = Vec::new();
        if !prior.is_null() {
            for name in ["bucket", "key"] {
                if planned.attr(name) != prior.attr(name) {
                    requires_replace.push(attr(name));
                }
            }
        }
        let cluster = source_cluster(&config);
        let keys = wanted_keys(planned.attr("public_keys_pem"), &cluster, diags).await;
        planned.set_attr("cluster", stored_cluster(data, cluster));
        let legacy = planned
            .attr("include_legacy_empty_kid")
            .as_bool()
            .unwrap_or(false);
        let doc = match keys {
            Keys::Known(keys) => Some(jwks::build_jwks(&keys, legacy)),
            Keys::Unknown => None,
            Keys::Failed => {
                return Planned {
                    state: planned,
                    requires_replace,
                }
            }
        };
        set_document(&mut planned, doc.as_ref());
        let unchanged = !prior.is_null()
            && requires_replace.is_empty()
            && planned.attr("json").is_wholly_known()
            && planned.attr("json") == prior.attr("json");
        let etag = if unchanged {
            prior.attr("etag").clone()
        } else {
            Value::Unknown
        };
        planned.set_attr("etag", etag);

        if let (Some(doc), false) = (&doc, unchanged) {
            if let Some((advertised, source)) = advertised(data, &planned).await {
                let missing = cluster_keys::unadvertised(&doc.algorithms(), &advertised);
                if !missing.is_empty() {
                    let d = Diagnostic::warning(
                        "Key algorithm not advertised by the issuer",
                        format!(
                            "The keys use {}, which {source} does not list (it lists: {}). STS refuses tokens signed \
                             with an algorithm the issuer does not advertise: add it to signing_algorithms of the \
                             irsa_issuer.",
                            missing.join(", "),
                            advertised.join(", ")
                        ),
                    );
                    diags.push(if config.attr("issuer_signing_algorithms").is_null() {
                        d
                    } else {
                        d.at(attr("issuer_signing_algorithms"))
                    });
                }
            }
        }
        Planned {
            state: planned,
            requires_replace,
        }
    }

    async fn apply(
        &self,
        data: &ProviderData,
        req: ApplyRequest,
        diags: &mut Diagnostics,
    ) -> Value {
        let ApplyRequest {
            prior,
            planned,
            config,
            stop,
        } = req;
        if planned.is_null() {
            let (Some(bucket), Some(key)) =
                (prior.attr("bucket").as_str(), prior.attr("key").as_str())
            else {
                return Value::Null;
            };
            return match s3::delete_object(&client(data, &prior), bucket, key).await {
                Ok(()) | Err(AwsError::NotFound { .. }) => Value::Null,
                Err(e) => {
                    diags.push(e.to_diagnostic());
                    prior
                }
            };
        }
        // Values that were unknown at plan are known now: take them from
        // the configuration.
        let mut state = planned;
        for name in [
            "bucket",
            "key",
            "region",
            "public_keys_pem",
            "include_legacy_empty_kid",
            "issuer_signing_algorithms",
        ] {
            if !state.attr(name).is_wholly_known() {
                state.set_attr(name, config.attr(name).clone());
            }
        }
        let mut state = with_defaults(state, &config, data, diags);
        let cluster = source_cluster(&config);
        if !state.attr("json").is_wholly_known() {
            let legacy = state
                .attr("include_legacy_empty_kid")
                .as_bool()
                .unwrap_or(false);
            match wanted_keys(state.attr("public_keys_pem"), &cluster, diags).await {
                Keys::Known(keys) => {
                    set_document(&mut state, Some(&jwks::build_jwks(&keys, legacy)))
                }
                Keys::Unknown => {
                    diags.push(Diagnostic::error(
                        "Key sources still unknown",
                        "The cluster settings or public_keys_pem are not known even at apply.",
                    ));
                    return prior;
                }
                Keys::Failed => return prior,
            }
        }
        state.set_attr("cluster", stored_cluster(data, cluster));
        let (Some(bucket), Some(key), Some(json)) = (
            text(&state, "bucket"),
            text(&state, "key"),
            text(&state, "json"),
        ) else {
            diags.push(Diagnostic::error(
                "Incomplete plan",
                "bucket, key and the document must be known at apply.",
            ));
            return prior;
        };
        let same_object = !prior.is_null()
            && prior.attr("bucket") == state.attr("bucket")
            && prior.attr("key") == state.attr("key");
        if same_object
            && prior.attr("json") == state.attr("json")
            && !prior.attr("etag").is_unknown()
        {
            state.set_attr("etag", prior.attr("etag").clone());
            return state;
        }
        if stop.is_cancelled() {
            diags.push(interrupted());
            return prior;
        }
        match s3::put_json(&client(data, &state), &bucket, &key, &json).await {
            Ok(etag) => {
                state.set_attr("etag", Value::opt_string(etag));
                state
            }
            Err(e) => {
                diags.push(e.to_diagnostic());
                prior
            }
        }
    }

    async fn read(
        &self,
        data: &ProviderData,
        state: Value,
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        let bucket = state.attr("bucket").as_str()?.to_owned();
        let key = state.attr("key").as_str()?.to_owned();
        match s3::get_object(&client(data, &state), &bucket, &key).await {
            Ok(Some(object)) => Some(with_object(state, object)),
            Ok(None) | Err(AwsError::NotFound { .. }) => None,
            Err(e) => {
                diags.push(e.to_diagnostic());
                Some(state)
            }
        }
    }

    async fn import(
        &self,
        data: &ProviderData,
        id: &str,
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        let Some((bucket, key)) = cluster_keys::split_object_id(id) else {
            diags.push(Diagnostic::error(
                "Invalid import id",
                format!("{id:?} is not `<bucket>/<key>`, e.g. `my-issuer-bucket/keys.json`."),
            ));
            return None;
        };
        if let Err(e) = s3_issuer::validate_bucket_name(bucket) {
            diags.push(e.to_diagnostic());
            return None;
        }
        let region = provider_region(data, diags);
        let state = Value::Object(BTreeMap::from([
            ("id".to_owned(), Value::string(id)),
            ("bucket".to_owned(), Value::string(bucket)),
            ("key".to_owned(), Value::string(key)),
            ("region".to_owned(), region),
        ]))
        .conform(&schema().value_type());
        let object = match s3::get_object(&client(data, &state), bucket, key).await {
            Ok(Some(object)) => object,
            Ok(None) | Err(AwsError::NotFound { .. }) => {
                diags.push(Diagnostic::error(
                    "Nothing to import",
                    format!("s3://{bucket}/{key} does not exist."),
                ));
                return None;
            }
            Err(e) => {
                diags.push(e.to_diagnostic());
                return None;
            }
        };
        // The keys as PEM, so that a configuration that lists the same keys
        // with `file("sa.pub")` plans no change.
        let pems = match jwks::parse_jwks(&object.text) {
            Ok(entries) => {
                let mut seen = std::collections::BTreeSet::new();
                let pems: Vec<String> = entries
                    .iter()
                    .filter(|(kid, _)| kid.is_some())
                    .filter(|(_, k)| seen.insert(k.kid()))
                    .map(|(_, k)| k.to_pem())
                    .collect();
                Value::strings(pems)
            }
            Err(_) => Value::Null,
        };
        let mut state = with_object(state, object);
        state.set_attr("public_keys_pem", pems);
        Some(state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::keys::parse_public_keys_pem;

    const RSA: &str = include_str!("../domain/testdata/rsa2048.pub.pem");
    const EC: &str = include_str!("../domain/testdata/ec_p256.pub.pem");

    fn object(pairs: &[(&str, Value)]) -> Value {
        Value::Object(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect(),
        )
    }

    fn config(pairs: &[(&str, Value)]) -> Value {
        let mut all = vec![
            ("bucket", Value::string("issuer-bucket")),
            ("key", Value::string("c/keys.json")),
        ];
        all.extend_from_slice(pairs);
        object(&all).conform(&schema().value_type())
    }

    fn data(version: &str) -> ProviderData {
        data_in(version, Some("eu-west-1"))
    }

    fn data_in(version: &str, region: Option<&str>) -> ProviderData {
        let settings = crate::aws::Settings {
            region: region.map(str::to_owned),
            ..Default::default()
        };
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        ProviderData {
            aws: rt.block_on(crate::aws::connect(&settings)),
            terraform_version: version.into(),
        }
    }

    fn paths(diags: &Diagnostics) -> Vec<String> {
        diags.0.iter().map(|d| format!("{:?}", d.path)).collect()
    }

    fn errors(c: &Value) -> Diagnostics {
        let mut diags = Diagnostics::new();
        validate_config(c, &mut diags);
        diags
    }

    #[test]
    fn validation_names_the_attribute() {
        let with_cluster = |cluster: Value| config(&[("cluster", cluster)]);
        let d = errors(&config(&[("public_keys_pem", Value::strings(["not pem"]))]));
        assert!(
            format!("{:?}", d.0[0].path).contains("public_keys_pem"),
            "{:?}",
            d.0
        );

        let d = errors(&config(&[]));
        assert_eq!(d.0[0].summary, "No keys to publish");

        let d = errors(&with_cluster(object(&[
            ("config_path", Value::string("k")),
            ("token", Value::string("t")),
            ("jwks_endpoint", Value::Bool(true)),
        ])));
        assert_eq!(d.0.len(), 1, "{:?}", d.0);
        assert!(paths(&d)[0].contains("token"));

        let d = errors(&with_cluster(object(&[
            ("host", Value::string("10.0.0.1:6443")),
            (
                "secret",
                object(&[
                    ("namespace", Value::string("default")),
                    ("name", Value::string("Bad_Name")),
                ]),
            ),
        ])));
        let summaries: Vec<&str> = d.0.iter().map(|d| d.summary.as_str()).collect();
        assert_eq!(
            summaries,
            ["Invalid API server URL", "Invalid secret reference"]
        );
        assert!(paths(&d)[1].contains("secret") && paths(&d)[1].contains("name"));

        // Unknown values are not judged.
        let d = errors(&with_cluster(object(&[
            ("host", Value::Unknown),
            ("jwks_endpoint", Value::Unknown),
        ])));
        assert!(d.is_empty(), "{:?}", d.0);
    }

    fn plan_with(data: &ProviderData, prior: &Value, c: &Value) -> (Planned, Diagnostics) {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let mut diags = Diagnostics::new();
        let req = PlanRequest {
            prior: prior.clone(),
            proposed: c.clone(),
            config: c.clone(),
        };
        let planned = rt.block_on(JwksObject.plan(data, req, &mut diags));
        (planned, diags)
    }

    #[test]
    fn unknown_cluster_settings_plan_the_document_as_unknown() {
        let data = data("1.11.4");
        let c = config(&[
            (
                "issuer_signing_algorithms",
                Value::Set(vec![Value::string("RS256")]),
            ),
            (
                "cluster",
                object(&[
                    ("host", Value::Unknown),
                    ("token", Value::string("t")),
                    ("jwks_endpoint", Value::Bool(true)),
                ]),
            ),
        ]);
        let (planned, diags) = plan_with(&data, &Value::Null, &c);
        assert!(diags.is_empty(), "{:?}", diags.0);
        for name in ["json", "kids", "algorithms", "etag"] {
            assert!(planned.state.attr(name).is_unknown(), "{name}");
        }
        assert_eq!(planned.state.attr("region"), &Value::string("eu-west-1"));
        assert_eq!(
            planned.state.attr("id"),
            &Value::string("issuer-bucket/c/keys.json")
        );
        // Write-only on 1.11+: the token is not planned.
        assert!(planned.state.attr("cluster").attr("token").is_null());
        let (planned, _) = plan_with(&self::data("1.0.3"), &Value::Null, &c);
        assert_eq!(
            planned.state.attr("cluster").attr("token"),
            &Value::string("t")
        );
    }

    #[test]
    fn known_keys_plan_the_document_and_keep_the_etag_when_unchanged() {
        let data = data("1.11.4");
        let c = config(&[
            ("public_keys_pem", Value::strings([RSA, EC])),
            (
                "issuer_signing_algorithms",
                Value::Set(vec![Value::string("RS256"), Value::string("ES256")]),
            ),
        ]);
        let (planned, diags) = plan_with(&data, &Value::Null, &c);
        assert!(diags.is_empty(), "{:?}", diags.0);
        let mut keys = parse_public_keys_pem(RSA).unwrap();
        keys.extend(parse_public_keys_pem(EC).unwrap());
        let expected = jwks::build_jwks(&keys, false);
        assert_eq!(
            planned.state.attr("json"),
            &Value::string(expected.to_json())
        );
        assert_eq!(planned.state.attr("kids"), &Value::strings(expected.kids()));
        assert!(planned.state.attr("etag").is_unknown());

        let mut prior = planned.state.clone();
        prior.set_attr("etag", Value::string("abc"));
        let (again, _) = plan_with(&data, &prior, &c);
        assert_eq!(again.state.attr("etag"), &Value::string("abc"));
        assert!(again.requires_replace.is_empty());

        let moved = config(&[
            ("key", Value::string("other/keys.json")),
            ("public_keys_pem", Value::strings([RSA, EC])),
        ]);
        let (moved, _) = plan_with(&data, &prior, &moved);
        assert_eq!(moved.requires_replace.len(), 1);
        assert!(moved.state.attr("etag").is_unknown());
    }

    #[test]
    fn unadvertised_algorithms_warn_naming_the_attribute() {
        let data = data("1.11.4");
        let c = config(&[
            ("public_keys_pem", Value::strings([EC])),
            (
                "issuer_signing_algorithms",
                Value::Set(vec![Value::string("RS256")]),
            ),
        ]);
        let (_, diags) = plan_with(&data, &Value::Null, &c);
        assert_eq!(diags.0.len(), 1, "{:?}", diags.0);
        assert_eq!(diags.0[0].severity, crate::tfplugin::Severity::Warning);
        assert!(diags.0[0].detail.contains("ES256"));
        assert!(paths(&diags)[0].contains("issuer_signing_algorithms"));
    }

    #[test]
    fn the_provider_region_is_needed_only_when_region_is_not_set() {
        let no_region = data_in("1.11.4", None);
        // With the advertised algorithms given, plan reads nothing from S3.
        let algs = (
            "issuer_signing_algorithms",
            Value::Set(vec![Value::string("RS256")]),
        );
        let pem = ("public_keys_pem", Value::strings([RSA]));
        let set = config(&[
            pem.clone(),
            algs.clone(),
            ("region", Value::string("eu-central-1")),
        ]);
        let (planned, diags) = plan_with(&no_region, &Value::Null, &set);
        assert!(diags.is_empty(), "{:?}", diags.0);
        assert_eq!(planned.state.attr("region"), &Value::string("eu-central-1"));

        let (_, diags) = plan_with(&no_region, &Value::Null, &config(&[pem, algs]));
        assert_eq!(diags.0.len(), 1, "{:?}", diags.0);
        assert_eq!(diags.0[0].summary, "No AWS region");
        assert!(paths(&diags)[0].contains("region"));
    }
}
