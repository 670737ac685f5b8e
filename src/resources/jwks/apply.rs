//! The S3 side of `irsa_jwks`: write the object when its document changes,
//! delete it, read it back, and import it.

use std::collections::BTreeSet;

use crate::aws::{found, s3, AwsError};
use crate::context::ProviderData;
use crate::domain::cluster_keys;
use crate::domain::jwks;
use crate::domain::s3_issuer;
use crate::errors::ToDiagnostic;
use crate::framework::{stop, Change};
use crate::tfplugin::{Diagnostic, Diagnostics, Value};

use super::model::JwksModel;
use super::plan::{provider_region, wanted_keys, Keys};
use super::schema::*;
use crate::cluster::{self, ClusterModel};

/// The S3 client for the bucket's region (the provider's when `None`).
pub fn client(data: &ProviderData, region: Option<&str>) -> aws_sdk_s3::Client {
    match region {
        Some(region) => s3::client_for_region(&data.aws.s3, region),
        None => data.aws.s3.clone(),
    }
}

/// The configured attributes: known at apply even where they were not at
/// plan.
const CONFIGURED: [&str; 6] = [
    BUCKET,
    KEY,
    REGION,
    PUBLIC_KEYS_PEM,
    INCLUDE_LEGACY_EMPTY_KID,
    ISSUER_SIGNING_ALGORITHMS,
];

/// Create or update: build the document if the plan could not, and write
/// it unless the object already holds it. On failure, the prior state.
pub async fn write(data: &ProviderData, change: Change<'_>, diags: &mut Diagnostics) -> Value {
    let fallback = change.prior.clone();
    let mut planned = change.planned.clone();
    for name in CONFIGURED {
        if !planned.attr(name).is_wholly_known() {
            planned.set_attr(name, change.config.attr(name).clone());
        }
    }
    let source = cluster::with_write_only(planned.attr(CLUSTER), change.config.attr(CLUSTER));
    let mut state = JwksModel::from_value(&planned);
    if state.region.is_none() {
        state.region = provider_region(data, diags);
    }
    state.id = state.object_id();
    if !planned.attr(JSON).is_wholly_known() {
        let legacy = state.include_legacy_empty_kid.unwrap_or(false);
        match wanted_keys(planned.attr(PUBLIC_KEYS_PEM), &source, diags).await {
            Keys::Known(keys) => state = state.with_document(&jwks::build_jwks(&keys, legacy)),
            Keys::Unknown => {
                diags.push(Diagnostic::error(
                    "Key sources still unknown",
                    "The cluster settings or public_keys_pem are not known even at apply.",
                ));
                return fallback;
            }
            Keys::Failed => return fallback,
        }
    }
    state.cluster = ClusterModel::from_value(&cluster::stored(data, source));
    let (Some(bucket), Some(key), Some(json)) = (&state.bucket, &state.key, &state.json) else {
        diags.push(Diagnostic::error(
            "Incomplete plan",
            "bucket, key and the document must be known at apply.",
        ));
        return fallback;
    };
    let prior = JwksModel::from_value(change.prior);
    let same_object =
        !change.prior.is_null() && prior.bucket == state.bucket && prior.key == state.key;
    if same_object && prior.json == state.json {
        state.etag = prior.etag;
        return state.to_value();
    }
    if let Err(stopped) = stop::check(change.stop) {
        diags.push(stopped.diagnostic());
        return fallback;
    }
    match s3::put_json(&client(data, state.region.as_deref()), bucket, key, json).await {
        Ok(etag) => {
            state.etag = etag;
            state.to_value()
        }
        Err(e) => {
            diags.push(e.to_diagnostic());
            fallback
        }
    }
}

/// Delete the object; one already gone is no error.
pub async fn delete(data: &ProviderData, prior: Value, diags: &mut Diagnostics) -> Value {
    let model = JwksModel::from_value(&prior);
    let (Some(bucket), Some(key)) = (&model.bucket, &model.key) else {
        return Value::Null;
    };
    match s3::delete_object(&client(data, model.region.as_deref()), bucket, key).await {
        Ok(()) | Err(AwsError::NotFound { .. }) => Value::Null,
        Err(e) => {
            diags.push(e.to_diagnostic());
            prior
        }
    }
}

/// Refresh: the object as S3 serves it (one GetObject); `None` when gone.
pub async fn read(data: &ProviderData, state: Value, diags: &mut Diagnostics) -> Option<Value> {
    let model = JwksModel::from_value(&state);
    let (Some(bucket), Some(key)) = (&model.bucket, &model.key) else {
        return None;
    };
    match s3::get_object(&client(data, model.region.as_deref()), bucket, key).await {
        Ok(Some(object)) => Some(model.with_object(object).to_value()),
        Ok(None) | Err(AwsError::NotFound { .. }) => None,
        Err(e) => {
            diags.push(e.to_diagnostic());
            Some(state)
        }
    }
}

/// Import `<bucket>/<key>`: the object, with its keys as PEM, so that a
/// configuration that lists the same keys with `file("sa.pub")` plans no
/// change, and the bucket's own region (not the provider's), so that a
/// configuration generated on import names the region the object is in and
/// one that sets `region = irsa_issuer.<name>.region` plans no change.
pub async fn import(data: &ProviderData, id: &str, diags: &mut Diagnostics) -> Option<Value> {
    let Some((bucket, key)) = cluster_keys::split_object_id(id) else {
        diags.push(Diagnostic::error(
            "Invalid import id",
            format!("{id:?} is not `<bucket>/<key>`, e.g. `my-issuer-bucket/keys.json`."),
        ));
        return None;
    };
    if let Err(e) = s3_issuer::validate_bucket_name(bucket) {
        diags.push(e.to_diagnostic());
        return None;
    }
    let nothing = |diags: &mut Diagnostics| {
        diags.push(Diagnostic::error(
            "Nothing to import",
            format!("s3://{bucket}/{key} does not exist."),
        ));
        None
    };
    let region = match found(s3::bucket_region(&data.aws.s3, bucket).await) {
        Ok(Some(r)) => r,
        Ok(None) => return nothing(diags),
        Err(e) => {
            diags.push(e.to_diagnostic());
            return None;
        }
    };
    let model = JwksModel {
        id: Some(id.to_owned()),
        bucket: Some(bucket.to_owned()),
        key: Some(key.to_owned()),
        region: Some(region),
        ..JwksModel::default()
    };
    let object = match s3::get_object(&client(data, model.region.as_deref()), bucket, key).await {
        Ok(Some(object)) => object,
        Ok(None) | Err(AwsError::NotFound { .. }) => return nothing(diags),
        Err(e) => {
            diags.push(e.to_diagnostic());
            return None;
        }
    };
    let pems = jwks::parse_jwks(&object.text).ok().map(|entries| {
        let mut seen = BTreeSet::new();
        entries
            .iter()
            .filter(|(kid, _)| kid.is_some())
            .filter(|(_, k)| seen.insert(k.kid()))
            .map(|(_, k)| k.to_pem())
            .collect()
    });
    let mut state = model.with_object(object);
    state.public_keys_pem = pems;
    Some(state.to_value())
}
