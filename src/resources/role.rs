//! `irsa_role`: an IAM role that Kubernetes service accounts assume with
//! their projected tokens, through the IAM OIDC provider of the cluster's
//! issuer.
//!
//! The trust policy is built from `oidc_provider_arn`, `service_accounts` and
//! `audience` (see [`crate::domain::trust_policy`]), never written by hand.
//! Managed policy attachments, inline policies, tags, the permissions
//! boundary and the session duration are managed exclusively: whatever
//! changes them out of band shows as drift and is put back in place.
//!
//! A refresh costs `GetRole` (which carries the trust policy, tags, boundary
//! and session duration), `ListAttachedRolePolicies` and `ListRolePolicies`,
//! plus one `GetRolePolicy` per inline policy.

use std::collections::{BTreeMap, BTreeSet};
use std::hash::BuildHasher;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::aws::iam_role::{self, LiveRole, NewRole};
use crate::aws::AwsError;
use crate::domain::arn::{self, OidcProviderArn};
use crate::domain::policy_json::{self, semantically_equal};
use crate::domain::role as rules;
use crate::domain::service_account::{self, ServiceAccountPattern};
use crate::domain::trust_policy::{self, TrustPolicy, TrustPolicyError, DEFAULT_AUDIENCE};
use crate::errors::ToDiagnostic;
use crate::provider::ProviderData;
use crate::tfplugin::{
    ApplyRequest, AttrPath, Attribute, Block, CancellationToken, Diagnostic, Diagnostics, Mode,
    PlanRequest, Planned, Resource, Schema, Type, Value,
};

pub struct Role;

const DEFAULT_PATH: &str = "/";
const DEFAULT_SESSION_DURATION: i32 = 3600;

pub fn schema() -> Schema {
    let s = |name: &str, mode, desc: &str| Attribute::new(name, Type::String, mode, desc);
    let strings = Type::set(Type::String);
    let string_map = Type::map(Type::String);
    Schema {
        version: 0,
        block: Block {
            description: "An IAM role that Kubernetes service accounts assume through the cluster's OIDC provider \
                          (IAM Roles for Service Accounts). The trust policy is built from the service accounts, \
                          the provider ARN and the audience: `sub` and `aud` under the right operators, wildcards \
                          only under `StringLike`, condition keys without `https://`, rendered byte-stable. Managed \
                          policy attachments and inline policies are managed exclusively, and changes made outside \
                          Terraform show as drift."
                .into(),
            attributes: vec![
                s("id", Mode::Computed, "The role name."),
                s(
                    "name",
                    Mode::OptionalComputed,
                    "Name of the role: up to 64 letters, digits and `+=,.@_-`. Give exactly one of `name` and \
                     `name_prefix`. Changing it replaces the role.",
                ),
                s(
                    "name_prefix",
                    Mode::Optional,
                    "Create a unique name starting with this prefix (up to 38 characters; 26 are added: the \
                     creation time and random hex digits). The name is known after apply. Changing it replaces \
                     the role.",
                ),
                s(
                    "path",
                    Mode::OptionalComputed,
                    "Path of the role, e.g. `/k8s/`. Default `/`. Changing it replaces the role.",
                ),
                s("description", Mode::Optional, "Description of the role, up to 1000 characters."),
                s(
                    "oidc_provider_arn",
                    Mode::Required,
                    "ARN of the IAM OIDC provider registered for the cluster's issuer, \
                     `arn:<partition>:iam::<account>:oidc-provider/<issuer host and path>`. The condition keys of \
                     the trust policy (`<issuer host and path>:sub` and `:aud`) are taken from it.",
                ),
                Attribute::new(
                    "additional_oidc_provider_arns",
                    strings.clone(),
                    Mode::Optional,
                    "More OIDC providers to trust with the same service accounts and audience, e.g. the old and \
                     the new issuer while a cluster moves from one to the other. Each provider gets statements of \
                     its own, with its own condition keys.",
                ),
                Attribute::new(
                    "service_accounts",
                    strings.clone(),
                    Mode::Required,
                    "The service accounts that may assume the role, as `<namespace>:<name>`. Namespaces must be \
                     DNS labels and names DNS subdomains; `*` (any characters) and `?` (one character) are \
                     allowed in both. Exact entries are matched with `StringEquals`, entries with wildcards with \
                     `StringLike`, in separate statements so that together they allow one entry or the other.",
                ),
                Attribute::new(
                    "allow_any_service_account",
                    Type::Bool,
                    Mode::OptionalComputed,
                    "Allow an entry such as `*:*` that matches every service account of every namespace. \
                     Default `false`: such an entry is refused, as it usually is a mistake.",
                ),
                s(
                    "audience",
                    Mode::OptionalComputed,
                    "The `aud` claim the tokens must carry, matched with `StringEquals`. Default \
                     `sts.amazonaws.com`, the audience of the EKS pod identity webhook.",
                ),
                Attribute::new(
                    "policy_arns",
                    strings,
                    Mode::Optional,
                    "ARNs of the managed policies to attach. Managed exclusively: policies attached outside \
                     Terraform are detached.",
                ),
                Attribute::new(
                    "inline_policies",
                    string_map.clone(),
                    Mode::Optional,
                    "Inline policies, by name, as JSON (e.g. from `jsonencode` or `aws_iam_policy_document`). \
                     Documents are compared by meaning, so reformatting by IAM causes no diff. Managed \
                     exclusively: inline policies added outside Terraform are deleted.",
                ),
                s(
                    "permissions_boundary",
                    Mode::Optional,
                    "ARN of the managed policy that sets the role's permissions boundary.",
                ),
                Attribute::new(
                    "max_session_duration",
                    Type::Number,
                    Mode::OptionalComputed,
                    "Longest session, in seconds, from 3600 (one hour, the default) to 43200 (twelve hours).",
                ),
                Attribute::new("tags", string_map.clone(), Mode::Optional, "Tags of the role."),
                s("arn", Mode::Computed, "ARN of the role."),
                s("unique_id", Mode::Computed, "The stable unique id IAM assigned to the role (`AROA...`)."),
                s(
                    "trust_policy",
                    Mode::Computed,
                    "The trust policy document, as JSON. When the role's trust policy was changed outside \
                     Terraform, this shows what IAM has until the next apply puts it back.",
                ),
                Attribute::new(
                    "service_account_annotations",
                    string_map,
                    Mode::Computed,
                    "Annotations for the Kubernetes service accounts: `eks.amazonaws.com/role-arn`, and \
                     `eks.amazonaws.com/audience` when the audience is not the default.",
                ),
            ],
            blocks: vec![],
        },
    }
}

