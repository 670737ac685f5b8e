//! Refresh and import of `irsa_issuer`. Refresh reports what AWS holds: in
//! S3 the document's bytes and this issuer's policy statements, and for
//! every hosting the provider's client IDs, thumbprints and tags, in at
//! most four calls made at once. Import reads the settings back from what
//! was published.

use std::collections::BTreeMap;

use crate::aws::{found, oidc_provider, s3, AwsError};
use crate::context::ProviderData;
use crate::domain::bucket_policy;
use crate::domain::hosting::{self, ExternalIssuer, Hosting, IssuerLocation};
use crate::domain::issuer::validate_issuer_url;
use crate::domain::oidc_provider::same_thumbprints;
use crate::domain::s3_issuer::{self, S3Issuer};
use crate::domain::tags;
use crate::errors::ToDiagnostic;
use crate::framework::model::keep_null;
use crate::tfplugin::{Diagnostic, Diagnostics, Value};

use super::model::IssuerModel;
use super::Aws;

/// What refresh reports for `tags`: the first source that differs from the
/// state (so any drift shows), else the state's own value.
pub fn reported_tags(
    state: Option<&BTreeMap<String, String>>,
    sources: &[BTreeMap<String, String>],
) -> Option<BTreeMap<String, String>> {
    let current = state.cloned().unwrap_or_default();
    match sources.iter().find(|t| **t != current) {
        Some(t) => keep_null(t.clone(), state.is_none()),
        None => state.cloned(),
    }
}

/// The OIDC provider the state records; `None` when there is none.
async fn recorded_provider(
    aws: &Aws<'_>,
    prior: &IssuerModel,
) -> Result<Option<oidc_provider::OidcProvider>, AwsError> {
    match &prior.oidc_provider_arn {
        Some(a) => found(oidc_provider::get(aws.iam, a).await),
        None => Ok(None),
    }
}

/// What the provider holds, into `v`: its client IDs, its thumbprints when
/// they differ from the state's, and its tags as a source for
/// [`reported_tags`]. A provider that is gone leaves no ARN.
fn report_provider(
    prior: &IssuerModel,
    provider: Result<Option<oidc_provider::OidcProvider>, AwsError>,
    v: &mut IssuerModel,
    tag_sources: &mut Vec<BTreeMap<String, String>>,
    errors: &mut Vec<Diagnostic>,
) {
    match provider {
        Ok(Some(p)) => {
            v.client_ids = Some(p.client_ids.into_iter().collect());
            if prior.thumbprints.is_none()
                || !same_thumbprints(&prior.thumbprint_list(), &p.thumbprints)
            {
                v.thumbprints = Some(p.thumbprints.into_iter().collect());
            }
            tag_sources.push(p.tags);
        }
        Ok(None) => v.oidc_provider_arn = None,
        Err(e) => errors.push(e.to_diagnostic()),
    }
}

/// `tags` and `tags_all` from what the sources (each with all its tags)
/// hold: the provider's `ignore_tags` left out, and the first source that
/// differs from the state reported, so any drift shows.
fn report_tags(
    data: &ProviderData,
    prior: &IssuerModel,
    v: &mut IssuerModel,
    sources: &[BTreeMap<String, String>],
) {
    let visible: Vec<_> = sources.iter().map(|t| data.tags.visible(t)).collect();
    let all = reported_tags(Some(&prior.tag_map()), &visible).unwrap_or_default();
    let (own, all) = crate::resources::tags::report(&data.tags, &all, prior.tags.as_ref());
    (v.tags, v.tags_all) = (own, Some(all));
}

/// The refreshed state, or on any error the state as it was rather than
/// half a refresh.
fn refreshed(
    v: IssuerModel,
    errors: Vec<Diagnostic>,
    state: Value,
    diags: &mut Diagnostics,
) -> Option<Value> {
    if errors.is_empty() {
        Some(v.to_value())
    } else {
        diags.0.extend(errors);
        Some(state)
    }
}

