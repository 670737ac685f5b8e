//! The rules for taking service-account public keys from a running cluster,
//! and for publishing them next to an issuer.
//!
//! Two sources exist. A Cluster API management cluster keeps each workload
//! cluster's signing key pair in the secret `<cluster>-sa`; its `tls.crt`
//! holds the public half as PEM (a `PUBLIC KEY`, sometimes a certificate or a
//! bundle). A running apiserver serves its own key set at
//! `/openid/v1/jwks`. A served key set is only trusted as far as its key
//! material goes: each `kid` is derived again from the key, and a key whose
//! served `kid` differs is refused, because tokens would name a key that no
//! verifier could find.

use std::collections::BTreeSet;

use crate::domain::jwks::{self, JwksError};
use crate::domain::keys::{self, KeyError, PublicKey};
use crate::domain::service_account::check_rfc1123;

/// The key of the Cluster API secret that holds the public key.
pub const DEFAULT_SECRET_KEY: &str = "tls.crt";

/// A secret reference that Kubernetes would refuse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretRefError {
    /// The namespace is not an RFC 1123 label.
    #[error("namespace {value:?} {reason}; namespaces are DNS labels (at most 63 characters)")]
    Namespace { value: String, reason: String },
    /// The name is not an RFC 1123 subdomain.
    #[error(
        "secret name {value:?} {reason}; secret names are DNS subdomains (at most 253 characters)"
    )]
    Name { value: String, reason: String },
    /// The key is not a valid data key of a secret.
    #[error("secret key {value:?} {reason}; keys of a secret's data use a-z, A-Z, 0-9, '-', '_' and '.'")]
    Key { value: String, reason: String },
}

/// Checks a namespace.
pub fn validate_namespace(value: &str) -> Result<(), SecretRefError> {
    check_rfc1123(value, 63, false, false).map_err(|reason| SecretRefError::Namespace {
        value: value.to_owned(),
        reason,
    })
}

/// Checks a secret name.
pub fn validate_secret_name(value: &str) -> Result<(), SecretRefError> {
    check_rfc1123(value, 253, true, false).map_err(|reason| SecretRefError::Name {
        value: value.to_owned(),
        reason,
    })
}

/// Checks a key of a secret's data.
pub fn validate_secret_key(value: &str) -> Result<(), SecretRefError> {
    let err = |reason: &str| SecretRefError::Key {
        value: value.to_owned(),
        reason: reason.to_owned(),
    };
    if value.is_empty() {
        return Err(err("is empty"));
    }
    if value.len() > 253 {
        return Err(err("is longer than 253 characters"));
    }
    if value == "." || value == ".." {
        return Err(err("is not a file name"));
    }
    if !value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err(err("contains a character that is not allowed"));
    }
    Ok(())
}

/// Why the keys a cluster gave could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClusterKeysError {
    /// The secret's value is not a usable PEM public key.
    #[error("the value of key {key:?} of secret {namespace}/{name} is not a usable public key: {source}")]
    SecretPem {
        namespace: String,
        name: String,
        key: String,
        #[source]
        source: Box<KeyError>,
    },
    /// The served key set could not be read.
    #[error("the apiserver's /openid/v1/jwks could not be read: {0}")]
    Jwks(#[source] JwksError),
    /// The served key set is empty.
    #[error("the apiserver's /openid/v1/jwks lists no keys")]
    NoKeys,
    /// A served key's `kid` is not the one derived from its key material.
    #[error(
        "keys[{index}] of the apiserver's /openid/v1/jwks is served with kid {served:?}, but its key \
         material gives kid {derived:?}. Kubernetes derives the kid from the key, so this key set was \
         altered or comes from elsewhere; it is not published"
    )]
    KidMismatch {
        index: usize,
        served: String,
        derived: String,
    },
}

/// The keys held in a secret's value (`tls.crt` of `<cluster>-sa`).
pub fn keys_from_secret(
    namespace: &str,
    name: &str,
    key: &str,
    value: &str,
) -> Result<Vec<PublicKey>, ClusterKeysError> {
    keys::parse_public_keys_pem(value).map_err(|source| ClusterKeysError::SecretPem {
        namespace: namespace.to_owned(),
        name: name.to_owned(),
        key: key.to_owned(),
        source: Box::new(source),
    })
}

/// The keys of a served JWKS, each checked against its served `kid`.
/// Entries served without a `kid` (the legacy kid-less form) are accepted:
/// their kid is derived.
pub fn keys_from_served_jwks(json: &str) -> Result<Vec<PublicKey>, ClusterKeysError> {
    let entries = jwks::parse_jwks(json).map_err(ClusterKeysError::Jwks)?;
    if entries.is_empty() {
        return Err(ClusterKeysError::NoKeys);
    }
    entries
        .into_iter()
        .enumerate()
        .map(|(index, (served, key))| match served {
            Some(served) if served != key.kid() => Err(ClusterKeysError::KidMismatch {
                index,
                served,
                derived: key.kid(),
            }),
            _ => Ok(key),
        })
        .collect()
}

/// The algorithms of `algorithms` that `advertised` does not list, sorted.
pub fn unadvertised(algorithms: &[String], advertised: &[String]) -> Vec<String> {
    let advertised: BTreeSet<&str> = advertised.iter().map(String::as_str).collect();
    let missing: BTreeSet<&str> = algorithms
        .iter()
        .map(String::as_str)
        .filter(|a| !advertised.contains(a))
        .collect();
    missing.into_iter().map(str::to_owned).collect()
}

