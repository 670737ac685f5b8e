//! The Kubernetes objects that run the amazon-eks-pod-identity-webhook, the
//! last link of the chain: it mutates pods whose service account carries the
//! role annotation, adding `AWS_ROLE_ARN`, `AWS_WEB_IDENTITY_TOKEN_FILE` and
//! a projected token for the audience the roles trust.
//!
//! Everything is rendered from one [`WebhookSpec`], so the pieces that have
//! to agree do: the Service the webhook configuration calls, the names the
//! serving certificate covers, the Secret the Deployment mounts, the
//! `caBundle` (or cert-manager's injection) and the token audience.
//!
//! The flags and RBAC are those of the pinned release ([`DEFAULT_IMAGE`]):
//! out-of-cluster TLS (`--in-cluster=false` with `--tls-cert`/`--tls-key`),
//! read access to service accounts, and `/healthz` on the metrics port.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value as Json};

use super::service_account::check_rfc1123;
use super::yaml;

pub const DEFAULT_NAME: &str = "pod-identity-webhook";
pub const DEFAULT_NAMESPACE: &str = "kube-system";
/// The pinned upstream release.
pub const DEFAULT_IMAGE: &str = "amazon/amazon-eks-pod-identity-webhook:v0.6.8";
pub const DEFAULT_REPLICAS: i64 = 2;
pub const MAX_REPLICAS: i64 = 10;
pub const DEFAULT_ANNOTATION_PREFIX: &str = "eks.amazonaws.com";
pub const DEFAULT_TOKEN_EXPIRATION: i64 = 86_400;
/// The webhook raises any shorter expiration to this.
pub const MIN_TOKEN_EXPIRATION: i64 = 3_600;
/// The kubelet refuses projected tokens valid for longer.
pub const MAX_TOKEN_EXPIRATION: i64 = 1 << 32;
pub const DEFAULT_PRIORITY_CLASS: &str = "system-cluster-critical";
pub const FAILURE_POLICIES: &[&str] = &["Ignore", "Fail"];
pub const TOLERATION_OPERATORS: &[&str] = &["Equal", "Exists"];
pub const TAINT_EFFECTS: &[&str] = &["NoSchedule", "PreferNoSchedule", "NoExecute"];
pub const ISSUER_KINDS: &[&str] = &["Issuer", "ClusterIssuer"];

/// Where the serving certificate is mounted; `--tls-cert` and `--tls-key`
/// point into it.
const CERT_DIR: &str = "/etc/webhook/certs";
const HTTPS_PORT: i64 = 9443;
const METRICS_PORT: i64 = 9999;
const MANAGED_BY: &str = "terraform-provider-irsa";
/// The label on the webhook's own pods, which the webhook configuration
/// never sends to it.
pub const OWN_POD_LABEL: &str = "irsa-pod-identity-webhook";

/// Everything the objects are rendered from.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookSpec {
    pub name: String,
    pub namespace: String,
    pub image: String,
    pub replicas: i64,
    pub audience: String,
    pub annotation_prefix: String,
    pub aws_region: Option<String>,
    pub sts_regional_endpoint: bool,
    pub token_expiration: i64,
    pub failure_policy: String,
    pub priority_class_name: String,
    pub node_selector: BTreeMap<String, String>,
    pub tolerations: Vec<Toleration>,
    pub tls: Tls,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Toleration {
    pub key: Option<String>,
    pub operator: Option<String>,
    pub value: Option<String>,
    pub effect: Option<String>,
    pub toleration_seconds: Option<i64>,
}

