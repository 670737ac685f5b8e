//! `irsa_trust_check`: the trust chain proven from outside, as STS sees
//! it, for Terraform 1.5+ `check {}` blocks (where a failure is a warning
//! on every plan) or as a plain data source (where it is an error).
//!
//! The steps run in [`crate::trust_check`]; this file is the glue: decode
//! the configuration, run, encode the outcome and the one diagnostic.

use std::collections::BTreeMap;

use crate::cluster::{self, ClusterModel};
use crate::context::ProviderData;
use crate::domain::arn::role_name_of;
use crate::domain::service_account::ServiceAccountPattern;
use crate::domain::trust_check::{Report, Step, StepResult};
use crate::domain::trust_policy::DEFAULT_AUDIENCE;
use crate::framework::model as m;
use crate::framework::validator;
use crate::framework::{Attr, BlockSpec, Constraint, ManagedDataSource, ResourceSchema};
use crate::tfplugin::{AttrPath, Diagnostic, Diagnostics, Mode, Type, Value};
use crate::tls;
use crate::trust_check::{self, Clients, ClusterAccess, Inputs};

pub struct TrustCheck;

pub const ISSUER_URL: &str = "issuer_url";
pub const ROLE_ARN: &str = "role_arn";
pub const SERVICE_ACCOUNT: &str = "service_account";
pub const AUDIENCE: &str = "audience";
pub const TLS_CA_CERTIFICATE: &str = "tls_ca_certificate";
pub const MINT_TOKEN: &str = "mint_token";
pub const ASSUME_ROLE: &str = "assume_role";
pub const OK: &str = "ok";
pub const STEPS: &str = "steps";
pub const STS_ERROR: &str = "sts_error";

fn step_type() -> Type {
    Type::Object(BTreeMap::from([
        ("name".to_owned(), Type::String),
        ("ok".to_owned(), Type::Bool),
        ("detail".to_owned(), Type::String),
    ]))
}

fn validate_issuer(url: &str) -> Result<(), Diagnostic> {
    let bad = || {
        Diagnostic::error(
            "Invalid issuer URL",
            format!("{url:?} must be the https:// URL of the issuer, as the apiserver's --service-account-issuer gives it."),
        )
    };
    if url.contains(['?', '#']) {
        return Err(bad());
    }
    tls::host_port(url).map(|_| ()).map_err(|_| bad())
}

fn validate_service_account(value: &str) -> Result<(), Diagnostic> {
    let invalid = |why: String| Diagnostic::error("Invalid service account", why);
    let p = ServiceAccountPattern::parse(value).map_err(|e| invalid(e.to_string()))?;
    if p.has_wildcard() {
        return Err(invalid(format!(
            "{value:?} has a wildcard; the check needs one service account, <namespace>:<name>."
        )));
    }
    Ok(())
}

fn validate_role_arn(value: &str) -> Result<(), Diagnostic> {
    role_name_of(value)
        .map(|_| ())
        .map_err(|e| Diagnostic::error("Invalid role ARN", e.to_string()))
}

