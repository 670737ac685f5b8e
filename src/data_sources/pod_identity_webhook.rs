//! `irsa_pod_identity_webhook`: the Kubernetes objects that run the pod
//! identity webhook, for the same audience and region as the roles. No I/O:
//! the objects are rendered by [`crate::domain::webhook`].

use std::collections::BTreeMap;

use crate::attributes::{self, kube_setting};
use crate::context::ProviderData;
use crate::domain::serving_certificate::{self, Part};
use crate::domain::trust_policy;
use crate::domain::webhook::{
    self as hook, IssuerRef, Tls, Toleration, TolerationField, WebhookSpec,
};
use crate::framework::validator;
use crate::framework::{model, Attr, BlockSpec, Constraint, ManagedDataSource, ResourceSchema};
use crate::tfplugin::{AttrPath, Diagnostic, Diagnostics, Mode, Type, Value};

pub struct PodIdentityWebhook;

const DESCRIPTION: &str = "Renders every Kubernetes object the \
    [amazon-eks-pod-identity-webhook](https://github.com/aws/amazon-eks-pod-identity-webhook) needs, consistent \
    with each other and with the roles: the ServiceAccount and RBAC, the serving certificate (cert-manager or \
    provided), the Deployment, its Service and PodDisruptionBudget, and the MutatingWebhookConfiguration. The \
    webhook adds `AWS_ROLE_ARN` and `AWS_WEB_IDENTITY_TOKEN_FILE` to pods whose service account carries an \
    `irsa_role`'s `service_account_annotations`. Pure: no network call.";

fn optional(name: &str, ty: Type, description: &str) -> Attr {
    Attr::new(name, ty, Mode::OptionalComputed, description)
}

fn computed(name: &str, ty: Type, description: &str) -> Attr {
    Attr::new(name, ty, Mode::Computed, description)
}