// ------------------------------------------------------------- validation

fn attr(name: &str) -> AttrPath {
    AttrPath::attr(name)
}

/// The known strings of a set, list or map attribute's elements, with their
/// positions (sets are addressed by the attribute alone).
fn known_elements(v: &Value) -> Vec<(Option<usize>, &str)> {
    match v {
        Value::List(items) => items
            .iter()
            .enumerate()
            .filter_map(|(i, s)| Some((Some(i), s.as_str()?)))
            .collect(),
        Value::Set(items) => items
            .iter()
            .filter_map(|s| Some((None, s.as_str()?)))
            .collect(),
        _ => vec![],
    }
}

fn element_path(name: &str, index: Option<usize>) -> AttrPath {
    match index {
        Some(i) => attr(name).then_index(i),
        None => attr(name),
    }
}

type SettingCheck = fn(&str) -> Result<(), rules::RoleSettingError>;

/// Check every known value of a configuration; unknown values are checked
/// again at plan time, once they are known.
fn validate_config(config: &Value, diags: &mut Diagnostics) {
    let name = config.attr("name");
    let prefix = config.attr("name_prefix");
    if !name.is_null() && !prefix.is_null() {
        diags.push(
            Diagnostic::error(
                "Conflicting role name settings",
                "Give either `name` or `name_prefix`, not both.",
            )
            .at(attr("name_prefix")),
        );
    }
    if name.is_null() && prefix.is_null() {
        diags.push(
            Diagnostic::error(
                "Missing role name",
                "Give `name`, or `name_prefix` to have a unique name generated.",
            )
            .at(attr("name")),
        );
    }
    let setting_checks: [(&str, SettingCheck); 4] = [
        ("name", rules::validate_name),
        ("name_prefix", rules::validate_name_prefix),
        ("path", rules::validate_path),
        ("description", rules::validate_description),
    ];
    for (name, check) in setting_checks {
        if let Some(v) = config.attr(name).as_str() {
            if let Err(e) = check(v) {
                diags.push(e.to_diagnostic().at(attr(name)));
            }
        }
    }

    if let Some(v) = config.attr("oidc_provider_arn").as_str() {
        if let Err(e) = OidcProviderArn::parse(v) {
            diags.push(e.to_diagnostic().at(attr("oidc_provider_arn")));
        }
    }
    for (i, v) in known_elements(config.attr("additional_oidc_provider_arns")) {
        if let Err(e) = OidcProviderArn::parse(v) {
            diags.push(
                e.to_diagnostic()
                    .at(element_path("additional_oidc_provider_arns", i)),
            );
        }
    }

    let service_accounts = config.attr("service_accounts");
    if service_accounts
        .as_elements()
        .is_some_and(<[Value]>::is_empty)
    {
        diags.push(
            TrustPolicyError::NoServiceAccounts
                .to_diagnostic()
                .at(attr("service_accounts")),
        );
    }
    let mut patterns = Vec::new();
    for (i, v) in known_elements(service_accounts) {
        match ServiceAccountPattern::parse(v) {
            Ok(p) => patterns.push(p),
            Err(e) => diags.push(e.to_diagnostic().at(element_path("service_accounts", i))),
        }
    }
    let allow_any = match config.attr("allow_any_service_account") {
        Value::Null => Some(false),
        v => v.as_bool(),
    };
    if let Some(allow_any) = allow_any {
        if let Err(e) = service_account::check_any_allowed(&patterns, allow_any) {
            diags.push(e.to_diagnostic().at(attr("service_accounts")));
        }
    }
    if let Some(v) = config.attr("audience").as_str() {
        if let Err(e) = trust_policy::validate_audience(v) {
            diags.push(e.to_diagnostic().at(attr("audience")));
        }
    }

    for (i, v) in known_elements(config.attr("policy_arns")) {
        if let Err(e) = arn::validate_policy_arn(v) {
            diags.push(e.to_diagnostic().at(element_path("policy_arns", i)));
        }
    }
    if let Some(v) = config.attr("permissions_boundary").as_str() {
        if let Err(e) = arn::validate_policy_arn(v) {
            diags.push(e.to_diagnostic().at(attr("permissions_boundary")));
        }
    }
    if let Some(policies) = config.attr("inline_policies").as_entries() {
        for (name, doc) in policies {
            let path = attr("inline_policies").then_key(name);
            if let Err(e) = rules::validate_policy_name(name) {
                diags.push(e.to_diagnostic().at(path.clone()));
            }
            if let Some(doc) = doc.as_str() {
                if let Err(e) = policy_json::parse_policy(doc) {
                    diags.push(e.to_diagnostic().at(path));
                }
            }
        }
    }
    if let Some(seconds) = config.attr("max_session_duration").as_f64() {
        if let Err(e) = rules::validate_session_duration(seconds) {
            diags.push(e.to_diagnostic().at(attr("max_session_duration")));
        }
    }
    if let Some(tags) = string_map(config.attr("tags")) {
        if let Err(e) = rules::validate_tags(tags.iter().map(|(k, v)| (k.as_str(), v.as_str()))) {
            diags.push(e.to_diagnostic().at(attr("tags")));
        }
    }

    // What needs several attributes at once, when each is fine on its own.
    if !diags.has_errors() {
        if let Some(Err(d)) = trust_policy_of(config) {
            diags.push(d);
        }
    }
}