/// Refresh; `None` when the issuer is gone: its bucket in S3, its OIDC
/// provider, the only object it has, elsewhere.
pub async fn refresh(data: &ProviderData, state: Value, diags: &mut Diagnostics) -> Option<Value> {
    let prior = IssuerModel::from_value(&state);
    let (issuer, location) = match (prior.bucket_location(), prior.location()) {
        (Some(bucket), location) => (bucket, location),
        (None, Some(IssuerLocation::External(_))) => {
            let aws = Aws::new(data, None);
            let provider = recorded_provider(&aws, &prior).await;
            if matches!(provider, Ok(None)) {
                return None;
            }
            let (mut v, mut errors, mut tag_sources) = (prior.clone(), Vec::new(), Vec::new());
            report_provider(&prior, provider, &mut v, &mut tag_sources, &mut errors);
            report_tags(data, &prior, &mut v, &tag_sources);
            return refreshed(v, errors, state, diags);
        }
        (None, _) => return Some(state),
    };
    let ours = prior.bucket_is_ours();
    let aws = Aws::new(data, Some(&issuer.region));
    let key = issuer.discovery_key();
    let (document, policy, provider, bucket_tags, front) = tokio::join!(
        s3::get_text(&aws.s3, &issuer.bucket, &key),
        s3::policy(&aws.s3, &issuer.bucket),
        recorded_provider(&aws, &prior),
        async {
            if ours {
                s3::bucket_tags(&aws.s3, &issuer.bucket)
                    .await
                    .map(|t| Some(tags::user_tags(&t)))
            } else {
                Ok(None)
            }
        },
        super::front::read(&aws, &prior),
    );
    // The bucket is gone: so is the issuer.
    if [document.as_ref().err(), policy.as_ref().err()]
        .iter()
        .flatten()
        .any(|e| e.is_not_found())
    {
        return None;
    }
    let mut v = prior.clone();
    // A state written before `hosting` existed reads as what it is, so the
    // plan after shows no change for it.
    v.hosting
        .get_or_insert_with(|| Hosting::S3.name().to_owned());
    let mut errors = Vec::new();
    match document {
        Ok(doc) => v.discovery_json = doc,
        Err(e) => errors.push(e.to_diagnostic()),
    }
    if let Err(e) = front.map(|f| f.report(&mut v)) {
        errors.push(e.to_diagnostic());
    }
    match policy {
        Ok(p) => {
            let wanted = location
                .as_ref()
                .and_then(|l| prior.wanted_statements(l))
                .unwrap_or_default();
            match bucket_policy::reported(p.as_deref(), &wanted) {
                Ok(r) => v.bucket_policy_statements = r,
                Err(e) => errors.push(e.to_diagnostic()),
            }
        }
        Err(e) => errors.push(e.to_diagnostic()),
    }
    let mut tag_sources = Vec::new();
    report_provider(&prior, provider, &mut v, &mut tag_sources, &mut errors);
    match bucket_tags {
        Ok(Some(t)) => tag_sources.push(t),
        Ok(None) => {}
        Err(e) => errors.push(e.to_diagnostic()),
    }
    report_tags(data, &prior, &mut v, &tag_sources);
    refreshed(v, errors, state, diags)
}

/// The state for an import id: `<bucket>` or `<bucket>/<prefix>` for an
/// issuer in S3, `<distribution id>[/<prefix>]` for one behind CloudFront,
/// the issuer URL for one hosted elsewhere.
pub async fn import(data: &ProviderData, id: &str, diags: &mut Diagnostics) -> Option<Value> {
    let first = id.split('/').next().unwrap_or_default();
    if hosting::is_url_id(id) {
        import_external(data, id, diags).await
    } else if crate::domain::cloudfront::is_distribution_id(first) {
        super::front::import(data, id, diags).await
    } else {
        import_s3(data, id, diags).await
    }
}