/// How the webhook gets its serving certificate.
#[derive(Debug, Clone, PartialEq)]
pub enum Tls {
    /// cert-manager issues it: from a self-signed Issuer rendered here, or
    /// from an existing issuer; its CA injector fills the `caBundle`.
    CertManager { issuer_ref: Option<IssuerRef> },
    /// The caller gives it; the `caBundle` is the CA. Without the key, the
    /// Secret is the caller's to create, and none is rendered.
    Provided {
        certificate_pem: String,
        private_key_pem: Option<String>,
        ca_certificate_pem: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct IssuerRef {
    pub kind: String,
    pub name: String,
}

/// The rendered objects.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    /// Every object without secret content, in apply order.
    pub manifests: Vec<Json>,
    /// The TLS Secret in `provided` mode: it holds the private key, so it
    /// is kept apart from `manifests`.
    pub tls_secret: Option<Json>,
    /// The `caBundle` in `provided` mode.
    pub ca_bundle: Option<String>,
}

impl WebhookSpec {
    /// A spec with every default, for the given TLS mode.
    pub fn with_defaults(tls: Tls) -> WebhookSpec {
        WebhookSpec {
            name: DEFAULT_NAME.into(),
            namespace: DEFAULT_NAMESPACE.into(),
            image: DEFAULT_IMAGE.into(),
            replicas: DEFAULT_REPLICAS,
            audience: super::trust_policy::DEFAULT_AUDIENCE.into(),
            annotation_prefix: DEFAULT_ANNOTATION_PREFIX.into(),
            aws_region: None,
            sts_regional_endpoint: true,
            token_expiration: DEFAULT_TOKEN_EXPIRATION,
            failure_policy: "Ignore".into(),
            priority_class_name: DEFAULT_PRIORITY_CLASS.into(),
            node_selector: BTreeMap::new(),
            tolerations: Vec::new(),
            tls,
        }
    }

    fn secret_name(&self) -> String {
        format!("{}-cert", self.name)
    }

    fn self_signed_issuer_name(&self) -> String {
        format!("{}-selfsigned", self.name)
    }

    /// The CA's Certificate, its Secret and the Issuer that signs with it.
    fn ca_name(&self) -> String {
        format!("{}-ca", self.name)
    }

    fn labels(&self) -> Json {
        json!({
            "app.kubernetes.io/name": DEFAULT_NAME,
            "app.kubernetes.io/instance": self.name,
            "app.kubernetes.io/managed-by": MANAGED_BY,
        })
    }

    fn pod_labels(&self) -> Json {
        let mut l = self.labels();
        l[OWN_POD_LABEL] = json!(self.name);
        l
    }

    fn selector(&self) -> Json {
        json!({
            "app.kubernetes.io/name": DEFAULT_NAME,
            "app.kubernetes.io/instance": self.name,
        })
    }

    fn metadata(&self, name: &str, namespaced: bool) -> Json {
        let mut m = json!({"name": name, "labels": self.labels()});
        if namespaced {
            m["namespace"] = json!(self.namespace);
        }
        m
    }

