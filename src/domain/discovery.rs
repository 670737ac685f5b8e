//! The OIDC discovery document (`/.well-known/openid-configuration`) of a
//! Kubernetes service-account issuer, as kube-apiserver itself serves it,
//! so that IAM (and any other relying party) reads the same fields from the
//! public copy.

use serde::{Deserialize, Serialize};

/// kube-apiserver's `authorization_endpoint`: service-account tokens are
/// never obtained through an interactive flow.
pub const AUTHORIZATION_ENDPOINT: &str = "urn:kubernetes:programmatic_authorization";

/// The JWS algorithms an issuer may announce for its ID tokens.
pub const SIGNING_ALGORITHMS: &[&str] = &[
    "RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256", "PS384", "PS512",
];

/// The default `id_token_signing_alg_values_supported`.
pub const DEFAULT_SIGNING_ALGORITHM: &str = "RS256";

/// The discovery document. Field order is the order of the JSON output.
/// Reading one ([`DiscoveryDocument::parse`]) needs only the members that
/// say where the issuer and its keys are and how it signs; the others may be
/// missing from a document another tool wrote.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiscoveryDocument {
    pub issuer: String,
    pub jwks_uri: String,
    #[serde(default)]
    pub authorization_endpoint: String,
    #[serde(default)]
    pub response_types_supported: Vec<String>,
    #[serde(default)]
    pub subject_types_supported: Vec<String>,
    pub id_token_signing_alg_values_supported: Vec<String>,
    #[serde(default)]
    pub claims_supported: Vec<String>,
}

/// A signing algorithm that no relying party would accept.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a supported signing algorithm; use one of {list}", list = SIGNING_ALGORITHMS.join(", "))]
pub struct UnknownAlgorithm(pub String);

/// Checks a JWS algorithm name.
pub fn validate_signing_algorithm(alg: &str) -> Result<(), UnknownAlgorithm> {
    if SIGNING_ALGORITHMS.contains(&alg) {
        Ok(())
    } else {
        Err(UnknownAlgorithm(alg.to_owned()))
    }
}

/// A `jwks_uri` that relying parties could not fetch.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} must be an https:// URL with a host and without whitespace")]
pub struct InvalidJwksUri(pub String);

/// Checks a `jwks_uri`: relying parties such as STS fetch it over HTTPS.
pub fn validate_jwks_uri(uri: &str) -> Result<(), InvalidJwksUri> {
    let host = uri
        .strip_prefix("https://")
        .and_then(|rest| rest.split(['/', '?', '#']).next())
        .unwrap_or_default();
    if host.is_empty() || uri.contains(char::is_whitespace) {
        return Err(InvalidJwksUri(uri.to_owned()));
    }
    Ok(())
}

impl DiscoveryDocument {
    /// The document for an issuer, in kube-apiserver's shape.
    pub fn new(issuer: &str, jwks_uri: &str, signing_algorithms: &[String]) -> DiscoveryDocument {
        let strings = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect();
        DiscoveryDocument {
            issuer: issuer.to_owned(),
            jwks_uri: jwks_uri.to_owned(),
            authorization_endpoint: AUTHORIZATION_ENDPOINT.to_owned(),
            response_types_supported: strings(&["id_token"]),
            subject_types_supported: strings(&["public"]),
            id_token_signing_alg_values_supported: signing_algorithms.to_vec(),
            claims_supported: strings(&["sub", "iss"]),
        }
    }

    /// The published bytes: indented JSON with a final newline.
    pub fn to_json(&self) -> String {
        let mut out = serde_json::to_string_pretty(self).expect("a struct of strings serializes");
        out.push('\n');
        out
    }

    /// Read a published document, e.g. to import an issuer.
    pub fn parse(json: &str) -> Option<DiscoveryDocument> {
        serde_json::from_str(json).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::test_support::assert_golden;

    #[test]
    fn golden_document() {
        let doc = DiscoveryDocument::new(
            "https://oidc-a.s3.eu-west-1.amazonaws.com/cluster-a",
            "https://oidc-a.s3.eu-west-1.amazonaws.com/cluster-a/keys.json",
            &["RS256".to_owned(), "ES256".to_owned()],
        );
        assert_golden("discovery.json", &doc.to_json());
    }

    #[test]
    fn parses_back_what_it_writes() {
        let doc = DiscoveryDocument::new("https://x/c", "https://x/c/keys.json", &["RS256".into()]);
        assert_eq!(DiscoveryDocument::parse(&doc.to_json()), Some(doc));
        assert_eq!(DiscoveryDocument::parse("{\"issuer\": 1}"), None);
    }

    #[test]
    fn a_document_written_elsewhere_needs_only_issuer_keys_and_algorithms() {
        let minimal = r#"{"issuer":"https://x/c","jwks_uri":"https://x/c/openid/v1/jwks","id_token_signing_alg_values_supported":["ES256"]}"#;
        let doc = DiscoveryDocument::parse(minimal).unwrap();
        assert_eq!(doc.jwks_uri, "https://x/c/openid/v1/jwks");
        assert_eq!(doc.id_token_signing_alg_values_supported, ["ES256"]);
        assert!(doc.claims_supported.is_empty());
        let no_algorithms = r#"{"issuer":"https://x/c","jwks_uri":"https://x/c/keys.json"}"#;
        assert_eq!(DiscoveryDocument::parse(no_algorithms), None);
    }

    #[test]
    fn jwks_uris_are_https_urls() {
        assert_eq!(validate_jwks_uri("https://x.example/c/keys.json"), Ok(()));
        for bad in [
            "http://x/k",
            "https://",
            "https:///k",
            "https://x/k y",
            "x/k",
        ] {
            assert!(validate_jwks_uri(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn algorithms_are_checked() {
        assert_eq!(validate_signing_algorithm("ES384"), Ok(()));
        let e = validate_signing_algorithm("HS256").unwrap_err();
        assert!(e.to_string().contains("RS256, RS384"), "{e}");
        assert!(validate_signing_algorithm("rs256").is_err());
    }
}
