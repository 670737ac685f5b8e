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
use crate::domain::hosting::{CloudFrontIssuer, Hosting, IssuerLocation};
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
        // The bucket's settings do not apply: their defaults are not planned.
        for name in BUCKET_ATTRS.iter().chain(&[URL_STYLE]) {
            plan.set(name, Value::Null);
        }
    } else if hosting == Some(Hosting::CloudFront) {
        // The URL is the distribution's, whatever the style.
        plan.set(URL_STYLE, Value::Null);
    }
    if hosting != Some(Hosting::External) && plan.config.attr(REGION).is_null() {
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

    // What CloudFront assigns is kept once the distribution exists, and
    // known after apply until then; other hostings have none of it.
    for name in DISTRIBUTION_IDS {
        let v = match hosting {
            Some(Hosting::CloudFront) => match plan.kept(name) {
                Some(v) if !v.is_null() => v.clone(),
                _ => Value::Unknown,
            },
            Some(_) => Value::Null,
            None => Value::Unknown,
        };
        plan.set(name, v);
    }

    let mut model = IssuerModel::from_value(&plan.planned);
    let located = match hosting {
        Some(Hosting::S3) => LOCATION.iter().all(|a| plan.get(a).is_wholly_known()),
        Some(Hosting::CloudFront) => [BUCKET, PREFIX, REGION, JWKS_PATH, CLOUDFRONT]
            .iter()
            .all(|a| plan.get(a).is_wholly_known()),
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
    let mut issuer = if located { model.location() } else { None };
    // Behind CloudFront without an alias, the host is the distribution's
    // domain: what follows from the URL is known once it exists, the rest
    // (the keys, the bucket's ARN) now.
    let mut url_unknown = false;
    if located && issuer.is_none() && hosting == Some(Hosting::CloudFront) {
        issuer = model.bucket_location().map(|bucket| {
            IssuerLocation::CloudFront(CloudFrontIssuer {
                bucket,
                host: String::new(),
            })
        });
        url_unknown = true;
    }
    model.derive(issuer.as_ref());
    let derived = model.to_value();
    for name in DERIVED {
        let v = match (derived.attr(name), &issuer) {
            _ if url_unknown && URL_DERIVED.contains(&name) => Value::Unknown,
            // Outside S3, what only a bucket has is null, not unknown.
            (Value::Null, Some(IssuerLocation::External(_))) => Value::Null,
            (Value::Null, _) => Value::Unknown,
            (v, _) => v.clone(),
        };
        plan.set(name, v);
    }

    let settings = match hosting {
        Some(Hosting::CloudFront) => model
            .wanted_distribution_settings()
            .map_or(Value::Unknown, Value::String),
        Some(_) => Value::Null,
        None => Value::Unknown,
    };
    plan.set(DISTRIBUTION_SETTINGS, settings);

    // Known once the provider exists; a provider deleted outside Terraform
    // (null after refresh) is made anew, and so is one for a URL that
    // changes (behind CloudFront: a new first alias or distribution).
    let url_changes = !plan.creating()
        && hosting == Some(Hosting::CloudFront)
        && plan.get(ISSUER_URL) != plan.prior.attr(ISSUER_URL);
    let arn = match plan.kept(OIDC_PROVIDER_ARN) {
        Some(arn) if !arn.is_null() && !url_changes => arn.clone(),
        _ => Value::Unknown,
    };
    plan.set(OIDC_PROVIDER_ARN, arn);

    // In a bucket the URLs are computed: a configuration may repeat them
    // (as the one Terraform generates on import does), never change them.
    if issuer.as_ref().is_some_and(|i| i.bucket().is_some()) {
        let name_of = hosting.map_or("s3", Hosting::name);
        for name in EXTERNAL_INPUTS {
            let (given, computed) = (plan.config.attr(name), plan.get(name));
            let differs = match (given.as_str(), computed) {
                (Some(g), Value::String(c)) => g != c,
                (Some(_), Value::Unknown) => true,
                _ => false,
            };
            if differs {
                let c = computed.as_str().unwrap_or("known only after apply");
                diags.push(
                    Diagnostic::error(
                        "Attribute computed with this hosting",
                        format!(
                            "With hosting = \"{name_of}\", {name} is computed: {c}. Remove {name}, or set \
                             hosting = \"external\" for an issuer served elsewhere."
                        ),
                    )
                    .at(AttrPath::attr(name)),
                );
            }
        }
    }

    // An external issuer URL is checked by its attribute's validator.
    if let (Some(i), false) = (
        issuer.as_ref().and_then(IssuerLocation::bucket),
        url_unknown,
    ) {
        let name = if i.prefix.is_some() { PREFIX } else { BUCKET };
        let url = issuer
            .as_ref()
            .map(IssuerLocation::issuer_url)
            .unwrap_or_default();
        if let Err(e) = validate_issuer_url(&url) {
            diags.push(e.to_diagnostic().at(AttrPath::attr(name)));
        }
    }
}