    /// The flags of the webhook container, after the binary.
    pub fn flags(&self) -> Vec<String> {
        let mut f = vec![
            "--in-cluster=false".to_owned(),
            format!("--namespace={}", self.namespace),
            format!("--service-name={}", self.name),
            format!("--annotation-prefix={}", self.annotation_prefix),
            format!("--token-audience={}", self.audience),
            format!("--token-expiration={}", self.token_expiration),
        ];
        if let Some(region) = &self.aws_region {
            f.push(format!("--aws-default-region={region}"));
            if self.sts_regional_endpoint {
                f.push("--sts-regional-endpoint=true".to_owned());
            }
        }
        f.extend([
            format!("--port={HTTPS_PORT}"),
            format!("--metrics-port={METRICS_PORT}"),
            format!("--tls-cert={CERT_DIR}/tls.crt"),
            format!("--tls-key={CERT_DIR}/tls.key"),
            "--logtostderr".to_owned(),
        ]);
        f
    }
}

/// The names the API server may dial for the webhook's Service; the
/// serving certificate must cover the first two, and cert-manager's
/// Certificate lists them all.
pub fn service_dns_names(name: &str, namespace: &str) -> Vec<String> {
    vec![
        format!("{name}.{namespace}.svc"),
        format!("{name}.{namespace}.svc.cluster.local"),
    ]
}

/// Render every object, in apply order: identity and RBAC, then the
/// certificate, the Deployment, its Service and disruption budget, and the
/// webhook configuration last, so that the API server calls the webhook
/// only once it can answer.
pub fn render(spec: &WebhookSpec) -> Rendered {
    let mut manifests = vec![
        service_account(spec),
        cluster_role(spec),
        cluster_role_binding(spec),
    ];
    let mut tls_secret = None;
    let mut ca_bundle = None;
    match &spec.tls {
        Tls::CertManager { issuer_ref } => {
            if issuer_ref.is_none() {
                manifests.extend([
                    self_signed_issuer(spec),
                    ca_certificate(spec),
                    ca_issuer(spec),
                ]);
            }
            manifests.push(certificate(spec, issuer_ref.as_ref()));
        }
        Tls::Provided {
            certificate_pem,
            private_key_pem,
            ca_certificate_pem,
        } => {
            tls_secret = private_key_pem
                .as_deref()
                .map(|key| secret(spec, certificate_pem, key, ca_certificate_pem));
            ca_bundle = Some(b64(ca_certificate_pem));
        }
    }
    manifests.push(deployment(spec));
    manifests.push(service(spec));
    if spec.replicas > 1 {
        manifests.push(disruption_budget(spec));
    }
    manifests.push(webhook_configuration(spec, ca_bundle.as_deref()));
    Rendered {
        manifests,
        tls_secret,
        ca_bundle,
    }
}

fn b64(s: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(s.as_bytes())
}

fn service_account(s: &WebhookSpec) -> Json {
    json!({
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": s.metadata(&s.name, true),
    })
}

fn cluster_role(s: &WebhookSpec) -> Json {
    json!({
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": s.metadata(&s.name, false),
        "rules": [{
            "apiGroups": [""],
            "resources": ["serviceaccounts"],
            "verbs": ["get", "watch", "list"],
        }],
    })
}

fn cluster_role_binding(s: &WebhookSpec) -> Json {
    json!({
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRoleBinding",
        "metadata": s.metadata(&s.name, false),
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": s.name},
        "subjects": [{"kind": "ServiceAccount", "name": s.name, "namespace": s.namespace}],
    })
}

fn self_signed_issuer(s: &WebhookSpec) -> Json {
    json!({
        "apiVersion": "cert-manager.io/v1",
        "kind": "Issuer",
        "metadata": s.metadata(&s.self_signed_issuer_name(), true),
        "spec": {"selfSigned": {}},
    })
}

/// Without an issuer of the caller's, a CA of the webhook's own: a
/// self-signed root, long-lived, that signs the short-lived serving
/// certificate. The `caBundle` cert-manager injects is this root, so it
/// stays the same when the serving certificate renews; a self-signed
/// serving certificate would change the `caBundle` at every renewal, before
/// the webhook's pods read the new certificate.
fn ca_certificate(s: &WebhookSpec) -> Json {
    json!({
        "apiVersion": "cert-manager.io/v1",
        "kind": "Certificate",
        "metadata": s.metadata(&s.ca_name(), true),
        "spec": {
            "isCA": true,
            "commonName": format!("{} CA", s.name),
            "secretName": s.ca_name(),
            "duration": "87600h",
            "renewBefore": "720h",
            "privateKey": {"algorithm": "ECDSA", "size": 256},
            "issuerRef": {"group": "cert-manager.io", "kind": "Issuer", "name": s.self_signed_issuer_name()},
        },
    })
}

fn ca_issuer(s: &WebhookSpec) -> Json {
    json!({
        "apiVersion": "cert-manager.io/v1",
        "kind": "Issuer",
        "metadata": s.metadata(&s.ca_name(), true),
        "spec": {"ca": {"secretName": s.ca_name()}},
    })
}

fn certificate(s: &WebhookSpec, issuer_ref: Option<&IssuerRef>) -> Json {
    let mut dns_names = vec![s.name.clone(), format!("{}.{}", s.name, s.namespace)];
    dns_names.extend(service_dns_names(&s.name, &s.namespace));
    let (kind, name) = match issuer_ref {
        Some(r) => (r.kind.clone(), r.name.clone()),
        None => ("Issuer".to_owned(), s.ca_name()),
    };
    let spec = json!({
        "secretName": s.secret_name(),
        "commonName": service_dns_names(&s.name, &s.namespace)[0],
        "dnsNames": dns_names,
        "duration": "2160h",
        "renewBefore": "360h",
        "privateKey": {"algorithm": "ECDSA", "size": 256, "rotationPolicy": "Always"},
        "usages": ["server auth", "digital signature"],
        "issuerRef": {"group": "cert-manager.io", "kind": kind, "name": name},
    });
    json!({
        "apiVersion": "cert-manager.io/v1",
        "kind": "Certificate",
        "metadata": s.metadata(&s.name, true),
        "spec": spec,
    })
}

fn secret(s: &WebhookSpec, cert: &str, key: &str, ca: &str) -> Json {
    json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "kubernetes.io/tls",
        "metadata": s.metadata(&s.secret_name(), true),
        "data": {"tls.crt": b64(cert), "tls.key": b64(key), "ca.crt": b64(ca)},
    })
}

