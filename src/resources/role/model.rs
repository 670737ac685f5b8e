//! The typed model of `irsa_role`: one conversion from a [`Value`] and one
//! back, and the state a live role gives.

use std::collections::{BTreeMap, BTreeSet};

use crate::aws::iam_role::LiveRole;
use crate::domain::policy_json::{self, semantically_equal};
use crate::domain::role as rules;
use crate::domain::role_diff::RoleSettings;
use crate::domain::service_account::ServiceAccountPattern;
use crate::domain::tags::TagConfig;
use crate::domain::trust_policy::{trust_policy_from, TrustInput, TrustPolicy, DEFAULT_AUDIENCE};
use crate::errors::ToDiagnostic;
use crate::framework::model::{self as m, keep_null};
use crate::resources::tags;
use crate::tfplugin::{AttrPath, Diagnostic, Value};

use super::schema::*;

/// An `irsa_role` configuration, plan or state. `None` is null (or, in a
/// plan, unknown).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RoleModel {
    pub id: Option<String>,
    pub name: Option<String>,
    pub name_prefix: Option<String>,
    pub path: Option<String>,
    pub description: Option<String>,
    pub oidc_provider_arn: Option<String>,
    pub additional_oidc_provider_arns: Option<BTreeSet<String>>,
    pub service_accounts: Option<BTreeSet<String>>,
    pub allow_any_service_account: Option<bool>,
    pub audience: Option<String>,
    pub policy_arns: Option<BTreeSet<String>>,
    pub inline_policies: Option<BTreeMap<String, String>>,
    pub permissions_boundary: Option<String>,
    pub max_session_duration: Option<i64>,
    pub tags: Option<BTreeMap<String, String>>,
    pub tags_all: Option<BTreeMap<String, String>>,
    pub arn: Option<String>,
    pub unique_id: Option<String>,
    pub trust_policy: Option<String>,
    pub service_account_annotations: Option<BTreeMap<String, String>>,
}

impl RoleModel {
    pub fn from_value(v: &Value) -> RoleModel {
        RoleModel {
            id: m::string(v, ID),
            name: m::string(v, NAME),
            name_prefix: m::string(v, NAME_PREFIX),
            path: m::string(v, PATH),
            description: m::string(v, DESCRIPTION),
            oidc_provider_arn: m::string(v, OIDC_PROVIDER_ARN),
            additional_oidc_provider_arns: m::string_set(v, ADDITIONAL_OIDC_PROVIDER_ARNS),
            service_accounts: m::string_set(v, SERVICE_ACCOUNTS),
            allow_any_service_account: m::bool(v, ALLOW_ANY_SERVICE_ACCOUNT),
            audience: m::string(v, AUDIENCE),
            policy_arns: m::string_set(v, POLICY_ARNS),
            inline_policies: m::string_map(v, INLINE_POLICIES),
            permissions_boundary: m::string(v, PERMISSIONS_BOUNDARY),
            max_session_duration: m::int(v, MAX_SESSION_DURATION),
            tags: m::string_map(v, TAGS),
            tags_all: m::string_map(v, TAGS_ALL),
            arn: m::string(v, ARN),
            unique_id: m::string(v, UNIQUE_ID),
            trust_policy: m::string(v, TRUST_POLICY),
            service_account_annotations: m::string_map(v, SERVICE_ACCOUNT_ANNOTATIONS),
        }
    }