fn schema() -> ResourceSchema {
    let toleration = BlockSpec::new(
        "A toleration of the webhook's pods, as in a pod spec; repeat the block for several.",
    )
    .attr(
        Attr::string(
            "key",
            Mode::Optional,
            "The taint key; empty matches every key (with `operator = \"Exists\"`).",
        )
        .validate(kube_setting(
            "Invalid toleration key",
            hook::validate_label_key,
        )),
    )
    .attr(
        Attr::string(
            "operator",
            Mode::Optional,
            "`Equal` (the default) or `Exists`.",
        )
        .validate(validator::one_of(
            "Invalid toleration operator",
            hook::TOLERATION_OPERATORS,
        )),
    )
    .attr(Attr::string(
        "value",
        Mode::Optional,
        "The taint value, for `Equal`.",
    ))
    .attr(
        Attr::string(
            "effect",
            Mode::Optional,
            "`NoSchedule`, `PreferNoSchedule` or `NoExecute`; empty matches all.",
        )
        .validate(validator::one_of(
            "Invalid toleration effect",
            hook::TAINT_EFFECTS,
        )),
    )
    .attr(Attr::number(
        "toleration_seconds",
        Mode::Optional,
        "How long the pod stays bound to a node with a `NoExecute` taint.",
    ));

    let issuer_ref =
        BlockSpec::new("An existing cert-manager issuer to sign the serving certificate.")
            .attr(
                Attr::string(
                    "kind",
                    Mode::Required,
                    "`Issuer` (in `namespace`) or `ClusterIssuer`.",
                )
                .validate(validator::one_of("Invalid issuer kind", hook::ISSUER_KINDS)),
            )
            .attr(
                Attr::string("name", Mode::Required, "The issuer's name.").validate(kube_setting(
                    "Invalid issuer name",
                    hook::validate_subdomain,
                )),
            );
    let cert_manager = BlockSpec::new(
        "cert-manager issues the serving certificate and its CA injector sets the webhook's `caBundle` \
         (`cert-manager.io/inject-ca-from`). Without `issuer_ref`, a CA of the webhook's own is rendered in the namespace (a self-signed root and a CA Issuer). \
         The default when `tls` is absent. cert-manager must run in the cluster.",
    )
    .block("issuer_ref", issuer_ref);
    let provided = BlockSpec::new(
        "A certificate you provide, for example from hashicorp/tls. It is checked at plan: the key must belong to \
         the certificate, the CA must have signed it, and it must cover `<name>.<namespace>.svc`. The Secret that \
         holds it is rendered apart, in `tls_secret_manifest`.",
    )
    .attr(Attr::string(
        "certificate_pem",
        Mode::Required,
        "The serving certificate (PEM), then any intermediates.",
    ))
    .attr(
        Attr::string(
            "private_key_pem",
            Mode::Optional,
            "The certificate's private key (PEM: `PRIVATE KEY`, `RSA PRIVATE KEY` or `EC PRIVATE KEY`), for \
             `tls_secret_manifest`. Sensitive; it is kept in the state like any data source input, as it is in the \
             state of the hashicorp/tls key it comes from. Leave it out to keep the key out of Terraform \
             altogether: create the Secret `<name>-cert` yourself (`kubectl create secret tls <name>-cert \
             --cert=… --key=… -n <namespace>`), and `tls_secret_manifest` is null. The certificate and CA are \
             checked either way; the key against the certificate only when given.",
        )
        .sensitive(),
    )
    .attr(Attr::string(
        "ca_certificate_pem",
        Mode::Required,
        "The CA certificate (PEM) that signed the certificate: the webhook configuration's `caBundle`.",
    ));
    let tls = BlockSpec::new(
        "How the webhook gets its serving certificate: one of `cert_manager` or `provided`.",
    )
    .block("cert_manager", cert_manager)
    .block("provided", provided)
    .constraint(
        Constraint::conflicts_with(&["cert_manager", "provided"]).when_conflicting(
            "Two TLS modes",
            "Set one of `tls.cert_manager` and `tls.provided`.",
        ),
    );

    let block = BlockSpec::new(DESCRIPTION)
        .attr(
            optional(
                "name",
                Type::String,
                &format!(
                    "Name of the ServiceAccount, RBAC objects, Deployment, Service and webhook configuration. Default \
                     `{}`.",
                    hook::DEFAULT_NAME
                ),
            )
            .validate(kube_setting("Invalid name", hook::validate_name)),
        )
        .attr(
            optional(
                "namespace",
                Type::String,
                &format!("Namespace of the webhook. Default `{}`.", hook::DEFAULT_NAMESPACE),
            )
            .validate(kube_setting("Invalid namespace", hook::validate_namespace)),
        )
        .attr(
            optional(
                "image",
                Type::String,
                &format!(
                    "The webhook image, pinned to a tag or digest (`latest` is refused). Default `{}`, the pinned \
                     upstream release; point it at a registry mirror if nodes cannot pull from Docker Hub.",
                    hook::DEFAULT_IMAGE
                ),
            )
            .validate(kube_setting("Invalid image", hook::validate_image)),
        )
        .attr(
            optional(
                "replicas",
                Type::Number,
                &format!(
                    "Replicas of the webhook, 1 to {}; with more than one, a PodDisruptionBudget keeps one running \
                     through node drains. Default {}.",
                    hook::MAX_REPLICAS,
                    hook::DEFAULT_REPLICAS
                ),
            )
            .validate(int_rule("Invalid replica count", hook::validate_replicas)),
        )
        .attr(
            optional(
                "audience",
                Type::String,
                &format!(
                    "The audience of the tokens the webhook projects (`--token-audience`). It must equal the \
                     `audience` of the `irsa_role`s the pods assume, or STS answers \"Incorrect token audience\". \
                     Default `{}`.",
                    trust_policy::DEFAULT_AUDIENCE
                ),
            )
            .validate(attributes::rule(trust_policy::validate_audience)),
        )
        .attr(
            optional(
                "annotation_prefix",
                Type::String,
                &format!(
                    "The service-account annotation prefix the webhook reads (`--annotation-prefix`), as in \
                     `<prefix>/role-arn`. Default `{}`, the prefix of `irsa_role.service_account_annotations`.",
                    hook::DEFAULT_ANNOTATION_PREFIX
                ),
            )
            .validate(kube_setting("Invalid annotation prefix", hook::validate_subdomain)),
        )
        .attr(
            Attr::string(
                "aws_region",
                Mode::Optional,
                "The region set as `AWS_REGION` and `AWS_DEFAULT_REGION` in mutated pods (`--aws-default-region`).",
            )
            .validate(attributes::region()),
        )
        .attr(optional(
            "sts_regional_endpoint",
            Type::Bool,
            "With `aws_region`, make pods call the regional STS endpoint (`--sts-regional-endpoint`). Default `true`.",
        ))
        .attr(
            optional(
                "token_expiration",
                Type::Number,
                &format!(
                    "Lifetime in seconds of the projected tokens (`--token-expiration`), {} to {} (2^32); the kubelet \
                     refreshes them at 80%. Default {}.",
                    hook::MIN_TOKEN_EXPIRATION,
                    hook::MAX_TOKEN_EXPIRATION,
                    hook::DEFAULT_TOKEN_EXPIRATION
                ),
            )
            .validate(int_rule("Invalid token expiration", hook::validate_token_expiration)),
        )
        .attr(
            optional(
                "failure_policy",
                Type::String,
                "What the API server does when the webhook cannot answer: `Ignore` (the default) admits the pod \
                 unmutated, `Fail` refuses it. The webhook's own pods are never sent to it, so it can always restart.",
            )
            .validate(validator::one_of("Invalid failure policy", hook::FAILURE_POLICIES)),
        )
        .attr(
            optional(
                "priority_class_name",
                Type::String,
                &format!(
                    "Priority class of the webhook's pods; `\"\"` for none. Default `{}`.",
                    hook::DEFAULT_PRIORITY_CLASS
                ),
            )
            .validate(kube_setting("Invalid priority class", hook::validate_priority_class_name)),
        )
        .attr(
            Attr::string_map("node_selector", Mode::Optional, "Node labels the webhook's pods must run on.")
                .validate(validator::each_key(|k| {
                    hook::validate_label_key(k).map_err(|e| Diagnostic::error("Invalid node label", e))
                })),
        )
        .attr(computed(
            "manifests",
            Type::list(Type::String),
            "Every object as a JSON string, in apply order (RBAC and the certificate before the Deployment, the \
             webhook configuration last), for `for_each` with `jsondecode()` into `kubernetes_manifest`. Never holds \
             the private key: in `provided` mode, apply `tls_secret_manifest` first.",
        ))
        .attr(computed(
            "yaml",
            Type::String,
            "The objects of `manifests` as one multi-document YAML, for `kubectl apply -f -`, ytt, the k3s/RKE2 \
             auto-deploy folder `/var/lib/rancher/k3s/server/manifests/`, or EKS Anywhere.",
        ))
        .attr(computed(
            "talos_inline_manifest",
            Type::String,
            "A Talos machine-config patch adding `yaml` under `cluster.inlineManifests`; it merges with the \
             `talos_patch` of `irsa_apiserver_flags`.",
        ))
        .attr(
            computed(
                "tls_secret_manifest",
                Type::String,
                "In `provided` mode with `private_key_pem`, the `kubernetes.io/tls` Secret the Deployment mounts \
                 (JSON, which `kubectl` also reads); null otherwise. Sensitive: it holds the private key.",
            )
            .sensitive(),
        )
        .attr(computed(
            "ca_bundle",
            Type::String,
            "In `provided` mode, the webhook configuration's `caBundle` (the CA, base64); null otherwise.",
        ))
        .list_block("toleration", toleration)
        .block("tls", tls);
    ResourceSchema::new(block)
}