/// The trust policy a configuration or plan asks for; `None` while any of
/// its inputs is unknown.
fn trust_policy_of(v: &Value) -> Option<Result<TrustPolicy, Diagnostic>> {
    let primary = v.attr("oidc_provider_arn").as_str()?;
    let additional = match v.attr("additional_oidc_provider_arns") {
        Value::Null => vec![],
        other => other.as_string_vec()?,
    };
    let service_accounts = v.attr("service_accounts").as_string_vec()?;
    let audience = match v.attr("audience") {
        Value::Null => DEFAULT_AUDIENCE,
        other => other.as_str()?,
    };
    let build = || {
        let primary = OidcProviderArn::parse(primary)
            .map_err(|e| e.to_diagnostic().at(attr("oidc_provider_arn")))?;
        let additional = additional
            .iter()
            .map(|a| OidcProviderArn::parse(a))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| e.to_diagnostic().at(attr("additional_oidc_provider_arns")))?;
        let patterns = service_accounts
            .iter()
            .map(|s| ServiceAccountPattern::parse(s))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| e.to_diagnostic().at(attr("service_accounts")))?;
        TrustPolicy::new(primary, additional, patterns, audience).map_err(|e| {
            let path = match e {
                TrustPolicyError::NoServiceAccounts => "service_accounts",
                TrustPolicyError::Audience { .. } => "audience",
                TrustPolicyError::DuplicateProvider(_) | TrustPolicyError::MixedPartitions(..) => {
                    "additional_oidc_provider_arns"
                }
            };
            e.to_diagnostic().at(attr(path))
        })
    };
    Some(build())
}

// ------------------------------------------------------- values and models

fn string_set(v: &Value) -> Option<BTreeSet<String>> {
    match v {
        Value::Null => Some(BTreeSet::new()),
        other => other.as_string_vec().map(|v| v.into_iter().collect()),
    }
}

fn string_map(v: &Value) -> Option<BTreeMap<String, String>> {
    match v {
        Value::Null => Some(BTreeMap::new()),
        Value::Map(m) => m
            .iter()
            .map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
            .collect(),
        _ => None,
    }
}

/// A set for the state; empty stays null when the prior value was null, so
/// that an unset attribute does not turn into `[]`.
fn set_value<'a>(items: impl IntoIterator<Item = &'a String>, prior: &Value) -> Value {
    let items: Vec<Value> = items.into_iter().map(Value::string).collect();
    if items.is_empty() && prior.is_null() {
        Value::Null
    } else {
        Value::Set(items)
    }
}

/// A map for the state, with the same rule for empty as [`set_value`].
fn map_value(map: &BTreeMap<String, String>, prior: &Value) -> Value {
    if map.is_empty() && prior.is_null() {
        Value::Null
    } else {
        Value::Map(
            map.iter()
                .map(|(k, v)| (k.clone(), Value::string(v)))
                .collect(),
        )
    }
}

/// The service-account annotations; the role ARN's value stays unknown until
/// the role exists.
fn annotations(arn: &Value, audience: &Value) -> Value {
    let Some(audience) = audience.as_str() else {
        return Value::Unknown;
    };
    let map = rules::service_account_annotations(arn.as_str().unwrap_or_default(), audience);
    Value::Map(
        map.into_iter()
            .map(|(k, v)| {
                let known = k != rules::ROLE_ARN_ANNOTATION || arn.as_str().is_some();
                (
                    k,
                    if known {
                        Value::String(v)
                    } else {
                        Value::Unknown
                    },
                )
            })
            .collect(),
    )
}

/// The role a plan asks for, decoded once every input is known (at apply).
struct Desired {
    name: Option<String>,
    name_prefix: Option<String>,
    path: String,
    description: String,
    trust_policy: String,
    max_session_duration: i32,
    permissions_boundary: Option<String>,
    tags: BTreeMap<String, String>,
    policy_arns: BTreeSet<String>,
    inline_policies: BTreeMap<String, String>,
}

impl Desired {
    fn from_planned(planned: &Value, diags: &mut Diagnostics) -> Option<Desired> {
        let unknown = |what: &str| {
            Diagnostic::error(
                "Value unknown at apply",
                format!("`{what}` is still unknown when the role is applied."),
            )
            .at(attr(what))
        };
        let trust_policy = match planned.attr("trust_policy").as_str() {
            Some(doc) => doc.to_owned(),
            None => match trust_policy_of(planned) {
                Some(Ok(p)) => p.render(),
                Some(Err(d)) => {
                    diags.push(d);
                    return None;
                }
                None => {
                    diags.push(unknown("service_accounts"));
                    return None;
                }
            },
        };
        let s = |name: &str| planned.attr(name).as_str().map(str::to_owned);
        let seconds = planned
            .attr("max_session_duration")
            .as_f64()
            .unwrap_or(f64::from(DEFAULT_SESSION_DURATION));
        let max_session_duration = match rules::validate_session_duration(seconds) {
            Ok(s) => s,
            Err(e) => {
                diags.push(e.to_diagnostic().at(attr("max_session_duration")));
                return None;
            }
        };
        let (Some(tags), Some(policy_arns), Some(inline_policies)) = (
            string_map(planned.attr("tags")),
            string_set(planned.attr("policy_arns")),
            string_map(planned.attr("inline_policies")),
        ) else {
            diags.push(unknown("policy_arns"));
            return None;
        };
        Some(Desired {
            name: s("name"),
            name_prefix: s("name_prefix"),
            path: s("path").unwrap_or_else(|| DEFAULT_PATH.to_owned()),
            description: s("description").unwrap_or_default(),
            trust_policy,
            max_session_duration,
            permissions_boundary: s("permissions_boundary"),
            tags,
            policy_arns,
            inline_policies,
        })
    }
}

/// What the role has now, as the prior state (refreshed) or `CreateRole`
/// left it.
struct Current {
    trust_policy: Option<String>,
    description: String,
    max_session_duration: i32,
    permissions_boundary: Option<String>,
    tags: BTreeMap<String, String>,
    policy_arns: BTreeSet<String>,
    inline_policies: BTreeMap<String, String>,
}

