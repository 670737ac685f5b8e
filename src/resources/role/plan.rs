//! What the schema cannot say about an `irsa_role` plan: the name generated
//! from `name_prefix`, the prefix a given name was generated from, the
//! trust-policy preview, and the annotations.

use crate::domain::policy_json::semantically_equal;
use crate::domain::role as rules;
use crate::framework::Plan;
use crate::tfplugin::{Diagnostics, Value};

use super::model::RoleModel;
use super::schema::*;

/// Refine the derived plan.
pub fn modify(plan: &mut Plan, diags: &mut Diagnostics) {
    let name = planned_name(plan);
    if !plan.creating() && &name != plan.prior.attr(NAME) {
        let cause = if plan.config.attr(NAME).is_null() {
            NAME_PREFIX
        } else {
            NAME
        };
        plan.require_replace(cause);
    }
    let prefix = planned_prefix(plan, &name);
    plan.set(NAME_PREFIX, prefix);
    plan.set(ID, name.clone());
    plan.set(NAME, name);

    let inputs = [
        OIDC_PROVIDER_ARN,
        ADDITIONAL_OIDC_PROVIDER_ARNS,
        SERVICE_ACCOUNTS,
        AUDIENCE,
    ];
    let trust = if inputs.iter().all(|a| plan.get(a).is_wholly_known()) {
        match RoleModel::from_value(&plan.planned).wanted_trust_policy() {
            Ok(policy) => {
                let rendered = policy.render();
                match plan.kept(TRUST_POLICY).and_then(Value::as_str) {
                    Some(p) if semantically_equal(p, &rendered) => Value::string(p),
                    _ => Value::String(rendered),
                }
            }
            Err(d) => {
                diags.push(d);
                Value::Unknown
            }
        }
    } else {
        Value::Unknown
    };
    plan.set(TRUST_POLICY, trust);
    let ann = annotations(plan.get(ARN), plan.get(AUDIENCE));
    plan.set(SERVICE_ACCOUNT_ANNOTATIONS, ann);
}

/// The configured name; on create from a prefix, unknown; on update, a
/// generated name stays as long as it fits the prefix.
fn planned_name(plan: &Plan) -> Value {
    let configured = plan.config.attr(NAME);
    if !configured.is_null() {
        return configured.clone();
    }
    if plan.creating() {
        return Value::Unknown;
    }
    let prior_name = plan.prior.attr(NAME).as_str().unwrap_or_default();
    match plan.config.attr(NAME_PREFIX).as_str() {
        Some(prefix) if rules::prefix_of_generated(prior_name) == Some(prefix) => {
            Value::string(prior_name)
        }
        _ => Value::Unknown,
    }
}

/// The configured prefix. With `name` alone, the prior prefix as long as
/// the name is still one it generated (an imported role's, or one whose
/// configuration moved from `name_prefix` to the name itself), else null.
fn planned_prefix(plan: &Plan, name: &Value) -> Value {
    let configured = plan.config.attr(NAME_PREFIX);
    if !configured.is_null() {
        return configured.clone();
    }
    match (name.as_str(), plan.prior.attr(NAME_PREFIX).as_str()) {
        (Some(name), Some(prefix)) if rules::prefix_of_generated(name) == Some(prefix) => {
            Value::string(prefix)
        }
        _ => Value::Null,
    }
}

/// The service-account annotations; the role ARN's value stays unknown
/// until the role exists.
pub fn annotations(arn: &Value, audience: &Value) -> Value {
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
