//! What the schema cannot say about an `irsa_jwks` plan: the region from
//! the provider, the keys (read from the cluster at plan time), the document
//! with its kids, algorithms and etag, the warning for an algorithm the
//! issuer does not advertise, and the token kept out of plans where
//! Terraform has write-only attributes.

use crate::attributes;
use crate::aws::s3;
use crate::context::ProviderData;
use crate::domain::cluster_keys;
use crate::domain::discovery::DiscoveryDocument;
use crate::domain::jwks::{self, Jwks};
use crate::domain::keys::PublicKey;
use crate::framework::Plan;
use crate::tfplugin::{AttrPath, Diagnostic, Diagnostics, Value};

use super::apply::client;
use super::model::JwksModel;
use super::schema::*;
use crate::cluster::{self, ClusterModel};

/// Refine the derived plan.
pub async fn modify(data: &ProviderData, plan: &mut Plan, diags: &mut Diagnostics) {
    if plan.config.attr(REGION).is_null() {
        let region = provider_region(data, diags);
        plan.set(REGION, Value::opt_string(region));
    }
    let id = match (plan.get(BUCKET).as_str(), plan.get(KEY).as_str()) {
        (Some(bucket), Some(key)) => Value::string(format!("{bucket}/{key}")),
        _ => Value::Unknown,
    };
    plan.set(ID, id);

    let source = cluster::with_write_only(plan.get(CLUSTER), plan.config.attr(CLUSTER));
    let keys = wanted_keys(plan.get(PUBLIC_KEYS_PEM), &source, diags).await;
    plan.set(CLUSTER, cluster::stored(data, source));
    let legacy = plan
        .get(INCLUDE_LEGACY_EMPTY_KID)
        .as_bool()
        .unwrap_or(false);
    let doc = match keys {
        Keys::Known(keys) => Some(jwks::build_jwks(&keys, legacy)),
        Keys::Unknown => None,
        Keys::Failed => return,
    };
    match &doc {
        Some(doc) => {
            plan.set(JSON, Value::string(doc.to_json()));
            plan.set(KIDS, Value::strings(doc.kids()));
            plan.set(ALGORITHMS, Value::strings(doc.algorithms()));
        }
        None => {
            for name in [JSON, KIDS, ALGORITHMS] {
                plan.set(name, Value::Unknown);
            }
        }
    }
    let unchanged = !plan.fresh()
        && plan.get(JSON).is_wholly_known()
        && plan.get(JSON) == plan.prior.attr(JSON);
    let etag = if unchanged {
        plan.prior.attr(ETAG).clone()
    } else {
        Value::Unknown
    };
    plan.set(ETAG, etag);
    if let (Some(doc), false) = (&doc, unchanged) {
        warn_unadvertised(data, plan, doc, diags).await;
    }
}

/// The provider's region, the default of `region`; asked for only when
/// `region` is not set.
pub fn provider_region(data: &ProviderData, diags: &mut Diagnostics) -> Option<String> {
    match data.region() {
        Ok(r) => Some(r.to_owned()),
        Err(d) => {
            diags.push(d.at(AttrPath::attr(REGION)));
            None
        }
    }
}

/// The keys of the configuration: known, not known before apply, or failed
/// (with diagnostics).
pub enum Keys {
    Known(Vec<PublicKey>),
    Unknown,
    Failed,
}

/// The keys named by `public_keys_pem` and the `cluster` block (with its
/// token).
pub async fn wanted_keys(pem: &Value, cluster: &Value, diags: &mut Diagnostics) -> Keys {
    let mut keys = Vec::new();
    let mut unknown = false;
    if !pem.is_wholly_known() {
        unknown = true;
    } else if !pem.is_null() {
        match attributes::parse_public_keys_pem(pem, diags) {
            Some(k) => keys.extend(k),
            None => return Keys::Failed,
        }
    }
    if !cluster.is_wholly_known() {
        unknown = true;
    } else if let Some(c) = ClusterModel::from_value(cluster) {
        match c.read_keys().await {
            Ok(k) => keys.extend(k),
            Err(d) => {
                diags.push(d);
                return Keys::Failed;
            }
        }
    }
    if unknown {
        Keys::Unknown
    } else {
        Keys::Known(keys)
    }
}

/// Warn when a key's algorithm is one the issuer does not advertise: STS
/// refuses the tokens it signs.
async fn warn_unadvertised(data: &ProviderData, plan: &Plan, doc: &Jwks, diags: &mut Diagnostics) {
    let Some((advertised, source)) = advertised(data, &JwksModel::from_value(&plan.planned)).await
    else {
        return;
    };
    let missing = cluster_keys::unadvertised(&doc.algorithms(), &advertised);
    if missing.is_empty() {
        return;
    }
    let d = Diagnostic::warning(
        "Key algorithm not advertised by the issuer",
        format!(
            "The keys use {}, which {source} does not list (it lists: {}). STS refuses tokens signed with an \
             algorithm the issuer does not advertise: add it to signing_algorithms of the irsa_issuer.",
            missing.join(", "),
            advertised.join(", ")
        ),
    );
    diags.push(if plan.config.attr(ISSUER_SIGNING_ALGORITHMS).is_null() {
        d
    } else {
        d.at(AttrPath::attr(ISSUER_SIGNING_ALGORITHMS))
    });
}

/// The algorithms the issuer advertises: from `issuer_signing_algorithms`,
/// or from the discovery document next to the key. `None` when neither is
/// known; a document that cannot be read is no reason to fail a plan.
async fn advertised(data: &ProviderData, planned: &JwksModel) -> Option<(Vec<String>, String)> {
    if let Some(algs) = &planned.issuer_signing_algorithms {
        return Some((
            algs.iter().cloned().collect(),
            ISSUER_SIGNING_ALGORITHMS.into(),
        ));
    }
    let bucket = planned.bucket.as_deref()?;
    let key = planned.key.as_deref()?;
    let s3c = client(data, planned.region.as_deref());
    for candidate in cluster_keys::discovery_candidates(key) {
        let Ok(Some(text)) = s3::get_text(&s3c, bucket, &candidate).await else {
            continue;
        };
        if let Some(doc) = DiscoveryDocument::parse(&text) {
            if doc.jwks_uri.ends_with(&format!("/{key}")) {
                return Some((
                    doc.id_token_signing_alg_values_supported,
                    format!("the discovery document s3://{bucket}/{candidate}"),
                ));
            }
        }
    }
    None
}
