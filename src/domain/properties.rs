//! Property tests of the domain code that reads outside input: PEM blocks
//! and keys, key sets served by clusters, secret payloads, policy JSON, CA
//! certificates, tags, regions, names, `NO_PROXY`. Whatever the input, none
//! may panic, and every refusal is a typed error. Case counts are bounded
//! so that `make test` stays fast.

use proptest::prelude::*;

use super::test_support::RSA2048;
use super::{
    certificates, cluster_keys, issuer, jwks, keys, policy_json, proxy, region, s3_issuer, tags,
};

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Text that looks like PEM often enough to reach the decoders: armour
/// lines with known and unknown labels around base64-ish bodies.
fn pem_like() -> impl Strategy<Value = String> {
    let label = prop_oneof![
        Just("PUBLIC KEY".to_owned()),
        Just("RSA PUBLIC KEY".to_owned()),
        Just("CERTIFICATE".to_owned()),
        Just("EC PRIVATE KEY".to_owned()),
        "[A-Z ]{0,12}",
    ];
    let body = "[A-Za-z0-9+/=\n]{0,200}";
    (label, body, any::<bool>(), ".{0,20}").prop_map(|(label, body, close, junk)| {
        let end = if close {
            format!("-----END {label}-----\n")
        } else {
            String::new()
        };
        format!("{junk}-----BEGIN {label}-----\n{body}\n{end}")
    })
}

/// A real key with one byte of its base64 changed, or cut short.
fn mutated_key() -> impl Strategy<Value = String> {
    let len = RSA2048.len();
    (0..len, any::<u8>(), any::<bool>()).prop_map(move |(at, byte, cut)| {
        let mut bytes = RSA2048.as_bytes().to_vec();
        if cut {
            bytes.truncate(at);
        } else {
            bytes[at] = b'!' + byte % 90;
        }
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn pem_input_never_panics(text in prop_oneof![pem_like(), mutated_key(), ".{0,300}"]) {
        let _ = keys::parse_public_keys_pem(&text);
        let _ = certificates::validate_ca_certificates_pem(&text);
        let _ = cluster_keys::keys_from_secret("ns", "name", "tls.crt", &text);
    }

    #[test]
    fn keys_that_parse_have_a_stable_kid_and_round_trip(text in mutated_key()) {
        if let Ok(parsed) = keys::parse_public_keys_pem(&text) {
            for key in parsed {
                let again = keys::parse_public_keys_pem(&key.to_pem()).unwrap();
                prop_assert_eq!(again[0].kid(), key.kid());
            }
        }
    }

    #[test]
    fn served_key_sets_never_panic(json in prop_oneof![
        ".{0,200}",
        "\\{\"keys\":\\[\\{\"kty\":\"(RSA|EC|oct)\",\"kid\":\"[a-z]{0,5}\",\"n\":\"[A-Za-z0-9_-]{0,40}\",\"e\":\"[A-Z]{0,4}\",\"crv\":\"P-(256|384)\",\"x\":\"[A-Za-z0-9_-]{0,20}\",\"y\":\"[a-z]{0,20}\"\\}\\]\\}",
    ]) {
        let _ = jwks::parse_jwks(&json);
        let _ = cluster_keys::keys_from_served_jwks(&json);
    }

    #[test]
    fn policy_comparison_never_panics_and_is_reflexive(a in ".{0,100}", b in "\\{\"Statement\":\\[\\{\"Effect\":\"(Allow|Deny)\",\"Action\":\\[\"s3:[A-Za-z*]{0,8}\"\\]\\}\\]\\}") {
        let _ = policy_json::parse_policy(&a);
        let _ = policy_json::semantically_equal(&a, &b);
        prop_assert!(policy_json::semantically_equal(&b, &b));
        let _ = policy_json::pretty(&a);
    }

    #[test]
    fn names_and_values_never_panic(s in ".{0,80}", port in any::<u16>()) {
        let _ = tags::validate_tags([(s.as_str(), s.as_str())]);
        let _ = region::validate_region(&s);
        let _ = s3_issuer::validate_bucket_name(&s);
        let _ = s3_issuer::validate_jwks_key(&s);
        let _ = s3_issuer::validate_prefix(&s);
        let _ = issuer::validate_issuer_url(&s);
        let _ = proxy::bypasses(&s, &s, port);
        let _ = proxy::expand_home(&s, Some("/home/x"));
    }
}