/// A validator of a whole number from a rule that returns a message.
fn int_rule(
    summary: &'static str,
    rule: fn(i64) -> Result<(), String>,
) -> std::sync::Arc<dyn validator::Validator> {
    validator::from_fn(move |v| match v {
        Value::Number(n) if n.fract() != 0.0 => Err(Diagnostic::error(
            summary,
            format!("{n} is not a whole number"),
        )),
        Value::Number(n) => rule(*n as i64).map_err(|e| Diagnostic::error(summary, e)),
        _ => Ok(()),
    })
}

fn tolerations(config: &Value) -> Vec<Toleration> {
    config
        .attr("toleration")
        .as_elements()
        .unwrap_or_default()
        .iter()
        .map(|t| Toleration {
            key: model::string(t, "key"),
            operator: model::string(t, "operator"),
            value: model::string(t, "value"),
            effect: model::string(t, "effect"),
            toleration_seconds: model::int(t, "toleration_seconds"),
        })
        .collect()
}

fn tls(config: &Value) -> Tls {
    let tls = config.attr("tls");
    let provided = tls.attr("provided");
    if !provided.is_null() {
        return Tls::Provided {
            certificate_pem: model::string(provided, "certificate_pem").unwrap_or_default(),
            private_key_pem: model::string(provided, "private_key_pem"),
            ca_certificate_pem: model::string(provided, "ca_certificate_pem").unwrap_or_default(),
        };
    }
    let r = tls.attr("cert_manager").attr("issuer_ref");
    Tls::CertManager {
        issuer_ref: match (model::string(r, "kind"), model::string(r, "name")) {
            (Some(kind), Some(name)) => Some(IssuerRef { kind, name }),
            _ => None,
        },
    }
}