fn deployment(s: &WebhookSpec) -> Json {
    let probe = |initial_delay: i64| {
        json!({
            "httpGet": {"path": "/healthz", "port": "metrics", "scheme": "HTTP"},
            "initialDelaySeconds": initial_delay,
            "periodSeconds": 10,
        })
    };
    let mut command = vec!["/webhook".to_owned()];
    command.extend(s.flags());
    let container = json!({
        "name": "webhook",
        "image": s.image,
        "imagePullPolicy": "IfNotPresent",
        "command": command,
        "ports": [
            {"name": "https", "containerPort": HTTPS_PORT, "protocol": "TCP"},
            {"name": "metrics", "containerPort": METRICS_PORT, "protocol": "TCP"},
        ],
        "readinessProbe": probe(2),
        "livenessProbe": probe(10),
        "resources": {
            "requests": {"cpu": "10m", "memory": "32Mi"},
            "limits": {"memory": "128Mi"},
        },
        "securityContext": {
            "allowPrivilegeEscalation": false,
            "readOnlyRootFilesystem": true,
            "capabilities": {"drop": ["ALL"]},
        },
        "volumeMounts": [{"name": "cert", "mountPath": CERT_DIR, "readOnly": true}],
    });
    let mut pod = Map::new();
    pod.insert("serviceAccountName".into(), json!(s.name));
    if !s.priority_class_name.is_empty() {
        pod.insert("priorityClassName".into(), json!(s.priority_class_name));
    }
    if !s.node_selector.is_empty() {
        pod.insert("nodeSelector".into(), json!(s.node_selector));
    }
    if !s.tolerations.is_empty() {
        pod.insert(
            "tolerations".into(),
            Json::Array(s.tolerations.iter().map(toleration).collect()),
        );
    }
    if s.replicas > 1 {
        pod.insert(
            "topologySpreadConstraints".into(),
            json!([{
                "maxSkew": 1,
                "topologyKey": "kubernetes.io/hostname",
                "whenUnsatisfiable": "ScheduleAnyway",
                "labelSelector": {"matchLabels": s.selector()},
            }]),
        );
    }
    pod.insert(
        "securityContext".into(),
        json!({
            "runAsNonRoot": true,
            "runAsUser": 65534,
            "runAsGroup": 65534,
            "seccompProfile": {"type": "RuntimeDefault"},
        }),
    );
    pod.insert("containers".into(), json!([container]));
    pod.insert(
        "volumes".into(),
        json!([{"name": "cert", "secret": {"secretName": s.secret_name()}}]),
    );
    json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": s.metadata(&s.name, true),
        "spec": {
            "replicas": s.replicas,
            "selector": {"matchLabels": s.selector()},
            "template": {
                "metadata": {"labels": s.pod_labels()},
                "spec": Json::Object(pod),
            },
        },
    })
}

