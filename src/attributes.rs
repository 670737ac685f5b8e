//! Attributes and validators shared by resources and data sources: each
//! rule of the rule book in [`crate::domain`] wrapped once as a validator,
//! so that every attribute taking such a value checks it the same way, at
//! validate time, naming the attribute.

use std::sync::Arc;

use crate::domain::arn::{self, OidcProviderArn};
use crate::domain::certificates;
use crate::domain::discovery;
use crate::domain::keys::{self, PublicKey};
use crate::domain::oidc_provider;
use crate::domain::region;
use crate::domain::s3_issuer;
use crate::domain::tags;
use crate::errors::ToDiagnostic;
use crate::framework::validator::{self, Validator};
use crate::framework::Attr;
use crate::tfplugin::{AttrPath, Attribute, Diagnostic, Diagnostics, Mode, Type, Value};

/// A validator from a domain rule whose error is shown as it is.
pub fn rule<E: ToDiagnostic>(
    f: impl Fn(&str) -> Result<(), E> + Send + Sync + 'static,
) -> Arc<dyn Validator> {
    validator::string(move |s| f(s).map_err(|e| e.to_diagnostic()))
}

/// A validator from a domain rule that explains a refusal in a sentence,
/// shown under `summary`.
pub fn kube_setting(
    summary: &'static str,
    f: fn(&str) -> Result<(), String>,
) -> Arc<dyn Validator> {
    validator::string(move |s| f(s).map_err(|e| Diagnostic::error(summary, e)))
}

/// A list or set whose length a domain rule checks; the refusal names the
/// attribute.
pub fn count<E: ToDiagnostic>(
    f: impl Fn(usize) -> Result<(), E> + Send + Sync + 'static,
) -> Arc<dyn Validator> {
    validator::from_fn(move |v| match v.as_elements() {
        Some(items) => f(items.len()).map_err(|e| e.to_diagnostic()),
        None => Ok(()),
    })
}

/// A JWS algorithm an issuer may announce for its tokens.
pub fn signing_algorithm() -> Arc<dyn Validator> {
    rule(discovery::validate_signing_algorithm)
}

/// An IAM OIDC provider's client ID (audience).
pub fn client_id() -> Arc<dyn Validator> {
    rule(oidc_provider::validate_client_id)
}

/// A CA certificate thumbprint as IAM takes it.
pub fn thumbprint() -> Arc<dyn Validator> {
    rule(oidc_provider::validate_thumbprint)
}

/// An AWS region name.
pub fn region() -> Arc<dyn Validator> {
    rule(region::validate_region)
}

/// An S3 bucket name.
pub fn bucket() -> Arc<dyn Validator> {
    rule(s3_issuer::validate_bucket_name)
}

/// An issuer URL IAM and kube-apiserver agree on.
pub fn issuer_url() -> Arc<dyn Validator> {
    rule(crate::domain::issuer::validate_issuer_url)
}

/// A `jwks_uri`: an https:// URL.
pub fn jwks_uri() -> Arc<dyn Validator> {
    rule(discovery::validate_jwks_uri)
}

/// The object key of a JWKS: never an issuer's discovery document.
pub fn jwks_key() -> Arc<dyn Validator> {
    rule(s3_issuer::validate_jwks_key)
}

/// The ARN of an IAM OIDC provider.
pub fn oidc_provider_arn() -> Arc<dyn Validator> {
    rule(|s| OidcProviderArn::parse(s).map(|_| ()))
}

/// The ARN of an IAM managed policy.
pub fn policy_arn() -> Arc<dyn Validator> {
    rule(arn::validate_policy_arn)
}

/// PEM CA certificates, parsed at validate time.
pub fn ca_certificate() -> Arc<dyn Validator> {
    rule(|s| certificates::validate_ca_certificates_pem(s).map(|_| ()))
}

/// A map of AWS tags: every key and value, the `aws:` prefix, the
/// provider's own tag reserved, at most 49.
/// Each refusal names the tag's key.
pub fn tags_map() -> Arc<dyn Validator> {
    validator::from_fn_at(|v, path, diags| {
        let Some(entries) = v.as_entries() else {
            return;
        };
        for (key, value) in entries {
            let at = path.clone().then_key(key);
            if let Err(e) = tags::validate_tag_key(key) {
                diags.push(e.to_diagnostic().at(at.clone()));
            }
            if let Some(Err(e)) = value.as_str().map(|s| tags::validate_tag_value(key, s)) {
                diags.push(e.to_diagnostic().at(at));
            }
        }
        if let Err(e) = tags::validate_user_tags(entries.keys().map(String::as_str)) {
            diags.push(e.to_diagnostic().at(path.clone()));
        }
    })
}

/// What every `tags` description says about the provider's own tag.
pub const PROVIDER_TAG_NOTE: &str = "At most 49: AWS allows 50, and everything the provider creates also \
     carries `irsa:creation-token`, which marks it as made here (so that an apply whose answer was lost \
     recognises its own object, and an import knows what the provider owns). That tag is never shown here and \
     never causes a diff.";

