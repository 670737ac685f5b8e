//! The trust policy of a role for Kubernetes service accounts, right by
//! construction.
//!
//! For every OIDC provider the role trusts, the policy allows
//! `sts:AssumeRoleWithWebIdentity` to tokens whose `aud` is the audience and
//! whose `sub` is one of the service accounts:
//!
//! - `aud` is always matched with `StringEquals`;
//! - exact service accounts are matched with `StringEquals`, and entries with
//!   `*` or `?` with `StringLike` (under `StringEquals` a wildcard would only
//!   match itself);
//! - IAM requires every operator of a statement to match, so exact and
//!   wildcard entries go into separate statements: in one statement they
//!   would allow only subjects matching both lists at once;
//! - condition keys are the provider's issuer without `https://`, taken from
//!   its ARN, so they always agree with the principal.
//!
//! The document is rendered through structs and sorted maps, so the same
//! input always gives the same bytes.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::Value as Json;

use super::arn::{ArnError, OidcProviderArn};
use super::policy_json::semantically_equal;
use super::service_account::{ServiceAccountError, ServiceAccountPattern};

/// The audience of IRSA tokens when nothing else is configured.
pub const DEFAULT_AUDIENCE: &str = "sts.amazonaws.com";
/// The only action the trust policy allows.
pub const WEB_IDENTITY_ACTION: &str = "sts:AssumeRoleWithWebIdentity";
/// The policy language version.
pub const POLICY_VERSION: &str = "2012-10-17";

/// Inputs that cannot make a sound trust policy.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TrustPolicyError {
    /// No service account: the role could never be assumed.
    #[error("give at least one service account as \"<namespace>:<name>\"")]
    NoServiceAccounts,
    /// The same OIDC provider twice.
    #[error("{0} is listed more than once; each OIDC provider gets its statements once")]
    DuplicateProvider(String),
    /// Providers from different partitions: a role lives in one partition and
    /// can only trust providers of that partition.
    #[error("{0} is in another partition than the primary OIDC provider {1}")]
    MixedPartitions(String, String),
    /// An audience that `StringEquals` could not match as meant.
    #[error("audience {value:?} {reason}")]
    Audience { value: String, reason: &'static str },
}

/// What a role's trust policy says: who may assume it, from which issuers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrustPolicy {
    /// The primary provider first, then the additional ones sorted.
    providers: Vec<OidcProviderArn>,
    service_accounts: BTreeSet<ServiceAccountPattern>,
    audience: String,
}

impl TrustPolicy {
    pub fn new(
        primary: OidcProviderArn,
        additional: impl IntoIterator<Item = OidcProviderArn>,
        service_accounts: impl IntoIterator<Item = ServiceAccountPattern>,
        audience: &str,
    ) -> Result<TrustPolicy, TrustPolicyError> {
        let mut others: Vec<OidcProviderArn> = additional.into_iter().collect();
        others.sort();
        let mut providers = vec![primary];
        for p in others {
            if providers.contains(&p) {
                return Err(TrustPolicyError::DuplicateProvider(p.to_string()));
            }
            if p.partition() != providers[0].partition() {
                return Err(TrustPolicyError::MixedPartitions(
                    p.to_string(),
                    providers[0].to_string(),
                ));
            }
            providers.push(p);
        }
        let service_accounts: BTreeSet<_> = service_accounts.into_iter().collect();
        if service_accounts.is_empty() {
            return Err(TrustPolicyError::NoServiceAccounts);
        }
        validate_audience(audience)?;
        Ok(TrustPolicy {
            providers,
            service_accounts,
            audience: audience.to_owned(),
        })
    }

    pub fn primary(&self) -> &OidcProviderArn {
        &self.providers[0]
    }

    pub fn additional(&self) -> &[OidcProviderArn] {
        &self.providers[1..]
    }

    pub fn service_accounts(&self) -> impl Iterator<Item = &ServiceAccountPattern> {
        self.service_accounts.iter()
    }

    pub fn audience(&self) -> &str {
        &self.audience
    }

