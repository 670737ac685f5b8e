//! What the schema cannot say about an `irsa_issuer` plan: the replacement
//! when the hosting, the URL style or an external issuer URL changes, the region from the
//! provider or the prior state, the attributes derived from the location,
//! the OIDC provider's ARN, and the check of the issuer URL.
//!
//! The schema already plans the defaults, the other replacements, and (as
//! for every computed attribute the configuration leaves out on create)
//! unknown thumbprints on create: IAM records them when it creates the
//! provider.

use crate::context::ProviderData;
use crate::domain::hosting::{Hosting, IssuerLocation};
use crate::domain::issuer::validate_issuer_url;
use crate::errors::ToDiagnostic;
use crate::framework::Plan;
use crate::tfplugin::{AttrPath, Diagnostic, Diagnostics, Value};

use super::model::IssuerModel;
use super::schema::*;

/// The hosting a plan's value names: `None` while unknown. A prior state
/// written before `hosting` existed holds null, which is S3.
fn hosting_of(v: &Value) -> Option<Hosting> {
    match v {
        Value::Null => Some(Hosting::DEFAULT),
        Value::String(s) => Hosting::parse(s),
        _ => None,
    }
}

/// Refine the derived plan.
pub fn modify(data: &ProviderData, plan: &mut Plan, diags: &mut Diagnostics) {
    let hosting = hosting_of(plan.get(HOSTING));
    if !plan.creating() {
        // Not declared in the schema, where a state from before `hosting`
        // (null) would differ from the default and replace every issuer.
        if hosting.is_some_and(|h| Some(h) != hosting_of(plan.prior.attr(HOSTING))) {
            plan.require_replace(HOSTING);
        }
        // An external issuer URL is configured, so it replaces as the bucket
        // does; in S3 it follows from attributes that replace already.
        let url = plan.config.attr(ISSUER_URL);
        if hosting == Some(Hosting::External) && url != plan.prior.attr(ISSUER_URL) {
            plan.require_replace(ISSUER_URL);
        }
        // Not declared in the schema either, where its default would differ
        // from an external issuer's null.
        let style = plan.get(URL_STYLE);
        if hosting == Some(Hosting::S3)
            && !style.is_unknown()
            && style != plan.prior.attr(URL_STYLE)
        {
            plan.require_replace(URL_STYLE);
        }
    }

    if hosting == Some(Hosting::External) {
        // The S3 settings do not apply: their defaults are not planned.
        for name in S3_ONLY {
            plan.set(name, Value::Null);
        }
    } else if plan.config.attr(REGION).is_null() {
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
    let located = match hosting {
        Some(Hosting::S3) => LOCATION.iter().all(|a| plan.get(a).is_wholly_known()),
        Some(Hosting::External) => {
            // The configured JWKS URI, or (null) the default one; the plan
            // holds it as unknown until it is derived here.
            model.jwks_uri = plan.config.attr(JWKS_URI).as_str().map(str::to_owned);
            [ISSUER_URL, JWKS_URI]
                .iter()
                .all(|a| plan.config.attr(a).is_wholly_known())
        }
        None => false,
    };
    let issuer = if located { model.location() } else { None };
    model.derive(issuer.as_ref());
    let derived = model.to_value();
    for name in DERIVED {
        let v = match (derived.attr(name), &issuer) {
            // Outside S3, what only a bucket has is null, not unknown.
            (Value::Null, Some(IssuerLocation::External(_))) => Value::Null,
            (Value::Null, _) => Value::Unknown,
            (v, _) => v.clone(),
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

    // In S3 the URLs are computed: a configuration may repeat them (as the
    // one Terraform generates on import does), never change them.
    if let Some(IssuerLocation::S3(_)) = &issuer {
        for name in EXTERNAL_INPUTS {
            let (given, computed) = (plan.config.attr(name), derived.attr(name));
            if let (Some(g), Some(c)) = (given.as_str(), computed.as_str()) {
                if g != c {
                    diags.push(
                        Diagnostic::error(
                            "Attribute computed with this hosting",
                            format!(
                                "With hosting = \"s3\", {name} is computed from the bucket: {c}. Remove \
                                 {name}, or set hosting = \"external\" for an issuer served elsewhere."
                            ),
                        )
                        .at(AttrPath::attr(name)),
                    );
                }
            }
        }
    }

    // An external issuer URL is checked by its attribute's validator.
    if let Some(IssuerLocation::S3(i)) = issuer {
        let name = if i.prefix.is_some() { PREFIX } else { BUCKET };
        if let Err(e) = validate_issuer_url(&i.issuer_url()) {
            diags.push(e.to_diagnostic().at(AttrPath::attr(name)));
        }
    }
}