/// The spec from a configuration, with the defaults where it is null.
fn spec(config: &Value) -> WebhookSpec {
    let mut s = WebhookSpec::with_defaults(tls(config));
    let text = |name: &str, into: &mut String| {
        if let Some(v) = model::string(config, name) {
            *into = v;
        }
    };
    text("name", &mut s.name);
    text("namespace", &mut s.namespace);
    text("image", &mut s.image);
    text("audience", &mut s.audience);
    text("annotation_prefix", &mut s.annotation_prefix);
    text("failure_policy", &mut s.failure_policy);
    text("priority_class_name", &mut s.priority_class_name);
    if let Some(n) = model::int(config, "replicas") {
        s.replicas = n;
    }
    if let Some(n) = model::int(config, "token_expiration") {
        s.token_expiration = n;
    }
    if let Some(b) = model::bool(config, "sts_regional_endpoint") {
        s.sts_regional_endpoint = b;
    }
    s.aws_region = model::string(config, "aws_region");
    s.node_selector = model::string_map(config, "node_selector").unwrap_or_default();
    s.tolerations = tolerations(config);
    s
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The serving certificate, key and CA of `provided` mode, once all three
/// are known.
fn check_provided(config: &Value, diags: &mut Diagnostics) {
    let provided = config.attr("tls").attr("provided");
    let field = |n: &str| provided.attr(n).as_str();
    let (Some(cert), Some(ca)) = (field("certificate_pem"), field("ca_certificate_pem")) else {
        return;
    };
    // A key left out is kept out of Terraform (see `private_key_pem`).
    let key = match provided.attr("private_key_pem") {
        Value::Unknown => return,
        v => v.as_str(),
    };
    // The name decides what the certificate must cover; an unknown name
    // is checked once it is known.
    let (Some(name), Some(namespace)) = (
        known_or_default(config, "name", hook::DEFAULT_NAME),
        known_or_default(config, "namespace", hook::DEFAULT_NAMESPACE),
    ) else {
        return;
    };
    let names = hook::service_dns_names(&name, &namespace);
    if let Err((part, e)) =
        serving_certificate::check_serving_certificate(cert, key, ca, &names, now())
    {
        let attr = match part {
            Part::Certificate => "certificate_pem",
            Part::PrivateKey => "private_key_pem",
            Part::CaCertificate => "ca_certificate_pem",
        };
        diags.push(
            Diagnostic::error("Unusable webhook certificate", e.to_string()).at(AttrPath::attr(
                "tls",
            )
            .then_attr("provided")
            .then_attr(attr)),
        );
    }
}

fn known_or_default(config: &Value, name: &str, default: &str) -> Option<String> {
    match config.attr(name) {
        Value::Unknown => None,
        Value::Null => Some(default.to_owned()),
        v => v.as_str().map(str::to_owned),
    }
}

fn check_tolerations(config: &Value, diags: &mut Diagnostics) {
    let Some(items) = config.attr("toleration").as_elements() else {
        return;
    };
    for (i, t) in items.iter().enumerate() {
        let fields = ["key", "operator", "value", "effect", "toleration_seconds"];
        if !t.is_wholly_known() || fields.iter().any(|f| matches!(t.attr(f), Value::Unknown)) {
            continue;
        }
        let one = &tolerations(&Value::Object(BTreeMap::from([(
            "toleration".to_owned(),
            Value::List(vec![t.clone()]),
        )])))[0];
        if let Err((field, e)) = hook::validate_toleration(one) {
            let attr = match field {
                TolerationField::Key => "key",
                TolerationField::Value => "value",
                TolerationField::TolerationSeconds => "toleration_seconds",
            };
            diags.push(
                Diagnostic::error("Invalid toleration", e)
                    .at(AttrPath::attr("toleration").then_index(i).then_attr(attr)),
            );
        }
    }
}

#[async_trait::async_trait]
impl ManagedDataSource<ProviderData> for PodIdentityWebhook {
    fn type_name(&self) -> &'static str {
        "irsa_pod_identity_webhook"
    }

    fn schema(&self) -> ResourceSchema {
        schema()
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        check_tolerations(config, diags);
        check_provided(config, diags);
        if let Some(prefix) = config.attr("annotation_prefix").as_str() {
            if prefix != hook::DEFAULT_ANNOTATION_PREFIX {
                diags.push(
                    Diagnostic::warning(
                        "Service accounts need annotations with this prefix",
                        format!(
                            "The webhook will read `{prefix}/role-arn` and `{prefix}/audience`, while \
                             `irsa_role.service_account_annotations` uses the prefix `{}`. Annotate the service \
                             accounts with `{prefix}/...` keys yourself, or keep the default prefix.",
                            hook::DEFAULT_ANNOTATION_PREFIX
                        ),
                    )
                    .at(AttrPath::attr("annotation_prefix")),
                );
            }
        }
        if config.attr("sts_regional_endpoint").as_bool() == Some(true)
            && config.attr("aws_region").is_null()
        {
            diags.push(
                Diagnostic::warning(
                    "sts_regional_endpoint has no effect without aws_region",
                    "The webhook sets `AWS_STS_REGIONAL_ENDPOINTS` in pods only together with a region: set \
                     `aws_region`, or leave `sts_regional_endpoint` unset.",
                )
                .at(AttrPath::attr("sts_regional_endpoint")),
            );
        }
    }

    async fn read(&self, _: &ProviderData, config: Value, _: &mut Diagnostics) -> Value {
        let s = spec(&config);
        let rendered = hook::render(&s);
        let yaml = hook::to_yaml(&rendered.manifests);
        let mut state = config;
        state.set_attr("name", Value::string(&s.name));
        state.set_attr("namespace", Value::string(&s.namespace));
        state.set_attr("image", Value::string(&s.image));
        state.set_attr("replicas", model::int_value(Some(s.replicas)));
        state.set_attr("audience", Value::string(&s.audience));
        state.set_attr("annotation_prefix", Value::string(&s.annotation_prefix));
        state.set_attr(
            "sts_regional_endpoint",
            Value::Bool(s.sts_regional_endpoint),
        );
        state.set_attr(
            "token_expiration",
            model::int_value(Some(s.token_expiration)),
        );
        state.set_attr("failure_policy", Value::string(&s.failure_policy));
        state.set_attr("priority_class_name", Value::string(&s.priority_class_name));
        state.set_attr(
            "manifests",
            Value::strings(hook::to_json_strings(&rendered.manifests)),
        );
        state.set_attr(
            "talos_inline_manifest",
            Value::string(hook::talos_inline_manifest(&s.name, &yaml)),
        );
        state.set_attr("yaml", Value::string(yaml));
        state.set_attr(
            "tls_secret_manifest",
            model::opt_string(rendered.tls_secret.map(|j| j.to_string()).as_deref()),
        );
        state.set_attr(
            "ca_bundle",
            model::opt_string(rendered.ca_bundle.as_deref()),
        );
        state
    }
}

#[cfg(test)]
mod tests;
