//! Attributes and checks shared by several resources and data sources, so
//! that one definition feeds both the validator and the docs.

use crate::domain::keys::{self, PublicKey};
use crate::errors::ToDiagnostic;
use crate::tfplugin::{AttrPath, Attribute, Diagnostic, Diagnostics, Mode, Type, Value};

/// A string attribute of an object value, owned; `None` when null or unknown.
pub fn text(v: &Value, name: &str) -> Option<String> {
    v.attr(name).as_str().map(str::to_owned)
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