    pub fn to_value(&self) -> Value {
        m::object([
            (ID, m::opt_string(self.id.as_deref())),
            (NAME, m::opt_string(self.name.as_deref())),
            (NAME_PREFIX, m::opt_string(self.name_prefix.as_deref())),
            (PATH, m::opt_string(self.path.as_deref())),
            (DESCRIPTION, m::opt_string(self.description.as_deref())),
            (
                OIDC_PROVIDER_ARN,
                m::opt_string(self.oidc_provider_arn.as_deref()),
            ),
            (
                ADDITIONAL_OIDC_PROVIDER_ARNS,
                m::set_value(self.additional_oidc_provider_arns.as_ref()),
            ),
            (
                SERVICE_ACCOUNTS,
                m::set_value(self.service_accounts.as_ref()),
            ),
            (
                ALLOW_ANY_SERVICE_ACCOUNT,
                self.allow_any_service_account
                    .map_or(Value::Null, Value::Bool),
            ),
            (AUDIENCE, m::opt_string(self.audience.as_deref())),
            (POLICY_ARNS, m::set_value(self.policy_arns.as_ref())),
            (INLINE_POLICIES, m::map_value(self.inline_policies.as_ref())),
            (
                PERMISSIONS_BOUNDARY,
                m::opt_string(self.permissions_boundary.as_deref()),
            ),
            (
                MAX_SESSION_DURATION,
                m::int_value(self.max_session_duration),
            ),
            (TAGS, m::map_value(self.tags.as_ref())),
            (TAGS_ALL, m::map_value(self.tags_all.as_ref())),
            (ARN, m::opt_string(self.arn.as_deref())),
            (UNIQUE_ID, m::opt_string(self.unique_id.as_deref())),
            (TRUST_POLICY, m::opt_string(self.trust_policy.as_deref())),
            (
                SERVICE_ACCOUNT_ANNOTATIONS,
                m::map_value(self.service_account_annotations.as_ref()),
            ),
        ])
    }

    pub fn audience(&self) -> &str {
        self.audience.as_deref().unwrap_or(DEFAULT_AUDIENCE)
    }

    /// The trust policy the inputs ask for. The inputs must be known.
    pub fn wanted_trust_policy(&self) -> Result<TrustPolicy, Diagnostic> {
        let additional: Vec<String> = self
            .additional_oidc_provider_arns
            .iter()
            .flatten()
            .cloned()
            .collect();
        let service_accounts: Vec<String> =
            self.service_accounts.iter().flatten().cloned().collect();
        trust_policy_from(
            self.oidc_provider_arn.as_deref().unwrap_or_default(),
            &additional,
            &service_accounts,
            self.audience(),
        )
        .map_err(|(input, e)| {
            let name = match input {
                TrustInput::OidcProviderArn => OIDC_PROVIDER_ARN,
                TrustInput::AdditionalOidcProviderArns => ADDITIONAL_OIDC_PROVIDER_ARNS,
                TrustInput::ServiceAccounts => SERVICE_ACCOUNTS,
                TrustInput::Audience => AUDIENCE,
            };
            e.to_diagnostic().at(AttrPath::attr(name))
        })
    }

    /// The settings a planned state asks for, as the role's diff takes them.
    pub fn wanted_settings(&self) -> Result<RoleSettings, Diagnostic> {
        let trust_policy = match &self.trust_policy {
            Some(doc) => doc.clone(),
            None => self.wanted_trust_policy()?.render(),
        };
        let seconds = self
            .max_session_duration
            .unwrap_or(i64::from(DEFAULT_SESSION_DURATION));
        let max_session_duration = rules::validate_session_duration(seconds as f64)
            .map_err(|e| e.to_diagnostic().at(AttrPath::attr(MAX_SESSION_DURATION)))?;
        Ok(RoleSettings {
            trust_policy: Some(trust_policy),
            description: self.description.clone().unwrap_or_default(),
            max_session_duration,
            permissions_boundary: self.permissions_boundary.clone(),
            tags: self.all_tags(),
            policy_arns: self.policy_arns.clone().unwrap_or_default(),
            inline_policies: self.inline_policies.clone().unwrap_or_default(),
        })
    }

    /// The settings a state records.
    pub fn current_settings(&self) -> RoleSettings {
        RoleSettings {
            trust_policy: self.trust_policy.clone(),
            description: self.description.clone().unwrap_or_default(),
            max_session_duration: self
                .max_session_duration
                .map_or(DEFAULT_SESSION_DURATION, |n| n as i32),
            permissions_boundary: self.permissions_boundary.clone(),
            tags: self.all_tags(),
            policy_arns: self.policy_arns.clone().unwrap_or_default(),
            inline_policies: self.inline_policies.clone().unwrap_or_default(),
        }
    }

    /// The tags on the role: `tags_all`, or `tags` in a state written
    /// before there was a `tags_all`.
    fn all_tags(&self) -> BTreeMap<String, String> {
        tags::on_object(self.tags_all.as_ref(), self.tags.as_ref())
    }