/// The state of an externally hosted issuer at `url`: its OIDC provider,
/// found by the URL, and the default JWKS URI and signing algorithm, since
/// nothing the provider can read holds them. `None` when IAM has no
/// provider for the URL. Terraform refreshes it right after.
async fn import_external(data: &ProviderData, url: &str, diags: &mut Diagnostics) -> Option<Value> {
    if let Err(e) = validate_issuer_url(url) {
        diags.push(Diagnostic::error(
            "Invalid import id",
            format!(
                "{e}. The import id of an issuer with hosting = \"external\" is its issuer URL."
            ),
        ));
        return None;
    }
    let at = IssuerLocation::External(ExternalIssuer::new(url, None));
    let arn = match oidc_provider::find_by_url(&data.aws.iam, &at.issuer_host_path()).await {
        Ok(Some(a)) => a,
        Ok(None) => return None,
        Err(e) => {
            diags.push(e.to_diagnostic());
            return None;
        }
    };
    let mut model = IssuerModel {
        hosting: Some(Hosting::External.name().to_owned()),
        signing_algorithms: Some(vec![
            crate::domain::discovery::DEFAULT_SIGNING_ALGORITHM.to_owned()
        ]),
        ..IssuerModel::default()
    };
    model.derive(Some(&at));
    model.oidc_provider_arn = Some(arn);
    Some(model.to_value())
}

/// The state for an import id `<bucket>` or `<bucket>/<prefix>`: the
/// location, and the settings read back from the published discovery
/// document, and the bucket's ownership from the provider's creation token
/// (a bucket made by hand is not owned). Terraform refreshes it right after.
async fn import_s3(data: &ProviderData, id: &str, diags: &mut Diagnostics) -> Option<Value> {
    let (bucket, prefix) = s3_issuer::parse_id(id);
    let checks = [
        s3_issuer::validate_bucket_name(&bucket),
        prefix.as_deref().map_or(Ok(()), s3_issuer::validate_prefix),
    ];
    for e in checks.into_iter().filter_map(Result::err) {
        diags.push(Diagnostic::error(
            "Invalid import id",
            format!("{e}. The import id is <bucket> or <bucket>/<prefix>."),
        ));
    }
    if diags.has_errors() {
        return None;
    }
    let fail = |diags: &mut Diagnostics, e: &dyn ToDiagnostic| {
        diags.push(e.to_diagnostic());
        None
    };
    let region = match found(s3::bucket_region(&data.aws.s3, &bucket).await) {
        Ok(Some(r)) => r,
        Ok(None) => return None,
        Err(e) => return fail(diags, &e),
    };
    let at = S3Issuer::with_defaults(&bucket, prefix.as_deref(), &region);
    let aws = Aws::new(data, Some(&region));
    let document = match s3::get_text(&aws.s3, &bucket, &at.discovery_key()).await {
        Ok(d) => d,
        Err(e) => return fail(diags, &e),
    };
    let published = s3_issuer::published_settings(&at, document.as_deref());
    let issuer = published.issuer;
    // Owned only when this provider made it: its creation token says so.
    let owned = match s3::bucket_tags(&aws.s3, &bucket).await {
        Ok(t) => tags::created_by_provider(&t),
        Err(e) => return fail(diags, &e),
    };
    let arn = match oidc_provider::find_by_url(aws.iam, &issuer.issuer_host_path()).await {
        Ok(a) => a,
        Err(e) => return fail(diags, &e),
    };
    let mut model = IssuerModel {
        hosting: Some(Hosting::S3.name().to_owned()),
        bucket: Some(bucket),
        create_bucket: Some(owned),
        prefix,
        region: Some(region),
        url_style: Some(issuer.url_style.name().to_owned()),
        jwks_path: Some(issuer.jwks_path.clone()),
        signing_algorithms: Some(published.signing_algorithms),
        force_destroy: Some(false),
        ..IssuerModel::default()
    };
    model.derive(Some(&IssuerLocation::S3(issuer)));
    // Left to the refresh that follows: what AWS holds.
    model.discovery_json = None;
    model.bucket_policy_statements = None;
    model.oidc_provider_arn = arn;
    Some(model.to_value())
}