    /// The policy document, pretty-printed, byte-stable.
    pub fn render(&self) -> String {
        let (wildcard, exact): (Vec<_>, Vec<_>) = self
            .service_accounts
            .iter()
            .partition(|sa| sa.has_wildcard());
        let subjects = |list: &[&ServiceAccountPattern]| -> Vec<String> {
            let set: BTreeSet<String> = list.iter().map(|sa| sa.subject()).collect();
            set.into_iter().collect()
        };
        let (exact, wildcard) = (subjects(&exact), subjects(&wildcard));

        let mut statements = Vec::new();
        for provider in &self.providers {
            for (operator, subs) in [("StringEquals", &exact), ("StringLike", &wildcard)] {
                if subs.is_empty() {
                    continue;
                }
                let mut condition: BTreeMap<&str, BTreeMap<String, ConditionValue>> =
                    BTreeMap::new();
                condition.entry("StringEquals").or_default().insert(
                    provider.condition_key("aud"),
                    ConditionValue::One(self.audience.clone()),
                );
                condition.entry(operator).or_default().insert(
                    provider.condition_key("sub"),
                    ConditionValue::Many(subs.clone()),
                );
                statements.push(Statement {
                    effect: "Allow",
                    principal: Principal {
                        federated: provider.to_string(),
                    },
                    action: WEB_IDENTITY_ACTION,
                    condition,
                });
            }
        }
        let doc = Document {
            version: POLICY_VERSION,
            statement: statements,
        };
        serde_json::to_string_pretty(&doc).expect("a trust policy always serializes")
    }

    /// Read a (decoded) document back into its inputs, if it says exactly
    /// what [`TrustPolicy::render`] would say for them. The provider of the
    /// first statement is taken as the primary one. Any other document,
    /// e.g. one edited by hand, gives `None`.
    pub fn parse(text: &str) -> Option<TrustPolicy> {
        let doc: Json = serde_json::from_str(text).ok()?;
        let statements = match doc.get("Statement")? {
            Json::Array(items) => items.clone(),
            one => vec![one.clone()],
        };
        let mut providers: Vec<OidcProviderArn> = Vec::new();
        let mut service_accounts = BTreeSet::new();
        let mut audience = None;
        for s in &statements {
            let federated = single_string(s.get("Principal")?.get("Federated")?)?;
            let provider = OidcProviderArn::parse(&federated).ok()?;
            let condition = s.get("Condition")?;
            for operator in ["StringEquals", "StringLike"] {
                let Some(subs) = condition
                    .get(operator)
                    .and_then(|o| o.get(provider.condition_key("sub")))
                else {
                    continue;
                };
                for sub in strings(subs)? {
                    service_accounts.insert(ServiceAccountPattern::from_subject(&sub)?);
                }
            }
            let aud = condition
                .get("StringEquals")?
                .get(provider.condition_key("aud"))?;
            audience.get_or_insert(single_string(aud)?);
            if !providers.contains(&provider) {
                providers.push(provider);
            }
        }
        let mut providers = providers.into_iter();
        let policy =
            TrustPolicy::new(providers.next()?, providers, service_accounts, &audience?).ok()?;
        semantically_equal(&policy.render(), text).then_some(policy)
    }
}

/// Check an audience: `StringEquals` matches it literally.
/// Which input of a trust policy a refusal is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrustInput {
    OidcProviderArn,
    AdditionalOidcProviderArns,
    ServiceAccounts,
    Audience,
}

/// Why the inputs of a trust policy make none.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum TrustInputError {
    #[error(transparent)]
    Arn(ArnError),
    #[error(transparent)]
    ServiceAccount(ServiceAccountError),
    #[error(transparent)]
    Policy(TrustPolicyError),
}

/// The trust policy from its inputs as text, as `irsa_role` and the
/// `trust_policy` function take them; a refusal names the input.
pub fn trust_policy_from(
    primary: &str,
    additional: &[String],
    service_accounts: &[String],
    audience: &str,
) -> Result<TrustPolicy, (TrustInput, TrustInputError)> {
    let primary = OidcProviderArn::parse(primary)
        .map_err(|e| (TrustInput::OidcProviderArn, TrustInputError::Arn(e)))?;
    let additional = additional
        .iter()
        .map(|a| OidcProviderArn::parse(a))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| {
            (
                TrustInput::AdditionalOidcProviderArns,
                TrustInputError::Arn(e),
            )
        })?;
    let patterns = service_accounts
        .iter()
        .map(|s| ServiceAccountPattern::parse(s))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| {
            (
                TrustInput::ServiceAccounts,
                TrustInputError::ServiceAccount(e),
            )
        })?;
    TrustPolicy::new(primary, additional, patterns, audience).map_err(|e| {
        let input = match e {
            TrustPolicyError::NoServiceAccounts => TrustInput::ServiceAccounts,
            TrustPolicyError::Audience { .. } => TrustInput::Audience,
            TrustPolicyError::DuplicateProvider(_) | TrustPolicyError::MixedPartitions(..) => {
                TrustInput::AdditionalOidcProviderArns
            }
        };
        (input, TrustInputError::Policy(e))
    })
}