    /// Record what a settings change left in place.
    pub fn with_settings(mut self, s: &RoleSettings, like: &RoleModel) -> RoleModel {
        self.trust_policy = s.trust_policy.clone();
        self.permissions_boundary = s.permissions_boundary.clone();
        self.tags_all = Some(s.tags.clone());
        self.policy_arns = keep_null(s.policy_arns.clone(), like.policy_arns.is_none());
        self.inline_policies = keep_null(s.inline_policies.clone(), like.inline_policies.is_none());
        self
    }

    /// Set the annotations from the ARN and audience.
    pub fn annotate(mut self) -> RoleModel {
        self.service_account_annotations = Some(rules::service_account_annotations(
            self.arn.as_deref().unwrap_or_default(),
            self.audience(),
        ));
        self
    }

    /// The state for a role as AWS has it. `prior` supplies what AWS does
    /// not know (`name_prefix`, `allow_any_service_account`), the user's
    /// spelling of values that mean the same (policy documents, null versus
    /// empty), and the trust inputs when the trust policy is not one this
    /// resource renders.
    pub fn from_live(live: &LiveRole, prior: &RoleModel, tag_config: &TagConfig) -> RoleModel {
        let role = &live.role;
        let mut s = prior.clone();
        s.id = Some(role.name.clone());
        s.name = Some(role.name.clone());
        s.arn = Some(role.arn.clone());
        s.unique_id = Some(role.unique_id.clone());
        s.path = Some(role.path.clone());
        s.description = match role.description.as_deref() {
            Some(d) if !d.is_empty() => Some(d.to_owned()),
            _ if prior.description.as_deref() == Some("") => Some(String::new()),
            _ => None,
        };
        s.max_session_duration = Some(i64::from(
            role.max_session_duration
                .unwrap_or(DEFAULT_SESSION_DURATION),
        ));
        s.permissions_boundary = role.permissions_boundary.clone();
        (s.tags, s.tags_all) = {
            let (own, all) = tags::report(tag_config, &role.tags, prior.tags.as_ref());
            (own, Some(all))
        };
        s.policy_arns = keep_null(live.policy_arns.clone(), prior.policy_arns.is_none());
        let prior_inline = prior.inline_policies.clone().unwrap_or_default();
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
        s.inline_policies = keep_null(inline, prior.inline_policies.is_none());

        let actual = &role.trust_policy;
        let prior_doc = prior
            .trust_policy
            .as_deref()
            .filter(|p| semantically_equal(p, actual));
        match TrustPolicy::parse(actual) {
            Some(tp) => {
                let live_providers: BTreeSet<String> = std::iter::once(tp.primary())
                    .chain(tp.additional())
                    .map(ToString::to_string)
                    .collect();
                let prior_providers: BTreeSet<String> = prior
                    .oidc_provider_arn
                    .iter()
                    .chain(prior.additional_oidc_provider_arns.iter().flatten())
                    .cloned()
                    .collect();
                if live_providers != prior_providers {
                    s.oidc_provider_arn = Some(tp.primary().to_string());
                    let additional: BTreeSet<String> =
                        tp.additional().iter().map(ToString::to_string).collect();
                    s.additional_oidc_provider_arns =
                        keep_null(additional, prior.additional_oidc_provider_arns.is_none());
                }
                let live_accounts: BTreeSet<String> =
                    tp.service_accounts().map(ToString::to_string).collect();
                if prior.service_accounts.as_ref() != Some(&live_accounts) {
                    s.service_accounts = Some(live_accounts);
                }
                s.audience = Some(tp.audience().to_owned());
                if prior.allow_any_service_account.is_none() {
                    let any = tp
                        .service_accounts()
                        .any(ServiceAccountPattern::matches_any_service_account);
                    s.allow_any_service_account = Some(any);
                }
                s.trust_policy = Some(prior_doc.map_or_else(|| tp.render(), str::to_owned));
            }
            None => {
                s.trust_policy =
                    Some(prior_doc.map_or_else(|| policy_json::pretty(actual), str::to_owned));
            }
        }
        s.annotate()
    }
}