fn schema() -> ResourceSchema {
    use Mode::{Computed, Optional, OptionalComputed, Required};
    let steps = Step::ALL
        .iter()
        .enumerate()
        .map(|(i, s)| format!("{}. `{}`: {}.", i + 1, s.name(), s.summary()))
        .collect::<Vec<_>>()
        .join("\n");
    let block = BlockSpec::new(&format!(
        "Proves the IRSA trust chain from outside, the way AWS STS checks it for `AssumeRoleWithWebIdentity`, \
         and names the step that breaks. Put it in a `check {{}}` block (Terraform 1.5+), where a failure is a \
         warning on every plan, or use it as a plain data source, where a failure is an error. The steps run in \
         STS's order and stop at the first failure:\n\n{steps}\n\nSteps 4 to 7 run only when their inputs are \
         given. The documents are fetched as STS fetches them: without AWS credentials, with the certificate \
         verified against the public roots, with no redirect followed, within 15 seconds and 256 KiB. A proxy in \
         `HTTPS_PROXY` is used unless `NO_PROXY` names the host. IAM is only read \
         (`iam:ListOpenIDConnectProviders`, `iam:GetOpenIDConnectProvider`, `iam:GetRole`). No token and no \
         kubeconfig content is kept in the state or written to the logs."
    ))
    .attr(
        Attr::string(
            ISSUER_URL,
            Required,
            "The issuer URL, byte for byte as the apiserver's `--service-account-issuer` has it, e.g. \
             `irsa_issuer.this.issuer_url`.",
        )
        .validate(validator::string(validate_issuer)),
    )
    .attr(
        Attr::string(
            ROLE_ARN,
            Optional,
            "ARN of a role the service account should assume; with `service_account`, step 5 evaluates its \
             trust policy.",
        )
        .validate(validator::string(validate_role_arn)),
    )
    .attr(
        Attr::string(
            SERVICE_ACCOUNT,
            Optional,
            "The service account, `<namespace>:<name>`, with `role_arn`.",
        )
        .validate(validator::string(validate_service_account)),
    )
    .attr(
        Attr::string(
            AUDIENCE,
            OptionalComputed,
            "The audience of the pods' tokens, which the OIDC provider must list and the trust policy must \
             require. Default `sts.amazonaws.com`.",
        )
        .default(Value::string(DEFAULT_AUDIENCE))
        .validate(crate::attributes::client_id()),
    )
    .attr(
        Attr::string(
            TLS_CA_CERTIFICATE,
            Optional,
            "PEM CA certificates to trust besides the public roots, for private test setups; STS itself \
             accepts only public CAs, so a chain that needs this one is reported in step 3's detail.",
        )
        .validate(crate::attributes::ca_certificate()),
    )
    .attr(Attr::bool(
        MINT_TOKEN,
        Optional,
        "Ask the cluster for a real token of `service_account` through the TokenRequest API \
         (`serviceaccounts/<name>/token`, with the audience and a 10-minute lifetime) and verify it in step 6. \
         Needs `cluster` and `service_account`, and `create` on `serviceaccounts/token`. Default `false`.",
    ))
    .attr(Attr::bool(
        ASSUME_ROLE,
        Optional,
        "Call `AssumeRoleWithWebIdentity` with the minted token, unsigned, as a pod's SDK does (step 7). Needs \
         `mint_token` and `role_arn`. The credentials STS returns are dropped at once. Default `false`.",
    ))
    .attr(Attr::bool(
        OK,
        Computed,
        "Whether every step that ran passed. Terraform drops a data source's values when it reports an error, \
         so outside `check {}` this is only ever seen `true`.",
    ))
    .attr(Attr::new(
        STEPS,
        Type::list(step_type()),
        Computed,
        "The steps that ran, in order: `name`, `ok` and `detail` (what was compared).",
    ))
    .attr(Attr::string(
        STS_ERROR,
        Computed,
        "For the first failing step, the message STS gives pods for that break; null when every step passes.",
    ))
    .block(
        cluster::CLUSTER,
        cluster::block(
            "How to reach the cluster, with the same settings as `irsa_jwks.cluster`. With a key source (`secret` \
             or `jwks_endpoint = true`), step 4 checks that every signing key is published; with `mint_token`, \
             the token is requested here. The bearer token is not kept in the state.",
            cluster::Keys::Optional,
        ),
    )
    .constraint(Constraint::required_with(ROLE_ARN, &[SERVICE_ACCOUNT]))
    .constraint(Constraint::required_with(SERVICE_ACCOUNT, &[ROLE_ARN]));
    ResourceSchema::new(block)
}

fn inputs(config: &Value) -> Inputs {
    let cluster = ClusterModel::from_value(config.attr(cluster::CLUSTER));
    Inputs {
        issuer_url: m::string(config, ISSUER_URL).unwrap_or_default(),
        role_arn: m::string(config, ROLE_ARN),
        service_account: m::string(config, SERVICE_ACCOUNT),
        audience: m::string(config, AUDIENCE).unwrap_or_else(|| DEFAULT_AUDIENCE.to_owned()),
        tls_ca_certificate: m::string(config, TLS_CA_CERTIFICATE),
        cluster: cluster.map(|c| ClusterAccess {
            connection: c.connection(),
            keys: c.key_source(),
        }),
        mint_token: m::bool(config, MINT_TOKEN).unwrap_or(false),
        assume_role: m::bool(config, ASSUME_ROLE).unwrap_or(false),
    }
}

/// The attribute a failing step points at. Terraform can quote an
/// attribute only, not a block, so a problem of the cluster's keys points
/// at the key source (an unpublished key) or at the connection setting (the
/// cluster could not be read) in the `cluster` block.
fn path_of(failed: &StepResult, cluster_block: &Value) -> AttrPath {
    let set = |name: &str| !cluster_block.attr(name).is_null();
    match failed.step {
        Step::Discovery | Step::Jwks | Step::OidcProvider => AttrPath::attr(ISSUER_URL),
        Step::ClusterKeys => {
            let keys = failed.sts_error.is_some();
            if keys && set(cluster::SECRET) {
                cluster::secret_at(cluster::NAME)
            } else if keys && set(cluster::JWKS_ENDPOINT) {
                cluster::at(cluster::JWKS_ENDPOINT)
            } else if set(cluster::HOST) {
                cluster::at(cluster::HOST)
            } else if set(cluster::CONFIG_PATH) {
                cluster::at(cluster::CONFIG_PATH)
            } else {
                AttrPath::attr(cluster::CLUSTER)
            }
        }
        Step::TrustPolicy | Step::AssumeRole => AttrPath::attr(ROLE_ARN),
        Step::Token => AttrPath::attr(SERVICE_ACCOUNT),
    }
}