fn toleration(t: &Toleration) -> Json {
    let mut m = Map::new();
    let mut put = |k: &str, v: Option<Json>| {
        if let Some(v) = v {
            m.insert(k.into(), v);
        }
    };
    put("key", t.key.clone().map(Json::from));
    put("operator", t.operator.clone().map(Json::from));
    put("value", t.value.clone().map(Json::from));
    put("effect", t.effect.clone().map(Json::from));
    put("tolerationSeconds", t.toleration_seconds.map(Json::from));
    Json::Object(m)
}

fn service(s: &WebhookSpec) -> Json {
    json!({
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": s.metadata(&s.name, true),
        "spec": {
            "selector": s.selector(),
            "ports": [{"name": "https", "port": 443, "targetPort": "https", "protocol": "TCP"}],
        },
    })
}

fn disruption_budget(s: &WebhookSpec) -> Json {
    json!({
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": s.metadata(&s.name, true),
        "spec": {"maxUnavailable": 1, "selector": {"matchLabels": s.selector()}},
    })
}

fn webhook_configuration(s: &WebhookSpec, ca_bundle: Option<&str>) -> Json {
    let mut client_config = json!({
        "service": {"name": s.name, "namespace": s.namespace, "path": "/mutate", "port": 443},
    });
    let mut metadata = s.metadata(&s.name, false);
    match ca_bundle {
        Some(ca) => client_config["caBundle"] = json!(ca),
        None => {
            metadata["annotations"] = json!({
                "cert-manager.io/inject-ca-from": format!("{}/{}", s.namespace, s.name),
            })
        }
    }
    json!({
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "MutatingWebhookConfiguration",
        "metadata": metadata,
        "webhooks": [{
            "name": service_dns_names(&s.name, &s.namespace)[0],
            "admissionReviewVersions": ["v1beta1"],
            "clientConfig": client_config,
            "rules": [{
                "operations": ["CREATE"],
                "apiGroups": [""],
                "apiVersions": ["v1"],
                "resources": ["pods"],
                "scope": "Namespaced",
            }],
            "failurePolicy": s.failure_policy,
            "sideEffects": "None",
            "timeoutSeconds": 10,
            // The webhook never mutates its own pods: with `Fail`, a
            // restarting webhook could otherwise never be admitted.
            "objectSelector": {"matchExpressions": [{
                "key": OWN_POD_LABEL,
                "operator": "DoesNotExist",
            }]},
        }],
    })
}

/// Every manifest as one compact JSON string, for `jsondecode()`.
pub fn to_json_strings(objects: &[Json]) -> Vec<String> {
    objects.iter().map(Json::to_string).collect()
}

/// The objects as one multi-document YAML stream.
pub fn to_yaml(objects: &[Json]) -> String {
    yaml::to_yaml_stream(objects)
}

/// A Talos machine-config patch that adds the YAML under
/// `cluster.inlineManifests`.
pub fn talos_inline_manifest(name: &str, yaml_text: &str) -> String {
    yaml::to_yaml(&json!({
        "cluster": {"inlineManifests": [{"name": name, "contents": yaml_text}]},
    }))
}

// ---- the rules the inputs follow -------------------------------------------

/// The webhook's name names its Service, so it is a DNS-1035 label: it
/// starts with a letter.
pub fn validate_name(name: &str) -> Result<(), String> {
    check_rfc1123(name, 63, false, false).map_err(|e| format!("{name:?} {e}"))?;
    if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        return Err(format!(
            "{name:?} must start with a letter: it names a Service (a DNS-1035 label)"
        ));
    }
    Ok(())
}

pub fn validate_namespace(namespace: &str) -> Result<(), String> {
    check_rfc1123(namespace, 63, false, false).map_err(|e| format!("{namespace:?} {e}"))
}

/// A DNS subdomain, as annotation prefixes and priority class names are.
pub fn validate_subdomain(value: &str) -> Result<(), String> {
    check_rfc1123(value, 253, true, false).map_err(|e| format!("{value:?} {e}"))
}

pub fn validate_priority_class_name(value: &str) -> Result<(), String> {
    if value.is_empty() {
        return Ok(());
    }
    validate_subdomain(value)
}