impl Current {
    fn from_state(state: &Value) -> Current {
        Current {
            trust_policy: state.attr("trust_policy").as_str().map(str::to_owned),
            description: state
                .attr("description")
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            max_session_duration: state
                .attr("max_session_duration")
                .as_f64()
                .map_or(DEFAULT_SESSION_DURATION, |n| n as i32),
            permissions_boundary: state
                .attr("permissions_boundary")
                .as_str()
                .map(str::to_owned),
            tags: string_map(state.attr("tags")).unwrap_or_default(),
            policy_arns: string_set(state.attr("policy_arns")).unwrap_or_default(),
            inline_policies: string_map(state.attr("inline_policies")).unwrap_or_default(),
        }
    }

    /// The role right after `CreateRole`: everything but the attachments and
    /// inline policies.
    fn created(d: &Desired) -> Current {
        Current {
            trust_policy: Some(d.trust_policy.clone()),
            description: d.description.clone(),
            max_session_duration: d.max_session_duration,
            permissions_boundary: d.permissions_boundary.clone(),
            tags: d.tags.clone(),
            policy_arns: BTreeSet::new(),
            inline_policies: BTreeMap::new(),
        }
    }
}

/// Why an apply stopped part way.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// An AWS call failed.
    #[error(transparent)]
    Aws(#[from] AwsError),
    /// Terraform asked the provider to stop (Ctrl-C).
    #[error("stopped on request; the state records what was done")]
    Stopped,
}

// ------------------------------------------------------------ state

/// The state for a role as AWS has it. `prior` supplies what AWS does not
/// know (`name_prefix`, `allow_any_service_account`), the user's spelling of
/// values that mean the same (policy documents, null versus empty), and the
/// trust inputs when the trust policy is not one this resource renders.
fn state_from_live(live: &LiveRole, prior: &Value) -> Value {
    let role = &live.role;
    let mut s = prior.clone().conform(&schema().value_type());
    if !matches!(s, Value::Object(_)) {
        s = Value::Object(BTreeMap::new()).conform(&schema().value_type());
    }
    s.set_attr("id", Value::string(&role.name));
    s.set_attr("name", Value::string(&role.name));
    s.set_attr("arn", Value::string(&role.arn));
    s.set_attr("unique_id", Value::string(&role.unique_id));
    s.set_attr("path", Value::string(&role.path));
    let description = match role.description.as_deref() {
        Some(d) if !d.is_empty() => Value::string(d),
        _ if prior.attr("description").as_str() == Some("") => Value::string(""),
        _ => Value::Null,
    };
    s.set_attr("description", description);
    s.set_attr(
        "max_session_duration",
        Value::Number(f64::from(
            role.max_session_duration
                .unwrap_or(DEFAULT_SESSION_DURATION),
        )),
    );
    s.set_attr(
        "permissions_boundary",
        Value::opt_string(role.permissions_boundary.clone()),
    );
    s.set_attr("tags", map_value(&role.tags, prior.attr("tags")));
    s.set_attr(
        "policy_arns",
        set_value(&live.policy_arns, prior.attr("policy_arns")),
    );
    let prior_inline = string_map(prior.attr("inline_policies")).unwrap_or_default();
    let inline: BTreeMap<String, String> = live
        .inline_policies
        .iter()
        .map(|(name, doc)| {
            let keep = prior_inline
                .get(name)
                .filter(|p| semantically_equal(p, doc));
            (name.clone(), keep.unwrap_or(doc).clone())
        })
        .collect();
    s.set_attr(
        "inline_policies",
        map_value(&inline, prior.attr("inline_policies")),
    );

    let actual = &role.trust_policy;
    let prior_doc = prior
        .attr("trust_policy")
        .as_str()
        .filter(|p| semantically_equal(p, actual));
    match TrustPolicy::parse(actual) {
        Some(tp) => {
            let live_providers: BTreeSet<String> = std::iter::once(tp.primary())
                .chain(tp.additional())
                .map(ToString::to_string)
                .collect();
            let prior_providers: BTreeSet<String> = prior
                .attr("oidc_provider_arn")
                .as_str()
                .map(str::to_owned)
                .into_iter()
                .chain(string_set(prior.attr("additional_oidc_provider_arns")).unwrap_or_default())
                .collect();
            if live_providers != prior_providers {
                s.set_attr("oidc_provider_arn", Value::string(tp.primary().to_string()));
                let additional: Vec<String> =
                    tp.additional().iter().map(ToString::to_string).collect();
                s.set_attr(
                    "additional_oidc_provider_arns",
                    set_value(&additional, prior.attr("additional_oidc_provider_arns")),
                );
            }
            let live_accounts: BTreeSet<String> =
                tp.service_accounts().map(ToString::to_string).collect();
            if string_set(prior.attr("service_accounts")).as_ref() != Some(&live_accounts)
                || prior.attr("service_accounts").is_null()
            {
                s.set_attr("service_accounts", set_value(&live_accounts, &Value::Null));
            }
            s.set_attr("audience", Value::string(tp.audience()));
            if prior.attr("allow_any_service_account").is_null() {
                let any = tp
                    .service_accounts()
                    .any(ServiceAccountPattern::matches_any_service_account);
                s.set_attr("allow_any_service_account", Value::Bool(any));
            }
            let doc = prior_doc.map_or_else(|| tp.render(), str::to_owned);
            s.set_attr("trust_policy", Value::string(doc));
        }
        None => {
            let doc = prior_doc.map_or_else(|| policy_json::pretty(actual), str::to_owned);
            s.set_attr("trust_policy", Value::string(doc));
        }
    }
    let audience = match s.attr("audience") {
        Value::Null => Value::string(DEFAULT_AUDIENCE),
        a => a.clone(),
    };
    let ann = annotations(s.attr("arn"), &audience);
    s.set_attr("service_account_annotations", ann);
    s
}

/// The state after a failed apply: the role as AWS has it now, so that
/// whatever was done is recorded. `fallback` is used when even that read
/// fails.
async fn true_state(data: &ProviderData, name: &str, like: &Value, fallback: Value) -> Value {
    match iam_role::read_role(&data.aws.iam, name).await {
        Ok(Some(live)) => state_from_live(&live, like),
        Ok(None) => Value::Null,
        Err(e) => {
            log::warn!("cannot read role {name} back after a failed apply: {e}");
            fallback
        }
    }
}