pub fn validate_audience(audience: &str) -> Result<(), TrustPolicyError> {
    let err = |reason| TrustPolicyError::Audience {
        value: audience.to_owned(),
        reason,
    };
    if audience.is_empty() {
        return Err(err("is empty"));
    }
    if audience.len() > 255 {
        return Err(err(
            "is longer than 255 characters, the limit of an OIDC provider's client IDs",
        ));
    }
    if audience.contains(['*', '?']) {
        return Err(err(
            "contains a wildcard; the audience is matched with StringEquals, which compares it literally",
        ));
    }
    if audience.contains(char::is_whitespace) {
        return Err(err("contains whitespace"));
    }
    Ok(())
}

fn single_string(v: &Json) -> Option<String> {
    match v {
        Json::String(s) => Some(s.clone()),
        Json::Array(items) if items.len() == 1 => items[0].as_str().map(str::to_owned),
        _ => None,
    }
}

fn strings(v: &Json) -> Option<Vec<String>> {
    match v {
        Json::String(s) => Some(vec![s.clone()]),
        Json::Array(items) => items
            .iter()
            .map(|i| i.as_str().map(str::to_owned))
            .collect(),
        _ => None,
    }
}

#[derive(Serialize)]
struct Document {
    #[serde(rename = "Version")]
    version: &'static str,
    #[serde(rename = "Statement")]
    statement: Vec<Statement>,
}

#[derive(Serialize)]
struct Statement {
    #[serde(rename = "Effect")]
    effect: &'static str,
    #[serde(rename = "Principal")]
    principal: Principal,
    #[serde(rename = "Action")]
    action: &'static str,
    #[serde(rename = "Condition")]
    condition: BTreeMap<&'static str, BTreeMap<String, ConditionValue>>,
}

#[derive(Serialize)]
struct Principal {
    #[serde(rename = "Federated")]
    federated: String,
}

#[derive(Serialize)]
#[serde(untagged)]
enum ConditionValue {
    One(String),
    Many(Vec<String>),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::test_support::assert_golden;

    const CLUSTER_A: &str = "arn:aws:iam::123456789012:oidc-provider/oidc.example.com/cluster-a";
    const CLUSTER_B: &str =
        "arn:aws:iam::123456789012:oidc-provider/irsa-b.s3.eu-west-1.amazonaws.com/cluster-b";
    const CLUSTER_C: &str = "arn:aws:iam::123456789012:oidc-provider/oidc.example.net/cluster-c";

    fn provider(arn: &str) -> OidcProviderArn {
        OidcProviderArn::parse(arn).unwrap()
    }

    fn policy(providers: &[&str], sas: &[&str], audience: &str) -> TrustPolicy {
        TrustPolicy::new(
            provider(providers[0]),
            providers[1..].iter().map(|p| provider(p)),
            sas.iter().map(|s| ServiceAccountPattern::parse(s).unwrap()),
            audience,
        )
        .unwrap()
    }

    fn exact() -> TrustPolicy {
        policy(
            &[CLUSTER_A],
            &["kube-system:aws-node", "apps:billing"],
            DEFAULT_AUDIENCE,
        )
    }

    fn wildcard() -> TrustPolicy {
        policy(
            &[CLUSTER_A],
            &["team-*:reader", "ci:runner-?"],
            DEFAULT_AUDIENCE,
        )
    }

    fn mixed() -> TrustPolicy {
        policy(
            &[CLUSTER_A],
            &["apps:billing", "team-*:reader", "kube-system:aws-node"],
            DEFAULT_AUDIENCE,
        )
    }