/// `tags`: a map of AWS tags, checked by the one tag rule, with the
/// provider's own tag reserved.
pub fn tags_attr(description: &str) -> Attr {
    Attr::string_map("tags", Mode::Optional, description).validate(tags_map())
}

/// The name of every taggable resource's merged tags.
pub const TAGS_ALL: &str = "tags_all";

/// `tags_all`: what the object carries, as hashicorp/aws shows it.
pub fn tags_all_attr() -> Attr {
    Attr::string_map(
        TAGS_ALL,
        Mode::Computed,
        "All the tags the provider manages on the object: the provider's `default_tags` with this resource's \
         `tags` over them, less the keys in the provider's `ignore_tags`. Refresh reads it back, so a tag \
         changed outside Terraform shows as drift here too.",
    )
}

/// `region`: optional, computed from the provider's when left out.
pub fn region_attr(description: &str) -> Attr {
    Attr::string("region", Mode::OptionalComputed, description).validate(region())
}

/// `public_keys_pem`: the cluster's service-account public keys.
pub fn public_keys_pem_attribute(mode: Mode) -> Attribute {
    Attribute::new(
        "public_keys_pem",
        Type::list(Type::String),
        mode,
        "PEM public keys of the cluster's service-account signer: `PUBLIC KEY` (e.g. kubeadm's `sa.pub`), \
         `RSA PUBLIC KEY` or `CERTIFICATE`. Each string may hold several PEM blocks. RSA keys need at least 2048 \
         bits; EC keys may use P-256, P-384 or P-521. Private keys are refused: pass the public half \
         (`openssl pkey -in sa.key -pubout`).",
    )
}

/// `include_legacy_empty_kid`.
pub fn legacy_kid_attribute() -> Attribute {
    Attribute::new(
        "include_legacy_empty_kid",
        Type::Bool,
        Mode::OptionalComputed,
        "Also publish each key without a `kid`, for apiservers older than Kubernetes 1.16 whose tokens carry no \
         key id. Default `false`.",
    )
}

/// Check each known PEM string at validate time.
pub fn validate_public_keys_pem(v: &Value, diags: &mut Diagnostics) {
    let Some(items) = v.as_elements() else { return };
    let path = AttrPath::attr("public_keys_pem");
    if items.is_empty() {
        diags.push(
            Diagnostic::error("No public keys", "Give at least one PEM public key.").at(path),
        );
        return;
    }
    for (i, item) in items.iter().enumerate() {
        if let Some(pem) = item.as_str() {
            if let Err(e) = keys::parse_public_keys_pem(pem) {
                diags.push(e.to_diagnostic().at(path.clone().then_index(i)));
            }
        }
    }
}

/// Parse every PEM string; errors name the element that failed.
pub fn parse_public_keys_pem(v: &Value, diags: &mut Diagnostics) -> Option<Vec<PublicKey>> {
    let mut keys = Vec::new();
    for (i, item) in v.as_elements().unwrap_or_default().iter().enumerate() {
        match keys::parse_public_keys_pem(item.as_str().unwrap_or_default()) {
            Ok(k) => keys.extend(k),
            Err(e) => diags.push(
                e.to_diagnostic()
                    .at(AttrPath::attr("public_keys_pem").then_index(i)),
            ),
        }
    }
    (!diags.has_errors()).then_some(keys)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn refusals(v: &dyn Validator, value: Value) -> Vec<String> {
        let mut diags = Diagnostics::new();
        v.validate(&value, &AttrPath::attr("tags"), &mut diags);
        diags
            .0
            .iter()
            .map(|d| d.path.as_ref().unwrap().to_string())
            .collect()
    }

    #[test]
    fn tag_refusals_name_the_key() {
        let tags = Value::Map(BTreeMap::from([
            ("aws:owner".into(), Value::string("x")),
            ("a#b".into(), Value::string("y")),
            ("ok".into(), Value::string("fine")),
        ]));
        assert_eq!(
            refusals(tags_map().as_ref(), tags),
            vec!["tags[\"a#b\"]", "tags[\"aws:owner\"]"]
        );
        let many = Value::Map(
            (0..51)
                .map(|i| (format!("k{i}"), Value::string("v")))
                .collect(),
        );
        assert_eq!(refusals(tags_map().as_ref(), many), vec!["tags"]);
    }

    #[test]
    fn region_and_ca_rules() {
        assert_eq!(
            refusals(region().as_ref(), Value::string("EU West 1")),
            vec!["tags"]
        );
        assert!(refusals(region().as_ref(), Value::string("eu-west-1")).is_empty());
        assert_eq!(
            refusals(ca_certificate().as_ref(), Value::string("nope")),
            vec!["tags"]
        );
    }
}
