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
//! A refresh is answered from one listing of the account's roles that all
//! the process's reads share (`ListRoles` and
//! `GetAccountAuthorizationDetails`, see [`crate::aws::role_listing`]). A
//! role the listing does not hold, one this process wrote, and every role
//! under `skip_role_listing` cost `GetRole` (which carries the trust policy,
//! tags, boundary and session duration), `ListAttachedRolePolicies` and
//! `ListRolePolicies`, plus one `GetRolePolicy` per inline policy.

mod apply;
pub mod model;
mod plan;
pub mod schema;
#[cfg(test)]
mod tests;

use crate::context::ProviderData;
use crate::domain::role as rules;
use crate::domain::service_account::{self, ServiceAccountPattern};
use crate::domain::trust_policy::TrustPolicyError;
use crate::errors::ToDiagnostic;
use crate::framework::{Change, ManagedResource, Plan, ResourceSchema};
use crate::tfplugin::{AttrPath, CancellationToken, Diagnostic, Diagnostics, Value};

use model::RoleModel;
use schema::*;

pub struct Role;

/// `name` and `name_prefix` together only when the name is one the prefix
/// generates: an imported role with a generated name has both in its state,
/// so the configuration Terraform generates from it names both. Any other
/// pair is refused, at `name_prefix`.
fn validate_name_settings(config: &Value, diags: &mut Diagnostics) {
    let (Some(name), Some(prefix)) = (
        config.attr(NAME).as_str(),
        config.attr(NAME_PREFIX).as_str(),
    ) else {
        return;
    };
    if rules::prefix_of_generated(name) != Some(prefix) {
        diags.push(
            Diagnostic::error(
                "Conflicting role name settings",
                format!(
                    "Give either `name` or `name_prefix`, not both. Both are accepted only when `name` was \
                     generated from `name_prefix` (the prefix followed by 26 digits of creation time and hex), \
                     as in a configuration generated on import; {name:?} was not generated from {prefix:?}."
                ),
            )
            .at(AttrPath::attr(NAME_PREFIX)),
        );
    }
}

/// The one warning of a process whose credentials may not list roles.
fn listing_denied(permission: &str) -> Diagnostic {
    Diagnostic::warning(
        "Roles refreshed one at a time",
        format!(
            "Listing the account's roles was denied, so each `irsa_role` is refreshed with its own IAM calls (3 or \
             more per role). Allow `iam:ListRoles` and `iam:GetAccountAuthorizationDetails` (here {permission} was \
             denied) to refresh hundreds of roles in a handful of calls, or set `skip_role_listing = true` in the \
             provider block to stop trying."
        ),
    )
}

/// Checks across attributes, on the known values of a configuration.
fn validate_config(config: &Value, diags: &mut Diagnostics) {
    validate_name_settings(config, diags);
    let service_accounts = config.attr(SERVICE_ACCOUNTS);
    if service_accounts
        .as_elements()
        .is_some_and(<[Value]>::is_empty)
    {
        diags.push(
            TrustPolicyError::NoServiceAccounts
                .to_diagnostic()
                .at(AttrPath::attr(SERVICE_ACCOUNTS)),
        );
    }
    let mut patterns = Vec::new();
    for v in service_accounts.as_elements().unwrap_or_default() {
        if let Some(s) = v.as_str() {
            match ServiceAccountPattern::parse(s) {
                Ok(p) => patterns.push(p),
                Err(e) => diags.push(e.to_diagnostic().at(AttrPath::attr(SERVICE_ACCOUNTS))),
            }
        }
    }
    let allow_any = match config.attr(ALLOW_ANY_SERVICE_ACCOUNT) {
        Value::Null => Some(false),
        v => v.as_bool(),
    };
    if let Some(allow_any) = allow_any {
        if let Err(e) = service_account::check_any_allowed(&patterns, allow_any) {
            diags.push(e.to_diagnostic().at(AttrPath::attr(SERVICE_ACCOUNTS)));
        }
    }
    // What needs several attributes at once, when each is fine on its own.
    let inputs = [
        OIDC_PROVIDER_ARN,
        ADDITIONAL_OIDC_PROVIDER_ARNS,
        SERVICE_ACCOUNTS,
        AUDIENCE,
    ];
    if !diags.has_errors() && inputs.iter().all(|a| config.attr(a).is_wholly_known()) {
        if let Err(d) = RoleModel::from_value(config).wanted_trust_policy() {
            diags.push(d);
        }
    }
}

#[async_trait::async_trait]
impl ManagedResource<ProviderData> for Role {
    fn type_name(&self) -> &'static str {
        "irsa_role"
    }

    fn schema(&self) -> ResourceSchema {
        schema()
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        validate_config(config, diags);
    }

    async fn modify_plan(&self, data: &ProviderData, p: &mut Plan, diags: &mut Diagnostics) {
        plan::modify(p, diags);
        crate::resources::tags::plan(&data.tags, p, TAGS, diags);
    }

    async fn create(&self, data: &ProviderData, c: Change<'_>, diags: &mut Diagnostics) -> Value {
        apply::create(data, c, diags).await
    }

    async fn read(
        &self,
        data: &ProviderData,
        state: Value,
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        let model = RoleModel::from_value(&state);
        let name = model.name.as_deref().or(model.id.as_deref())?;
        let read = data.role_reads.read(&data.aws.iam, name).await;
        if let Some(permission) = read.denied {
            diags.push(listing_denied(permission));
        }
        match read.role {
            Ok(Some(live)) => Some(RoleModel::from_live(&live, &model, &data.tags).to_value()),
            Ok(None) => None,
            Err(e) => {
                diags.push(e.to_diagnostic());
                Some(state)
            }
        }
    }

    async fn update(&self, data: &ProviderData, c: Change<'_>, diags: &mut Diagnostics) -> Value {
        apply::update(data, c, diags).await
    }

    async fn delete(
        &self,
        data: &ProviderData,
        prior: Value,
        stop: &CancellationToken,
        diags: &mut Diagnostics,
    ) -> Value {
        apply::delete(data, prior, stop, diags).await
    }

    async fn import(&self, _: &ProviderData, id: &str, diags: &mut Diagnostics) -> Option<Value> {
        if let Err(e) = rules::validate_name(id) {
            diags.push(e.to_diagnostic());
            return None;
        }
        let model = RoleModel {
            id: Some(id.to_owned()),
            name: Some(id.to_owned()),
            name_prefix: rules::prefix_of_generated(id).map(str::to_owned),
            ..RoleModel::default()
        };
        Some(model.to_value())
    }
}