    fn several_providers() -> TrustPolicy {
        // The additional providers are given out of order on purpose.
        policy(
            &[CLUSTER_A, CLUSTER_C, CLUSTER_B],
            &["apps:billing", "team-*:reader"],
            DEFAULT_AUDIENCE,
        )
    }

    fn custom_audience() -> TrustPolicy {
        policy(&[CLUSTER_A], &["apps:billing"], "https://vault.example.com")
    }

    #[test]
    fn renderings_match_the_golden_files() {
        assert_golden("trust_exact.json", &exact().render());
        assert_golden("trust_wildcard.json", &wildcard().render());
        assert_golden("trust_mixed.json", &mixed().render());
        assert_golden(
            "trust_several_providers.json",
            &several_providers().render(),
        );
        assert_golden("trust_custom_audience.json", &custom_audience().render());
    }

    #[test]
    fn rendering_is_independent_of_input_order() {
        let a = policy(
            &[CLUSTER_A, CLUSTER_B, CLUSTER_C],
            &["a:x", "b:*", "c:y"],
            DEFAULT_AUDIENCE,
        );
        let b = policy(
            &[CLUSTER_A, CLUSTER_C, CLUSTER_B],
            &["c:y", "b:*", "a:x", "a:x"],
            DEFAULT_AUDIENCE,
        );
        assert_eq!(a.render(), b.render());
    }

    #[test]
    fn wildcards_never_appear_under_string_equals() {
        for p in [exact(), wildcard(), mixed(), several_providers()] {
            let doc: Json = serde_json::from_str(&p.render()).unwrap();
            for s in doc["Statement"].as_array().unwrap() {
                for (key, values) in s["Condition"]["StringEquals"].as_object().unwrap() {
                    assert!(!values.to_string().contains(['*', '?']), "{key}: {values}");
                    assert!(!key.contains("://"), "{key}");
                }
            }
        }
    }

    #[test]
    fn rendered_policies_parse_back_to_their_inputs() {
        for p in [
            exact(),
            wildcard(),
            mixed(),
            several_providers(),
            custom_audience(),
        ] {
            let text = p.render();
            assert_eq!(TrustPolicy::parse(&text).as_ref(), Some(&p), "{text}");
            // Also after IAM reformats it: compact, keys sorted.
            let compact =
                serde_json::to_string(&serde_json::from_str::<Json>(&text).unwrap()).unwrap();
            assert_eq!(TrustPolicy::parse(&compact).as_ref(), Some(&p));
        }
    }

    #[test]
    fn hand_edited_policies_do_not_parse() {
        let text = exact().render();
        let mut doc: Json = serde_json::from_str(&text).unwrap();
        // An extra condition.
        doc["Statement"][0]["Condition"]["StringEquals"]["aws:SourceIp"] = "10.0.0.1".into();
        assert!(TrustPolicy::parse(&doc.to_string()).is_none());
        // A wildcard moved under StringEquals.
        let moved = wildcard()
            .render()
            .replace("\"StringLike\"", "\"StringEqualz\"")
            .replace("\"StringEquals\"", "\"StringLike\"")
            .replace("\"StringEqualz\"", "\"StringEquals\"");
        assert!(TrustPolicy::parse(&moved).is_none());
        // A Deny statement added.
        let mut doc: Json = serde_json::from_str(&text).unwrap();
        let mut deny = doc["Statement"][0].clone();
        deny["Effect"] = "Deny".into();
        doc["Statement"].as_array_mut().unwrap().push(deny);
        assert!(TrustPolicy::parse(&doc.to_string()).is_none());
        assert!(TrustPolicy::parse("not json").is_none());
    }

    #[test]
    fn bad_inputs_are_refused() {
        let sa = || ServiceAccountPattern::parse("a:b").unwrap();
        assert_eq!(
            TrustPolicy::new(provider(CLUSTER_A), [], [], DEFAULT_AUDIENCE),
            Err(TrustPolicyError::NoServiceAccounts)
        );
        assert!(matches!(
            TrustPolicy::new(
                provider(CLUSTER_A),
                [provider(CLUSTER_A)],
                [sa()],
                DEFAULT_AUDIENCE
            ),
            Err(TrustPolicyError::DuplicateProvider(_))
        ));
        for bad in ["", "sts.*", "a b", &"x".repeat(256)] {
            assert!(
                matches!(
                    TrustPolicy::new(provider(CLUSTER_A), [], [sa()], bad),
                    Err(TrustPolicyError::Audience { .. })
                ),
                "{bad:?}"
            );
        }
    }