/// Where the discovery document of the issuer that publishes its key set at
/// `jwks_key` may be: `.well-known/openid-configuration` in the key's
/// folder and in each folder above it, nearest first.
pub fn discovery_candidates(jwks_key: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut dir = jwks_key.rsplit_once('/').map(|(d, _)| d);
    loop {
        match dir {
            Some(d) if !d.is_empty() => {
                out.push(format!("{d}/.well-known/openid-configuration"));
                dir = d.rsplit_once('/').map(|(up, _)| up);
            }
            _ => {
                out.push(".well-known/openid-configuration".to_owned());
                return out;
            }
        }
    }
}

/// Splits an import id `<bucket>/<key>`.
pub fn split_object_id(id: &str) -> Option<(&str, &str)> {
    id.split_once('/')
        .filter(|(bucket, key)| !bucket.is_empty() && !key.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::jwks::build_jwks;
    use crate::domain::test_support::*;

    #[test]
    fn secret_references_follow_kubernetes_rules() {
        assert!(validate_namespace("default").is_ok());
        assert!(validate_namespace("tkg-system").is_ok());
        assert!(validate_namespace("Default").is_err());
        assert!(validate_namespace("a.b").is_err());
        // IAM's wildcards belong to trust policies, not to object names.
        assert!(validate_namespace("tkg-*").is_err());
        assert!(validate_secret_name("?-sa").is_err());
        assert!(validate_namespace(&"a".repeat(64)).is_err());
        assert!(validate_secret_name("workload-1-sa").is_ok());
        assert!(validate_secret_name("a.b-c").is_ok());
        assert!(validate_secret_name("-sa").is_err());
        assert!(validate_secret_name("a..b").is_err());
        assert!(validate_secret_key("tls.crt").is_ok());
        assert!(validate_secret_key("ca_bundle-1.pem").is_ok());
        assert!(validate_secret_key("tls/crt").is_err());
        assert!(validate_secret_key("").is_err());
        assert!(validate_secret_key("..").is_err());
    }

    #[test]
    fn a_secret_value_may_be_a_key_a_certificate_or_a_bundle() {
        let pub_pem = RSA2048;
        let cert_pem = RSA2048_CERT;
        let one = keys_from_secret("default", "c1-sa", "tls.crt", pub_pem).unwrap();
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].kid(), expected_kid("rsa2048.pub.pem"));
        let cert = keys_from_secret("default", "c1-sa", "tls.crt", cert_pem).unwrap();
        assert_eq!(cert[0].kid(), expected_kid("rsa2048.pub.pem"));
        let bundle = format!("{pub_pem}{EC_P256}");
        assert_eq!(
            keys_from_secret("default", "c1-sa", "tls.crt", &bundle)
                .unwrap()
                .len(),
            2
        );
    }

    #[test]
    fn a_private_key_in_the_secret_value_is_refused_with_its_location() {
        let err = keys_from_secret("ns", "c1-sa", "tls.key", PRIVATE_PKCS8).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("ns/c1-sa"), "{text}");
        assert!(text.contains("tls.key"), "{text}");
        assert!(text.to_lowercase().contains("private"), "{text}");
    }

    #[test]
    fn served_keys_keep_their_kid_only_when_it_matches_the_key() {
        let keys = vec![key(RSA2048), key(EC_P256)];
        let served = build_jwks(&keys, true).to_json();
        let back = keys_from_served_jwks(&served).unwrap();
        // Two kid entries and their two kid-less copies.
        assert_eq!(back.len(), 4);
        assert_eq!(build_jwks(&back, true).to_json(), served);

        let kid = keys[0].kid();
        let forged = served.replacen(&kid, "not-the-derived-kid", 1);
        match keys_from_served_jwks(&forged) {
            Err(ClusterKeysError::KidMismatch {
                served, derived, ..
            }) => {
                assert_eq!(served, "not-the-derived-kid");
                assert_eq!(derived, kid);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            keys_from_served_jwks("{\"keys\": []}"),
            Err(ClusterKeysError::NoKeys)
        );
        assert!(matches!(
            keys_from_served_jwks("<html>"),
            Err(ClusterKeysError::Jwks(_))
        ));
    }

    #[test]
    fn unadvertised_lists_what_the_issuer_does_not_announce() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert!(unadvertised(&s(&["RS256"]), &s(&["RS256", "ES256"])).is_empty());
        assert_eq!(
            unadvertised(&s(&["RS256", "ES384", "ES256"]), &s(&["RS256"])),
            s(&["ES256", "ES384"])
        );
    }

    #[test]
    fn discovery_candidates_walk_up_from_the_key() {
        assert_eq!(
            discovery_candidates("c/prod/keys.json"),
            [
                "c/prod/.well-known/openid-configuration",
                "c/.well-known/openid-configuration",
                ".well-known/openid-configuration"
            ]
        );
        assert_eq!(
            discovery_candidates("keys.json"),
            [".well-known/openid-configuration"]
        );
    }

    #[test]
    fn object_ids_split_at_the_first_slash() {
        assert_eq!(
            split_object_id("bucket/c/prod/keys.json"),
            Some(("bucket", "c/prod/keys.json"))
        );
        assert_eq!(split_object_id("bucket"), None);
        assert_eq!(split_object_id("bucket/"), None);
        assert_eq!(split_object_id("/keys.json"), None);
    }
}