fn generate_name(prefix: &str) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    // RandomState is seeded randomly for each process.
    let entropy = std::collections::hash_map::RandomState::new().hash_one((now, prefix)) as u32;
    rules::generated_name(prefix, now.as_secs(), now.subsec_nanos(), entropy)
}

// ------------------------------------------------------------ converge

fn check_stop(stop: &CancellationToken) -> Result<(), ApplyError> {
    if stop.is_cancelled() {
        Err(ApplyError::Stopped)
    } else {
        Ok(())
    }
}

/// Bring the role from `from` to `to`, one call per difference, checking
/// for a stop request between calls. Attachments are added before old ones
/// are removed, so the role does not lose permissions in between.
async fn converge(
    data: &ProviderData,
    name: &str,
    from: &Current,
    to: &Desired,
    stop: &CancellationToken,
) -> Result<(), ApplyError> {
    let iam = &data.aws.iam;
    check_stop(stop)?;
    let same_trust = from
        .trust_policy
        .as_deref()
        .is_some_and(|t| semantically_equal(t, &to.trust_policy));
    if !same_trust {
        iam_role::update_trust_policy(iam, name, &to.trust_policy).await?;
    }
    check_stop(stop)?;
    if from.description != to.description || from.max_session_duration != to.max_session_duration {
        iam_role::update_role(iam, name, &to.description, to.max_session_duration).await?;
    }
    check_stop(stop)?;
    if from.permissions_boundary != to.permissions_boundary {
        match &to.permissions_boundary {
            Some(b) => iam_role::put_permissions_boundary(iam, name, b).await?,
            None => iam_role::delete_permissions_boundary(iam, name).await?,
        }
    }
    check_stop(stop)?;
    let removed: Vec<String> = from
        .tags
        .keys()
        .filter(|k| !to.tags.contains_key(*k))
        .cloned()
        .collect();
    if !removed.is_empty() {
        iam_role::untag_role(iam, name, &removed).await?;
    }
    let changed: BTreeMap<String, String> = to
        .tags
        .iter()
        .filter(|(k, v)| from.tags.get(*k) != Some(v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if !changed.is_empty() {
        iam_role::tag_role(iam, name, &changed).await?;
    }
    for policy_arn in to.policy_arns.difference(&from.policy_arns) {
        check_stop(stop)?;
        iam_role::attach_policy(iam, name, policy_arn).await?;
    }
    for policy_arn in from.policy_arns.difference(&to.policy_arns) {
        check_stop(stop)?;
        iam_role::detach_policy(iam, name, policy_arn).await?;
    }
    for (policy, doc) in &to.inline_policies {
        let same = from
            .inline_policies
            .get(policy)
            .is_some_and(|d| semantically_equal(d, doc));
        if !same {
            check_stop(stop)?;
            iam_role::put_inline_policy(iam, name, policy, doc).await?;
        }
    }
    for policy in from.inline_policies.keys() {
        if !to.inline_policies.contains_key(policy) {
            check_stop(stop)?;
            iam_role::delete_inline_policy(iam, name, policy).await?;
        }
    }
    Ok(())
}

impl Role {
    async fn create(
        &self,
        data: &ProviderData,
        planned: &Value,
        desired: Desired,
        stop: &CancellationToken,
        diags: &mut Diagnostics,
    ) -> Value {
        if let Err(e) = check_stop(stop) {
            diags.push(e.to_diagnostic());
            return Value::Null;
        }
        let name = match (&desired.name, &desired.name_prefix) {
            (Some(name), _) => name.clone(),
            (None, Some(prefix)) => generate_name(prefix),
            (None, None) => {
                diags.push(Diagnostic::error(
                    "Missing role name",
                    "Give `name` or `name_prefix`.",
                ));
                return Value::Null;
            }
        };
        let new = NewRole {
            name: &name,
            path: &desired.path,
            trust_policy: &desired.trust_policy,
            description: Some(desired.description.as_str()).filter(|d| !d.is_empty()),
            max_session_duration: desired.max_session_duration,
            permissions_boundary: desired.permissions_boundary.as_deref(),
            tags: &desired.tags,
        };
        let role = match iam_role::create_role(&data.aws.iam, &new).await {
            Ok(role) => role,
            Err(e) => {
                diags.push(e.to_diagnostic());
                return Value::Null;
            }
        };
        let mut state = planned.clone();
        state.set_attr("id", Value::string(&role.name));
        state.set_attr("name", Value::string(&role.name));
        state.set_attr("arn", Value::string(&role.arn));
        state.set_attr("unique_id", Value::string(&role.unique_id));
        state.set_attr("trust_policy", Value::string(&desired.trust_policy));
        let ann = annotations(state.attr("arn"), state.attr("audience"));
        state.set_attr("service_account_annotations", ann);

        if let Err(e) = converge(data, &name, &Current::created(&desired), &desired, stop).await {
            diags.push(e.to_diagnostic());
            let mut fallback = state.clone();
            fallback.set_attr("policy_arns", set_value(&[], planned.attr("policy_arns")));
            fallback.set_attr(
                "inline_policies",
                map_value(&BTreeMap::new(), planned.attr("inline_policies")),
            );
            return true_state(data, &name, &state, fallback).await;
        }
        state
    }

    async fn update(
        &self,
        data: &ProviderData,
        prior: &Value,
        planned: &Value,
        desired: Desired,
        stop: &CancellationToken,
        diags: &mut Diagnostics,
    ) -> Value {
        let name = prior.attr("name").as_str().unwrap_or_default().to_owned();
        let mut state = planned.clone();
        for computed in ["id", "name", "arn", "unique_id"] {
            state.set_attr(computed, prior.attr(computed).clone());
        }
        state.set_attr("trust_policy", Value::string(&desired.trust_policy));
        let ann = annotations(state.attr("arn"), state.attr("audience"));
        state.set_attr("service_account_annotations", ann);

        if let Err(e) = converge(data, &name, &Current::from_state(prior), &desired, stop).await {
            diags.push(e.to_diagnostic());
            return true_state(data, &name, &state, prior.clone()).await;
        }
        state
    }

    async fn delete(
        &self,
        data: &ProviderData,
        prior: &Value,
        stop: &CancellationToken,
        diags: &mut Diagnostics,
    ) -> Value {
        let Some(name) = prior.attr("name").as_str() else {
            return Value::Null;
        };
        let result = tokio::select! {
            r = iam_role::delete_role(&data.aws.iam, name) => r.map_err(ApplyError::from),
            _ = stop.cancelled() => Err(ApplyError::Stopped),
        };
        match result {
            Ok(()) => Value::Null,
            Err(e) => {
                diags.push(e.to_diagnostic());
                true_state(data, name, prior, prior.clone()).await
            }
        }
    }
}

#[async_trait::async_trait]
impl Resource<ProviderData> for Role {
    fn type_name(&self) -> &'static str {
        "irsa_role"
    }

    fn schema(&self) -> Schema {
        schema()
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        validate_config(config, diags);
    }

    async fn plan(&self, _: &ProviderData, req: PlanRequest, diags: &mut Diagnostics) -> Planned {
        let PlanRequest {
            prior,
            proposed,
            config,
        } = req;
        validate_config(&config, diags);
        let mut planned = proposed;
        if diags.has_errors() {
            return Planned {
                state: planned,
                requires_replace: vec![],
            };
        }
        // Optional attributes with a default take it whenever they are not
        // configured, also when they were configured before.
        for (name, default) in [
            ("path", Value::string(DEFAULT_PATH)),
            ("audience", Value::string(DEFAULT_AUDIENCE)),
            (
                "max_session_duration",
                Value::Number(f64::from(DEFAULT_SESSION_DURATION)),
            ),
            ("allow_any_service_account", Value::Bool(false)),
        ] {
            if config.attr(name).is_null() {
                planned.set_attr(name, default);
            }
        }

        let creating = prior.is_null();
        let mut requires_replace = Vec::new();
        let name = if !config.attr("name").is_null() {
            config.attr("name").clone()
        } else if creating {
            Value::Unknown
        } else {
            // A generated name stays as long as it fits the prefix.
            let prior_name = prior.attr("name").as_str().unwrap_or_default();
            match config.attr("name_prefix").as_str() {
                Some(prefix) if rules::prefix_of_generated(prior_name) == Some(prefix) => {
                    Value::string(prior_name)
                }
                _ => Value::Unknown,
            }
        };
        if !creating {
            if &name != prior.attr("name") {
                let cause = if config.attr("name").is_null() {
                    "name_prefix"
                } else {
                    "name"
                };
                requires_replace.push(attr(cause));
            }
            if planned.attr("path") != prior.attr("path") {
                requires_replace.push(attr("path"));
            }
        }
        let fresh = creating || !requires_replace.is_empty();
        planned.set_attr("id", name.clone());
        planned.set_attr("name", name);
        for computed in ["arn", "unique_id"] {
            let v = if fresh {
                Value::Unknown
            } else {
                prior.attr(computed).clone()
            };
            planned.set_attr(computed, v);
        }

        let trust = match trust_policy_of(&planned) {
            Some(Ok(policy)) => {
                let rendered = policy.render();
                match prior.attr("trust_policy").as_str() {
                    Some(p) if !fresh && semantically_equal(p, &rendered) => Value::string(p),
                    _ => Value::String(rendered),
                }
            }
            Some(Err(d)) => {
                diags.push(d);
                Value::Unknown
            }
            None => Value::Unknown,
        };
        planned.set_attr("trust_policy", trust);
        let ann = annotations(planned.attr("arn"), planned.attr("audience"));
        planned.set_attr("service_account_annotations", ann);
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
        if req.planned.is_null() {
            return self.delete(data, &req.prior, &req.stop, diags).await;
        }
        let Some(desired) = Desired::from_planned(&req.planned, diags) else {
            return req.prior;
        };
        if req.prior.is_null() {
            self.create(data, &req.planned, desired, &req.stop, diags)
                .await
        } else {
            self.update(data, &req.prior, &req.planned, desired, &req.stop, diags)
                .await
        }
    }

    async fn read(
        &self,
        data: &ProviderData,
        state: Value,
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        let name = state.attr("name").as_str().or(state.attr("id").as_str())?;
        match iam_role::read_role(&data.aws.iam, name).await {
            Ok(Some(live)) => Some(state_from_live(&live, &state)),
            Ok(None) => None,
            Err(e) => {
                diags.push(e.to_diagnostic());
                Some(state)
            }
        }
    }

    async fn import(&self, _: &ProviderData, id: &str, diags: &mut Diagnostics) -> Option<Value> {
        if let Err(e) = rules::validate_name(id) {
            diags.push(e.to_diagnostic());
            return None;
        }
        let state = Value::Object(BTreeMap::from([
            ("id".to_owned(), Value::string(id)),
            ("name".to_owned(), Value::string(id)),
            (
                "name_prefix".to_owned(),
                Value::opt_string(rules::prefix_of_generated(id)),
            ),
        ]));
        Some(state.conform(&schema().value_type()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::iam_role::RoleInfo;
    use crate::tfplugin::schema::Mode as M;

    const PROVIDER: &str = "arn:aws:iam::123456789012:oidc-provider/oidc.example.com/c1";

    fn config(pairs: &[(&str, Value)]) -> Value {
        let m = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect();
        Value::Object(m).conform(&schema().value_type())
    }

    fn basic(extra: &[(&str, Value)]) -> Value {
        let mut pairs = vec![
            ("oidc_provider_arn", Value::string(PROVIDER)),
            (
                "service_accounts",
                Value::Set(vec![
                    Value::string("apps:billing"),
                    Value::string("team-*:reader"),
                ]),
            ),
        ];
        pairs.extend_from_slice(extra);
        config(&pairs)
    }

    /// What Terraform proposes: the configuration, with the prior value of
    /// computed attributes the configuration leaves null.
    fn propose(prior: &Value, config: &Value) -> Value {
        let mut out = config.clone();
        for a in schema().block.attributes {
            let from_prior = match a.mode {
                M::Computed => true,
                M::OptionalComputed => config.attr(&a.name).is_null(),
                _ => false,
            };
            if from_prior {
                out.set_attr(&a.name, prior.attr(&a.name).clone());
            }
        }
        out
    }

    async fn plan(prior: &Value, config: &Value) -> (Planned, Diagnostics) {
        let data = ProviderData {
            aws: crate::aws::connect(&Default::default()).await,
            terraform_version: "1.11.0".into(),
        };
        let mut diags = Diagnostics::new();
        let req = PlanRequest {
            prior: prior.clone(),
            proposed: propose(prior, config),
            config: config.clone(),
        };
        let planned = Role.plan(&data, req, &mut diags).await;
        (planned, diags)
    }

    /// The role AWS would hold for a planned state.
    fn live_for(planned: &Value, name: &str) -> LiveRole {
        let d = Desired::from_planned(planned, &mut Diagnostics::new()).unwrap();
        LiveRole {
            role: RoleInfo {
                name: name.into(),
                arn: format!("arn:aws:iam::123456789012:role/{name}"),
                unique_id: "AROAEXAMPLE".into(),
                path: d.path.clone(),
                description: None,
                max_session_duration: Some(d.max_session_duration),
                permissions_boundary: d.permissions_boundary.clone(),
                tags: d.tags.clone(),
                // As IAM hands it back: reformatted, keys sorted.
                trust_policy: serde_json::from_str::<serde_json::Value>(&d.trust_policy)
                    .unwrap()
                    .to_string(),
            },
            policy_arns: d.policy_arns.clone(),
            inline_policies: d.inline_policies.clone(),
        }
    }

    #[tokio::test]
    async fn a_create_with_a_prefix_plans_the_trust_policy_and_leaves_the_name_unknown() {
        let (p, diags) = plan(
            &Value::Null,
            &basic(&[("name_prefix", Value::string("app-"))]),
        )
        .await;
        assert!(diags.is_empty(), "{diags:?}");
        let s = p.state;
        assert_eq!(s.attr("name"), &Value::Unknown);
        assert_eq!(s.attr("arn"), &Value::Unknown);
        assert_eq!(s.attr("path"), &Value::string("/"));
        assert_eq!(s.attr("audience"), &Value::string(DEFAULT_AUDIENCE));
        assert_eq!(s.attr("max_session_duration"), &Value::Number(3600.0));
        let doc = s.attr("trust_policy").as_str().unwrap();
        assert!(TrustPolicy::parse(doc).is_some(), "{doc}");
        let ann = s.attr("service_account_annotations").as_entries().unwrap();
        assert_eq!(ann[rules::ROLE_ARN_ANNOTATION], Value::Unknown);
    }

    #[tokio::test]
    async fn unknown_trust_inputs_leave_the_trust_policy_unknown() {
        let mut c = basic(&[("name", Value::string("app"))]);
        c.set_attr("oidc_provider_arn", Value::Unknown);
        let (p, diags) = plan(&Value::Null, &c).await;
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(p.state.attr("trust_policy"), &Value::Unknown);
        assert_eq!(p.state.attr("name"), &Value::string("app"));
    }

    #[tokio::test]
    async fn a_refreshed_role_plans_no_change_even_when_iam_reformats_documents() {
        let inline = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;
        let c = basic(&[
            ("name", Value::string("app")),
            (
                "inline_policies",
                Value::Map(BTreeMap::from([("read".into(), Value::string(inline))])),
            ),
            (
                "tags",
                Value::Map(BTreeMap::from([("team".into(), Value::string("x"))])),
            ),
        ]);
        let (created, _) = plan(&Value::Null, &c).await;
        let mut live = live_for(&created.state, "app");
        // IAM's spelling of the same inline policy.
        live.inline_policies.insert(
            "read".into(),
            r#"{"Statement": [{"Resource": "*", "Action": ["s3:GetObject"], "Effect": "Allow"}], "Version": "2012-10-17"}"#.into(),
        );
        let state = state_from_live(&live, &created.state);
        assert_eq!(
            state.attr("inline_policies").as_entries().unwrap()["read"],
            Value::string(inline),
            "the user's spelling is kept"
        );
        assert_eq!(state.attr("policy_arns"), &Value::Null, "unset stays null");
        let (again, diags) = plan(&state, &c).await;
        assert!(diags.is_empty(), "{diags:?}");
        assert!(again.requires_replace.is_empty());
        assert_eq!(again.state, state, "no change");
    }

    #[tokio::test]
    async fn removed_settings_go_back_to_their_defaults() {
        let c = basic(&[
            ("name", Value::string("app")),
            ("path", Value::string("/k8s/")),
            ("max_session_duration", Value::Number(7200.0)),
        ]);
        let (created, _) = plan(&Value::Null, &c).await;
        let state = state_from_live(&live_for(&created.state, "app"), &created.state);
        let (p, _) = plan(&state, &basic(&[("name", Value::string("app"))])).await;
        assert_eq!(p.state.attr("path"), &Value::string("/"));
        assert_eq!(p.state.attr("max_session_duration"), &Value::Number(3600.0));
        assert_eq!(p.requires_replace, vec![attr("path")]);
        assert_eq!(p.state.attr("arn"), &Value::Unknown, "a new role");
    }

    #[tokio::test]
    async fn a_generated_name_survives_as_long_as_it_fits_the_prefix() {
        let c = basic(&[("name_prefix", Value::string("app-"))]);
        let (created, _) = plan(&Value::Null, &c).await;
        let name = rules::generated_name("app-", 1_795_426_024, 0, 7);
        let state = state_from_live(&live_for(&created.state, &name), &created.state);
        let (same, _) = plan(&state, &c).await;
        assert!(same.requires_replace.is_empty());
        assert_eq!(same.state.attr("name"), &Value::string(&name));
        let (other, _) = plan(&state, &basic(&[("name_prefix", Value::string("web-"))])).await;
        assert_eq!(other.requires_replace, vec![attr("name_prefix")]);
        assert_eq!(other.state.attr("name"), &Value::Unknown);
    }

    #[tokio::test]
    async fn a_hand_edited_trust_policy_shows_as_a_trust_policy_change() {
        let c = basic(&[("name", Value::string("app"))]);
        let (created, _) = plan(&Value::Null, &c).await;
        let mut live = live_for(&created.state, "app");
        let mut doc: serde_json::Value = serde_json::from_str(&live.role.trust_policy).unwrap();
        doc["Statement"][0]["Condition"]["IpAddress"] =
            serde_json::json!({"aws:SourceIp": "10.0.0.0/8"});
        live.role.trust_policy = doc.to_string();
        let state = state_from_live(&live, &created.state);
        assert_eq!(
            state.attr("service_accounts"),
            created.state.attr("service_accounts")
        );
        assert!(state
            .attr("trust_policy")
            .as_str()
            .unwrap()
            .contains("aws:SourceIp"));
        let (p, _) = plan(&state, &c).await;
        assert_eq!(
            p.state.attr("trust_policy"),
            created.state.attr("trust_policy")
        );
        assert!(p.requires_replace.is_empty(), "repaired in place");
    }

    #[tokio::test]
    async fn an_imported_role_gets_its_inputs_from_the_trust_policy() {
        let c = basic(&[
            ("name", Value::string("app")),
            ("audience", Value::string("vault")),
        ]);
        let (created, _) = plan(&Value::Null, &c).await;
        let data = ProviderData {
            aws: crate::aws::connect(&Default::default()).await,
            terraform_version: "1.11.0".into(),
        };
        let imported = Role
            .import(&data, "app", &mut Diagnostics::new())
            .await
            .unwrap();
        let state = state_from_live(&live_for(&created.state, "app"), &imported);
        for a in [
            "oidc_provider_arn",
            "service_accounts",
            "audience",
            "trust_policy",
        ] {
            assert_eq!(state.attr(a), created.state.attr(a), "{a}");
        }
        assert_eq!(state.attr("allow_any_service_account"), &Value::Bool(false));
        let (p, _) = plan(&state, &c).await;
        assert_eq!(p.state, state);

        let generated = rules::generated_name("app-", 1_795_426_024, 0, 7);
        let imported = Role
            .import(&data, &generated, &mut Diagnostics::new())
            .await
            .unwrap();
        assert_eq!(imported.attr("name_prefix"), &Value::string("app-"));
        let mut diags = Diagnostics::new();
        assert!(Role.import(&data, "not a name", &mut diags).await.is_none());
        assert!(diags.has_errors());
    }

    #[tokio::test]
    async fn a_stop_before_the_role_exists_creates_nothing() {
        let c = basic(&[("name", Value::string("app"))]);
        let (planned, _) = plan(&Value::Null, &c).await;
        let data = ProviderData {
            // Nowhere to call: the stop must come first.
            aws: crate::aws::connect(&crate::aws::Settings {
                region: Some("us-east-1".into()),
                endpoints: crate::aws::Endpoints {
                    iam: Some("http://127.0.0.1:9".into()),
                    ..Default::default()
                },
                ..Default::default()
            })
            .await,
            terraform_version: "1.11.0".into(),
        };
        let stop = CancellationToken::new();
        stop.cancel();
        let mut diags = Diagnostics::new();
        let req = ApplyRequest {
            prior: Value::Null,
            planned: planned.state,
            config: c,
            stop,
        };
        let state = Role.apply(&data, req, &mut diags).await;
        assert_eq!(state, Value::Null);
        assert_eq!(diags.0[0].summary, "Stopped");
    }

    #[test]
    fn validation_names_the_attribute() {
        let cases: Vec<(Value, &str)> = vec![
            (basic(&[]), "name"),
            (
                basic(&[
                    ("name", Value::string("a")),
                    ("name_prefix", Value::string("b")),
                ]),
                "name_prefix",
            ),
            (basic(&[("name", Value::string("a b"))]), "name"),
            (
                basic(&[("name_prefix", Value::string("p".repeat(39)))]),
                "name_prefix",
            ),
            (
                basic(&[
                    ("name", Value::string("a")),
                    ("max_session_duration", Value::Number(50000.0)),
                ]),
                "max_session_duration",
            ),
            (
                basic(&[
                    ("name", Value::string("a")),
                    ("oidc_provider_arn", Value::string("oidc.example.com")),
                ]),
                "oidc_provider_arn",
            ),
            (
                basic(&[
                    ("name", Value::string("a")),
                    ("service_accounts", Value::Set(vec![Value::string("*:*")])),
                ]),
                "service_accounts",
            ),
            (
                basic(&[
                    ("name", Value::string("a")),
                    ("service_accounts", Value::Set(vec![])),
                ]),
                "service_accounts",
            ),
            (
                basic(&[
                    ("name", Value::string("a")),
                    (
                        "additional_oidc_provider_arns",
                        Value::Set(vec![Value::string(PROVIDER)]),
                    ),
                ]),
                "additional_oidc_provider_arns",
            ),
            (
                basic(&[
                    ("name", Value::string("a")),
                    (
                        "inline_policies",
                        Value::Map(BTreeMap::from([("p".into(), Value::string("{"))])),
                    ),
                ]),
                "inline_policies[\"p\"]",
            ),
            (
                basic(&[
                    ("name", Value::string("a")),
                    (
                        "permissions_boundary",
                        Value::string("arn:aws:iam::aws:role/x"),
                    ),
                ]),
                "permissions_boundary",
            ),
        ];
        for (c, path) in cases {
            let mut diags = Diagnostics::new();
            validate_config(&c, &mut diags);
            let paths: Vec<String> = diags
                .0
                .iter()
                .map(|d| d.path.as_ref().map(ToString::to_string).unwrap_or_default())
                .collect();
            assert_eq!(paths, vec![path.to_owned()], "{:?}", diags.0);
        }
        let mut ok = Diagnostics::new();
        let mut any = basic(&[
            ("name", Value::string("a")),
            ("allow_any_service_account", Value::Bool(true)),
        ]);
        any.set_attr("service_accounts", Value::Set(vec![Value::string("*:*")]));
        validate_config(&any, &mut ok);
        assert!(ok.is_empty(), "{ok:?}");
        let mut unknown = basic(&[("name", Value::Unknown)]);
        unknown.set_attr("service_accounts", Value::Unknown);
        validate_config(&unknown, &mut ok);
        assert!(ok.is_empty(), "{ok:?}");
    }
}
