//! What the schema cannot say about an `irsa_issuer` plan: the region from
//! the provider or the prior state, the attributes derived from the
//! location, the OIDC provider's ARN, and the check of the issuer URL.
//!
//! The schema already plans the defaults, the replacement, and (as for
//! every computed attribute the configuration leaves out on create) unknown
//! thumbprints on create: IAM records them when it creates the provider.

use crate::context::ProviderData;
use crate::domain::issuer::validate_issuer_url;
use crate::errors::ToDiagnostic;
use crate::framework::Plan;
use crate::tfplugin::{AttrPath, Diagnostics, Value};

use super::model::IssuerModel;
use super::schema::*;

/// Refine the derived plan.
pub fn modify(data: &ProviderData, plan: &mut Plan, diags: &mut Diagnostics) {
    if plan.config.attr(REGION).is_null() {
        // An existing issuer stays where its bucket is.
        let region = match plan.prior.attr(REGION) {
            Value::String(r) => Value::string(r),
            _ => match data.region() {
                Ok(r) => Value::string(r),
                Err(d) => {
                    diags.push(d.at(AttrPath::attr(REGION)));
                    Value::Unknown
                }
            },
        };
        plan.set(REGION, region);
    }

    let mut model = IssuerModel::from_value(&plan.planned);
    let located = LOCATION.iter().all(|a| plan.get(a).is_wholly_known());
    let issuer = if located { model.location() } else { None };
    model.derive(issuer.as_ref());
    let derived = model.to_value();
    for name in DERIVED {
        let v = match derived.attr(name) {
            Value::Null => Value::Unknown,
            v => v.clone(),
        };
        plan.set(name, v);
    }

    // Known once the provider exists; a provider deleted outside Terraform
    // (null after refresh) is made anew.
    let arn = match plan.kept(OIDC_PROVIDER_ARN) {
        Some(arn) if !arn.is_null() => arn.clone(),
        _ => Value::Unknown,
    };
    plan.set(OIDC_PROVIDER_ARN, arn);

    if let Some(i) = issuer {
        let name = if i.prefix.is_some() { PREFIX } else { BUCKET };
        if let Err(e) = validate_issuer_url(&i.issuer_url()) {
            diags.push(e.to_diagnostic().at(AttrPath::attr(name)));
        }
    }
}
