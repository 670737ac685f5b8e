//! Refresh and import of `irsa_issuer`. Refresh reports what AWS holds: the
//! document's bytes, this issuer's policy statements, and the provider's
//! client IDs, thumbprints and tags, in at most four calls made at once.
//! Import reads the settings back from what was published.

use std::collections::BTreeMap;

use crate::aws::{found, oidc_provider, s3};
use crate::context::ProviderData;
use crate::domain::bucket_policy;
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

/// Refresh; `None` when the bucket, and so the issuer, is gone.
pub async fn refresh(data: &ProviderData, state: Value, diags: &mut Diagnostics) -> Option<Value> {
    let prior = IssuerModel::from_value(&state);
    let Some(issuer) = prior.location() else {
        return Some(state);
    };
    let ours = prior.bucket_is_ours();
    let aws = Aws::new(data, &issuer);
    let key = issuer.discovery_key();
    let (document, policy, provider, bucket_tags) = tokio::join!(
        s3::get_text(&aws.s3, &issuer.bucket, &key),
        s3::policy(&aws.s3, &issuer.bucket),
        async {
            match &prior.oidc_provider_arn {
                Some(a) => found(oidc_provider::get(aws.iam, a).await),
                None => Ok(None),
            }
        },
        async {
            if ours {
                s3::bucket_tags(&aws.s3, &issuer.bucket)
                    .await
                    .map(|t| Some(tags::user_tags(&t)))
            } else {
                Ok(None)
            }
        },
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
    let mut errors = Vec::new();
    match document {
        Ok(doc) => v.discovery_json = doc,
        Err(e) => errors.push(e.to_diagnostic()),
    }
    match policy {
        Ok(p) => {
            let wanted = prior.wanted_statements(&issuer).unwrap_or_default();
            match bucket_policy::reported(p.as_deref(), &wanted) {
                Ok(r) => v.bucket_policy_statements = r,
                Err(e) => errors.push(e.to_diagnostic()),
            }
        }
        Err(e) => errors.push(e.to_diagnostic()),
    }
    let mut tag_sources = Vec::new();
    match provider {
        Ok(Some(p)) => {
            v.client_ids = Some(p.client_ids.into_iter().collect());
            if !same_thumbprints(&prior.thumbprint_list(), &p.thumbprints) {
                v.thumbprints = Some(p.thumbprints.into_iter().collect());
            }
            tag_sources.push(data.tags.visible(&p.tags));
        }
        Ok(None) => v.oidc_provider_arn = None,
        Err(e) => errors.push(e.to_diagnostic()),
    }
    match bucket_tags {
        Ok(Some(t)) => tag_sources.push(data.tags.visible(&t)),
        Ok(None) => {}
        Err(e) => errors.push(e.to_diagnostic()),
    }
    let all = reported_tags(Some(&prior.tag_map()), &tag_sources).unwrap_or_default();
    (v.tags, v.tags_all) = {
        let (own, all) = crate::resources::tags::report(&data.tags, &all, prior.tags.as_ref());
        (own, Some(all))
    };
    if errors.is_empty() {
        Some(v.to_value())
    } else {
        // Keep the state as it was rather than report half a refresh.
        diags.0.extend(errors);
        Some(state)
    }
}

/// The state for an import id `<bucket>` or `<bucket>/<prefix>`: the
/// location, and the settings read back from the published discovery
/// document, and the bucket's ownership from the provider's creation token
/// (a bucket made by hand is not owned). Terraform refreshes it right after.
pub async fn import(data: &ProviderData, id: &str, diags: &mut Diagnostics) -> Option<Value> {
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
    let aws = Aws::new(data, &at);
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
    model.derive(Some(&issuer));
    // Left to the refresh that follows: what AWS holds.
    model.discovery_json = None;
    model.bucket_policy_statements = None;
    model.oidc_provider_arn = arn;
    Some(model.to_value())
}