/// The one diagnostic of a failed check; `cluster_block` is the configured
/// `cluster` block (or null).
pub fn failure_diagnostic(report: &Report, cluster_block: &Value) -> Option<Diagnostic> {
    let failed = report.failure()?;
    let passed: Vec<&str> = report
        .steps
        .iter()
        .filter(|s| s.ok)
        .map(|s| s.step.name())
        .collect();
    let mut detail = failed.detail.clone();
    if let Some(fix) = &failed.fix {
        detail.push_str(&format!("\n\nFix: {fix}."));
    }
    match &failed.sts_error {
        Some(sts) => detail.push_str(&format!("\n\nSTS tells pods: \"{sts}\"")),
        None => detail
            .push_str("\n\nThe step could not be checked, so there is no STS message to match."),
    }
    if !passed.is_empty() {
        detail.push_str(&format!("\n\nPassed before it: {}.", passed.join(", ")));
    }
    Some(
        Diagnostic::error(
            format!("IRSA trust check failed at step {}", failed.step.name()),
            detail,
        )
        .at(path_of(failed, cluster_block)),
    )
}

#[async_trait::async_trait]
impl ManagedDataSource<ProviderData> for TrustCheck {
    fn type_name(&self) -> &'static str {
        "irsa_trust_check"
    }

    fn schema(&self) -> ResourceSchema {
        schema()
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        cluster::validate(config.attr(cluster::CLUSTER), diags);
        // `true` needs the other settings; `false` and unknown need nothing.
        let on = |name: &str| config.attr(name).as_bool() == Some(true);
        let absent = |name: &str| config.attr(name).is_null();
        if on(MINT_TOKEN) && (absent(cluster::CLUSTER) || absent(SERVICE_ACCOUNT)) {
            diags.push(
                Diagnostic::error(
                    "mint_token needs a cluster and a service account",
                    "Add a cluster block and service_account (with role_arn) to mint a token, or leave mint_token \
                     unset.",
                )
                .at(AttrPath::attr(MINT_TOKEN)),
            );
        }
        if on(ASSUME_ROLE)
            && (!on(MINT_TOKEN) && !config.attr(MINT_TOKEN).is_unknown() || absent(ROLE_ARN))
        {
            diags.push(
                Diagnostic::error(
                    "assume_role needs a minted token",
                    "Set mint_token = true (with a cluster block and service_account) and role_arn, or leave \
                     assume_role unset.",
                )
                .at(AttrPath::attr(ASSUME_ROLE)),
            );
        }
    }

    async fn read(&self, data: &ProviderData, config: Value, diags: &mut Diagnostics) -> Value {
        let inputs = inputs(&config);
        let clients = Clients {
            iam: &data.aws.iam,
            sts: &data.aws.sts_anonymous,
        };
        let report = trust_check::run(&inputs, &clients).await;
        if let Some(d) = failure_diagnostic(&report, config.attr(cluster::CLUSTER)) {
            diags.push(d);
        }
        let mut state = config;
        state.set_attr(AUDIENCE, Value::string(&inputs.audience));
        state.set_attr(OK, Value::Bool(report.ok()));
        state.set_attr(
            STEPS,
            Value::List(
                report
                    .steps
                    .iter()
                    .map(|s| {
                        m::object([
                            ("name", Value::string(s.step.name())),
                            ("ok", Value::Bool(s.ok)),
                            ("detail", Value::string(&s.detail)),
                        ])
                    })
                    .collect(),
            ),
        );
        state.set_attr(
            STS_ERROR,
            m::opt_string(report.failure().and_then(|f| f.sts_error.as_deref())),
        );
        // The bearer token and the client key are inputs only: never in
        // the state (nor the kubeconfig paths, as in a resource's).
        let cluster_block = cluster::without_write_only(state.attr(cluster::CLUSTER).clone());
        state.set_attr(cluster::CLUSTER, cluster_block);
        state
    }
}

#[cfg(test)]
mod tests;