    // ------------------------------------------------------------------
    // The rendered policies, evaluated the way IAM evaluates them, by the
    // evaluator `irsa_trust_check` uses.

    use crate::domain::policy_eval::{self, Decision};

    /// A token from the issuer of `provider_arn`, for `<ns>:<name>`.
    fn token<'a>(
        provider_arn: &'a str,
        service_account: &str,
        aud: &str,
    ) -> policy_eval::Request<'a> {
        let p = provider(provider_arn);
        policy_eval::Request {
            federated: provider_arn,
            context: BTreeMap::from([
                (
                    p.condition_key("sub"),
                    format!("system:serviceaccount:{service_account}"),
                ),
                (p.condition_key("aud"), aud.to_owned()),
            ]),
        }
    }

    fn allows(policy: &str, req: &policy_eval::Request<'_>) -> bool {
        matches!(policy_eval::evaluate(policy, req), Decision::Allowed { .. })
    }

    fn check(policy: &TrustPolicy, provider_arn: &str, allowed: &[&str], denied: &[&str]) {
        let text = policy.render();
        for sa in allowed {
            assert!(
                allows(&text, &token(provider_arn, sa, policy.audience())),
                "{sa} should be allowed by\n{text}"
            );
        }
        for sa in denied {
            assert!(
                !allows(&text, &token(provider_arn, sa, policy.audience())),
                "{sa} should be denied by\n{text}"
            );
        }
    }

    #[test]
    fn exact_entries_allow_exactly_those_service_accounts() {
        check(
            &exact(),
            CLUSTER_A,
            &["kube-system:aws-node", "apps:billing"],
            &[
                "kube-system:aws-node2",
                "kube-system:aws-nod",
                "apps:billing-x",
                "default:billing",
                "apps:*",
            ],
        );
    }

    #[test]
    fn wildcard_entries_match_like_string_like() {
        check(
            &wildcard(),
            CLUSTER_A,
            &[
                "team-a:reader",
                "team-:reader",
                "team-platform:reader",
                "ci:runner-1",
            ],
            &[
                "team:reader",
                "team-a:writer",
                "ci:runner-",
                "ci:runner-12",
                "xteam-a:reader",
            ],
        );
    }

    #[test]
    fn mixed_entries_allow_the_union_not_the_intersection() {
        check(
            &mixed(),
            CLUSTER_A,
            &["apps:billing", "kube-system:aws-node", "team-x:reader"],
            &["apps:reader", "team-x:billing", "kube-system:reader"],
        );
    }

    #[test]
    fn every_provider_is_trusted_with_its_own_condition_keys() {
        let p = several_providers();
        for provider_arn in [CLUSTER_A, CLUSTER_B, CLUSTER_C] {
            check(
                &p,
                provider_arn,
                &["apps:billing", "team-a:reader"],
                &["apps:other"],
            );
        }
        // A token from a provider the role does not trust is refused, even
        // with the claims of a trusted one.
        let mut foreign = token(CLUSTER_A, "apps:billing", DEFAULT_AUDIENCE);
        foreign.federated = "arn:aws:iam::123456789012:oidc-provider/other.example.com";
        assert!(!allows(&p.render(), &foreign));
        // Claims keyed for another issuer do not satisfy this one's conditions.
        let mut crossed = token(CLUSTER_B, "apps:billing", DEFAULT_AUDIENCE);
        crossed.federated = CLUSTER_A;
        assert!(!allows(&p.render(), &crossed));
    }

    #[test]
    fn the_audience_must_match_exactly() {
        let p = custom_audience();
        let text = p.render();
        assert!(allows(
            &text,
            &token(CLUSTER_A, "apps:billing", "https://vault.example.com")
        ));
        for aud in [DEFAULT_AUDIENCE, "https://vault.example.com/", ""] {
            assert!(
                !allows(&text, &token(CLUSTER_A, "apps:billing", aud)),
                "{aud:?}"
            );
        }
        // A token without an aud claim at all is refused too.
        let mut no_aud = token(CLUSTER_A, "apps:billing", "x");
        no_aud.context.retain(|k, _| k.ends_with(":sub"));
        assert!(!allows(&text, &no_aud));
    }
}