/// An image reference pinned to a tag or digest, never `latest`.
pub fn validate_image(image: &str) -> Result<(), String> {
    if image.is_empty() || image.contains(char::is_whitespace) {
        return Err(format!("{image:?} is not an image reference"));
    }
    if let Some((_, digest)) = image.split_once('@') {
        let ok = digest
            .split_once(':')
            .is_some_and(|(alg, hex)| !alg.is_empty() && !hex.is_empty());
        return if ok {
            Ok(())
        } else {
            Err(format!(
                "{image:?} has a malformed digest (expected @sha256:<hex>)"
            ))
        };
    }
    // A tag follows the last ':' after the last '/' (a registry port comes before it).
    let last = image.rsplit('/').next().unwrap_or(image);
    match last.rsplit_once(':') {
        None => Err(format!(
            "{image:?} has no tag: pin a release (e.g. {DEFAULT_IMAGE:?}) or a digest, so that every node runs the same build"
        )),
        Some((_, "latest")) => Err(format!(
            "{image:?} uses the tag \"latest\": pin a release (e.g. {DEFAULT_IMAGE:?}) or a digest, so that every node runs the same build"
        )),
        Some((_, "")) => Err(format!("{image:?} has an empty tag")),
        Some(_) => Ok(()),
    }
}

pub fn validate_replicas(n: i64) -> Result<(), String> {
    if (1..=MAX_REPLICAS).contains(&n) {
        Ok(())
    } else {
        Err(format!("{n} is outside 1..{MAX_REPLICAS}"))
    }
}

pub fn validate_token_expiration(seconds: i64) -> Result<(), String> {
    if seconds < MIN_TOKEN_EXPIRATION {
        Err(format!(
            "{seconds} seconds is below {MIN_TOKEN_EXPIRATION}: the webhook would silently raise it to {MIN_TOKEN_EXPIRATION}"
        ))
    } else if seconds > MAX_TOKEN_EXPIRATION {
        Err(format!(
            "{seconds} seconds is above {MAX_TOKEN_EXPIRATION} (2^32), which the kubelet refuses for projected tokens"
        ))
    } else {
        Ok(())
    }
}

/// Where in a toleration a refusal belongs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TolerationField {
    Key,
    Value,
    TolerationSeconds,
}

/// The rules Kubernetes checks across a toleration's fields.
pub fn validate_toleration(t: &Toleration) -> Result<(), (TolerationField, String)> {
    let exists = t.operator.as_deref() == Some("Exists");
    let key_empty = t.key.as_deref().unwrap_or("").is_empty();
    if key_empty && !exists {
        return Err((
            TolerationField::Key,
            "a toleration without a key matches every taint, which needs operator \"Exists\""
                .into(),
        ));
    }
    if exists && !t.value.as_deref().unwrap_or("").is_empty() {
        return Err((
            TolerationField::Value,
            "operator \"Exists\" takes no value".into(),
        ));
    }
    if t.toleration_seconds.is_some() && t.effect.as_deref() != Some("NoExecute") {
        return Err((
            TolerationField::TolerationSeconds,
            "toleration_seconds applies only to effect \"NoExecute\"".into(),
        ));
    }
    if let Some(k) = t.key.as_deref().filter(|k| !k.is_empty()) {
        validate_label_key(k).map_err(|e| (TolerationField::Key, e))?;
    }
    Ok(())
}

/// A label or taint key: an optional DNS-subdomain prefix and `/`, then a
/// name of up to 63 alphanumerics, `-`, `_` and `.`, alphanumeric at both ends.
pub fn validate_label_key(key: &str) -> Result<(), String> {
    let (prefix, name) = match key.rsplit_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, key),
    };
    if let Some(p) = prefix {
        validate_subdomain(p).map_err(|e| format!("the prefix of {key:?}: {e}"))?;
    }
    let edge = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    let ok = !name.is_empty()
        && name.len() <= 63
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && edge(name.chars().next())
        && edge(name.chars().last());
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{key:?} is not a valid key: up to 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit, after an optional DNS prefix and '/'"
        ))
    }
}

#[cfg(test)]
mod tests;
