//! The JSON Web Key Set (RFC 7517) published next to the OIDC discovery
//! document, which AWS STS fetches to verify service-account tokens.
//!
//! The document is written byte-stable: keys de-duplicated and sorted by
//! kid, members in a fixed order, pretty-printed with a 2-space indent and a
//! trailing newline, so an unchanged key set never shows a diff.

use std::collections::{BTreeMap, BTreeSet};

use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine as _;
use serde::{Deserialize, Serialize};

use super::keys::{Curve, KeyError, PublicKey};

/// Base64url: writes without padding, reads with or without it.
const BASE64URL: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Members of a private JWK (RFC 7518 §6.2.2 and §6.3.2).
const PRIVATE_MEMBERS: &[&str] = &["d", "p", "q", "dp", "dq", "qi", "oth"];

/// One public key of the set. Members are serialized in declaration order;
/// absent (`None`) members are left out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwk {
    /// `use`: always `"sig"` for keys written here.
    #[serde(rename = "use", default, skip_serializing_if = "Option::is_none")]
    pub use_: Option<String>,
    /// `kty`: `"RSA"` or `"EC"`.
    pub kty: String,
    /// `kid`: the Kubernetes key ID; `None` for the legacy kid-less entry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
    /// `alg`: `RS256`, `ES256`, `ES384` or `ES512`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alg: Option<String>,
    /// RSA modulus, unpadded base64url of the big-endian value without a
    /// leading zero byte.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<String>,
    /// RSA public exponent, unpadded base64url.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub e: Option<String>,
    /// EC curve: `"P-256"`, `"P-384"` or `"P-521"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crv: Option<String>,
    /// EC x coordinate, fixed length (32/48/66 bytes), unpadded base64url.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x: Option<String>,
    /// EC y coordinate, fixed length (32/48/66 bytes), unpadded base64url.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub y: Option<String>,
}

/// The JWK for `key`, with the given `kid` member (or none).
pub fn jwk_for(key: &PublicKey, kid: Option<String>) -> Jwk {
    let encode = |bytes: &[u8]| Some(BASE64URL.encode(bytes));
    let mut jwk = Jwk {
        use_: Some("sig".to_string()),
        kty: String::new(),
        kid,
        alg: Some(key.algorithm().as_str().to_string()),
        n: None,
        e: None,
        crv: None,
        x: None,
        y: None,
    };
    if let Some((n, e)) = key.rsa_components() {
        jwk.kty = "RSA".to_string();
        jwk.n = encode(n);
        jwk.e = encode(e);
    } else if let Some((curve, x, y)) = key.ec_point() {
        jwk.kty = "EC".to_string();
        jwk.crv = Some(curve.jwk_name().to_string());
        jwk.x = encode(x);
        jwk.y = encode(y);
    }
    jwk
}

/// A JSON Web Key Set: `{"keys": [...]}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwks {
    /// The keys, in document order.
    pub keys: Vec<Jwk>,
}

/// Builds the key set for `keys`.
///
/// Keys are de-duplicated by kid and sorted by kid, so the result does not
/// depend on input order. With `include_legacy_empty_kid`, every key is
/// listed a second time without a `kid` member, after all the kid entries
/// and in the same order: kube-apiserver before 1.16 signed tokens without
/// a `kid` header, and verifiers only match such tokens against kid-less
/// keys.
pub fn build_jwks(keys: &[PublicKey], include_legacy_empty_kid: bool) -> Jwks {
    let mut by_kid: BTreeMap<String, &PublicKey> = BTreeMap::new();
    for key in keys {
        by_kid.entry(key.kid()).or_insert(key);
    }
    let mut entries: Vec<Jwk> = by_kid
        .iter()
        .map(|(kid, key)| jwk_for(key, Some(kid.clone())))
        .collect();
    if include_legacy_empty_kid {
        entries.extend(by_kid.values().map(|key| jwk_for(key, None)));
    }
    Jwks { keys: entries }
}

impl Jwks {
    /// The document as pretty JSON: 2-space indent, members in a fixed
    /// order, trailing newline. Equal sets give identical bytes.
    pub fn to_json(&self) -> String {
        // Only strings and vectors are serialized, which cannot fail.
        let mut json = serde_json::to_string_pretty(self).expect("a JWKS always serializes");
        json.push('\n');
        json
    }

    /// The distinct kids, in document order (kid-less entries skipped).
    pub fn kids(&self) -> Vec<String> {
        let mut seen = BTreeSet::new();
        self.keys
            .iter()
            .filter_map(|jwk| jwk.kid.clone())
            .filter(|kid| seen.insert(kid.clone()))
            .collect()
    }

    /// The distinct `alg` values, sorted.
    pub fn algorithms(&self) -> Vec<String> {
        let algorithms: BTreeSet<String> =
            self.keys.iter().filter_map(|jwk| jwk.alg.clone()).collect();
        algorithms.into_iter().collect()
    }
}

/// Why a JWKS document could not be read back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwksError {
    /// The document is not JSON.
    #[error("the JWKS is not valid JSON ({reason}); expected an object like {{\"keys\": [...]}}")]
    InvalidJson {
        /// The JSON parser's description of the problem.
        reason: String,
    },

    /// The document has no `keys` array.
    #[error("the JWKS has no \"keys\" array; expected an object like {{\"keys\": [...]}}")]
    MissingKeys,

    /// An entry of `keys` is not a well-formed JWK object.
    #[error("keys[{index}] is not a valid JWK: {reason}")]
    InvalidJwk {
        /// 0-based position in `keys`.
        index: usize,
        /// What is wrong with the entry.
        reason: String,
    },

    /// An entry holds private key members, which must never be published.
    #[error(
        "keys[{index}] contains private key material (member \"{member}\"). A JWKS is public: \
         publish only the public key, and treat this key as compromised and rotate it"
    )]
    PrivateKeyMaterial {
        /// 0-based position in `keys`.
        index: usize,
        /// The private member found, e.g. `d`.
        member: &'static str,
    },

    /// An entry's `kty` is neither `RSA` nor `EC`.
    #[error(
        "keys[{index}] has \"kty\": \"{kty}\"; Kubernetes service-account tokens are signed \
         only with \"RSA\" or \"EC\" keys"
    )]
    UnsupportedKeyType {
        /// 0-based position in `keys`.
        index: usize,
        /// The `kty` found.
        kty: String,
    },

    /// A member required for the entry's key type is absent.
    #[error(
        "keys[{index}] has \"kty\": \"{kty}\" but no \"{member}\" member, which that key type \
         requires"
    )]
    MissingMember {
        /// 0-based position in `keys`.
        index: usize,
        /// The entry's `kty`.
        kty: String,
        /// The missing member.
        member: &'static str,
    },

    /// A binary member is not base64url.
    #[error(
        "keys[{index}].{member} is not valid base64url (RFC 7515: URL-safe alphabet, no padding)"
    )]
    InvalidBase64 {
        /// 0-based position in `keys`.
        index: usize,
        /// The member that failed to decode.
        member: &'static str,
    },

    /// An EC entry's `crv` is not P-256, P-384 or P-521.
    #[error(
        "keys[{index}] has \"crv\": \"{crv}\"; supported curves are \"P-256\", \"P-384\" and \
         \"P-521\""
    )]
    UnsupportedCurve {
        /// 0-based position in `keys`.
        index: usize,
        /// The `crv` found.
        crv: String,
    },

    /// An EC coordinate is not the curve's fixed length.
    #[error(
        "keys[{index}].{member} is {actual} bytes long, but {crv} coordinates are exactly \
         {expected} bytes (RFC 7518 §6.2.1.2: keep leading zero bytes)"
    )]
    CoordinateLength {
        /// 0-based position in `keys`.
        index: usize,
        /// `"x"` or `"y"`.
        member: &'static str,
        /// The entry's curve.
        crv: Curve,
        /// The curve's coordinate length.
        expected: usize,
        /// The decoded length.
        actual: usize,
    },

    /// An entry's `use` is not `sig`.
    #[error("keys[{index}] has \"use\": \"{value}\"; keys that verify tokens must have \"use\": \"sig\"")]
    UnsupportedUse {
        /// 0-based position in `keys`.
        index: usize,
        /// The `use` found.
        value: String,
    },

    /// An entry's `alg` does not match its key.
    #[error(
        "keys[{index}] has \"alg\": \"{alg}\", but Kubernetes signs with \"{expected}\" for \
         this key; fix the \"alg\" member"
    )]
    AlgorithmMismatch {
        /// 0-based position in `keys`.
        index: usize,
        /// The `alg` found.
        alg: String,
        /// The algorithm the key implies.
        expected: &'static str,
    },

    /// The entry's numbers do not form an acceptable key.
    #[error("keys[{index}]: {source}")]
    InvalidKey {
        /// 0-based position in `keys`.
        index: usize,
        /// Why the key was refused.
        #[source]
        source: KeyError,
    },
}

/// Reads a JWKS back into keys.
///
/// Returns, in document order, each entry's served `kid` (if any) with its
/// key rebuilt from `n`/`e` or `crv`/`x`/`y`; the rebuilt key's own
/// [`PublicKey::kid`] may be compared with the served one.
pub fn parse_jwks(json: &str) -> Result<Vec<(Option<String>, PublicKey)>, JwksError> {
    let document: serde_json::Value =
        serde_json::from_str(json).map_err(|e| JwksError::InvalidJson {
            reason: e.to_string(),
        })?;
    let entries = document
        .get("keys")
        .and_then(serde_json::Value::as_array)
        .ok_or(JwksError::MissingKeys)?;
    entries
        .iter()
        .enumerate()
        .map(|(index, entry)| parse_entry(index, entry))
        .collect()
}

/// Checks and converts one entry of `keys`.
fn parse_entry(
    index: usize,
    entry: &serde_json::Value,
) -> Result<(Option<String>, PublicKey), JwksError> {
    if let Some(object) = entry.as_object() {
        if let Some(member) = PRIVATE_MEMBERS.iter().find(|m| object.contains_key(**m)) {
            return Err(JwksError::PrivateKeyMaterial { index, member });
        }
    }
    let jwk = Jwk::deserialize(entry).map_err(|e| JwksError::InvalidJwk {
        index,
        reason: e.to_string(),
    })?;
    if let Some(value) = jwk.use_.as_ref().filter(|u| *u != "sig") {
        return Err(JwksError::UnsupportedUse {
            index,
            value: value.clone(),
        });
    }
    let key = match jwk.kty.as_str() {
        "RSA" => rsa_key(index, &jwk)?,
        "EC" => ec_key(index, &jwk)?,
        other => {
            return Err(JwksError::UnsupportedKeyType {
                index,
                kty: other.to_string(),
            })
        }
    };
    let expected = key.algorithm().as_str();
    if let Some(alg) = jwk.alg.as_ref().filter(|a| *a != expected) {
        return Err(JwksError::AlgorithmMismatch {
            index,
            alg: alg.clone(),
            expected,
        });
    }
    Ok((jwk.kid, key))
}

/// Rebuilds an RSA key from `n` and `e`.
fn rsa_key(index: usize, jwk: &Jwk) -> Result<PublicKey, JwksError> {
    let n = decode_member(index, jwk, "n", &jwk.n)?;
    let e = decode_member(index, jwk, "e", &jwk.e)?;
    PublicKey::from_rsa_components(&n, &e).map_err(|source| JwksError::InvalidKey { index, source })
}

/// Rebuilds an EC key from `crv`, `x` and `y`, checking coordinate lengths.
fn ec_key(index: usize, jwk: &Jwk) -> Result<PublicKey, JwksError> {
    let crv = required(index, jwk, "crv", &jwk.crv)?;
    let curve = Curve::from_jwk_name(crv).ok_or_else(|| JwksError::UnsupportedCurve {
        index,
        crv: crv.to_string(),
    })?;
    let x = decode_member(index, jwk, "x", &jwk.x)?;
    let y = decode_member(index, jwk, "y", &jwk.y)?;
    for (member, coordinate) in [("x", &x), ("y", &y)] {
        if coordinate.len() != curve.coordinate_len() {
            return Err(JwksError::CoordinateLength {
                index,
                member,
                crv: curve,
                expected: curve.coordinate_len(),
                actual: coordinate.len(),
            });
        }
    }
    PublicKey::from_ec_point(curve, &x, &y)
        .map_err(|source| JwksError::InvalidKey { index, source })
}

/// A required string member, or [`JwksError::MissingMember`].
fn required<'a>(
    index: usize,
    jwk: &Jwk,
    member: &'static str,
    value: &'a Option<String>,
) -> Result<&'a str, JwksError> {
    value.as_deref().ok_or_else(|| JwksError::MissingMember {
        index,
        kty: jwk.kty.clone(),
        member,
    })
}

/// A required base64url member, decoded.
fn decode_member(
    index: usize,
    jwk: &Jwk,
    member: &'static str,
    value: &Option<String>,
) -> Result<Vec<u8>, JwksError> {
    let text = required(index, jwk, member, value)?;
    BASE64URL
        .decode(text)
        .map_err(|_| JwksError::InvalidBase64 { index, member })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::keys::KeyAlgorithm;
    use crate::domain::test_support::*;

    /// Decodes an unpadded base64url member.
    fn decode(value: &Option<String>) -> Vec<u8> {
        let text = value.as_deref().expect("member present");
        assert!(!text.contains('='), "padding in {text}");
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(text)
            .expect("base64url")
    }

    /// A one-key JWKS built from a JSON object literal.
    fn one(jwk: &str) -> String {
        format!("{{\"keys\": [{jwk}]}}")
    }

    /// The JSON of `jwk_for(key)` with `member` replaced by `value`.
    fn tweaked(pem: &str, member: &str, value: serde_json::Value) -> String {
        let mut entry = serde_json::to_value(jwk_for(&key(pem), Some("k".into()))).expect("json");
        entry[member] = value;
        one(&entry.to_string())
    }

    #[test]
    fn golden_all_key_types() {
        let jwks = build_jwks(&all_supported_keys(), false);
        assert_golden("jwks_all.json", &jwks.to_json());
    }

    #[test]
    fn golden_with_legacy_entries() {
        let jwks = build_jwks(&[key(RSA2048), key(EC_P256)], true);
        assert_golden("jwks_legacy.json", &jwks.to_json());
    }

    #[test]
    fn empty_set() {
        assert_eq!(build_jwks(&[], true).to_json(), "{\n  \"keys\": []\n}\n");
    }

    #[test]
    fn output_is_independent_of_input_order_and_duplicates() {
        let keys = all_supported_keys();
        let mut shuffled: Vec<PublicKey> = keys.iter().rev().cloned().collect();
        shuffled.extend(keys.iter().cloned());
        shuffled.push(key(RSA2048_PKCS1));
        let a = build_jwks(&keys, true);
        let b = build_jwks(&shuffled, true);
        assert_eq!(a.to_json(), b.to_json());
        assert_eq!(a.keys.len(), 10);
        let kids = a.kids();
        let mut sorted = kids.clone();
        sorted.sort();
        assert_eq!(kids, sorted);
        assert_eq!(kids.len(), 5);
    }

    #[test]
    fn legacy_entries_follow_in_the_same_order_without_kid() {
        let jwks = build_jwks(&all_supported_keys(), true);
        let (with_kid, legacy) = jwks.keys.split_at(5);
        for (a, b) in with_kid.iter().zip(legacy) {
            assert!(a.kid.is_some());
            assert_eq!(b.kid, None);
            assert_eq!(
                Jwk {
                    kid: None,
                    ..a.clone()
                },
                *b
            );
        }
        assert!(!jwks.to_json().contains("\"kid\": null"));
    }

    #[test]
    fn members_match_openssl_values() {
        let rsa = jwk_for(&key(RSA2048), None);
        assert_eq!(rsa.kty, "RSA");
        assert_eq!(rsa.use_.as_deref(), Some("sig"));
        assert_eq!(rsa.alg.as_deref(), Some("RS256"));
        let n = decode(&rsa.n);
        assert_eq!(n.len(), 256, "no leading zero byte");
        assert_eq!(n, hex(include_str!("testdata/rsa2048.modulus.txt")));
        assert_eq!(decode(&rsa.e), [1, 0, 1]);
        assert_eq!(rsa.e.as_deref(), Some("AQAB"));

        for (pem, point, crv, alg, len) in [
            (
                EC_P256,
                include_str!("testdata/ec_p256.point.txt"),
                "P-256",
                "ES256",
                32,
            ),
            (
                EC_P384,
                include_str!("testdata/ec_p384.point.txt"),
                "P-384",
                "ES384",
                48,
            ),
            (
                EC_P521,
                include_str!("testdata/ec_p521.point.txt"),
                "P-521",
                "ES512",
                66,
            ),
        ] {
            let jwk = jwk_for(&key(pem), None);
            let point = hex(point);
            assert_eq!(jwk.kty, "EC");
            assert_eq!(jwk.crv.as_deref(), Some(crv));
            assert_eq!(jwk.alg.as_deref(), Some(alg));
            assert_eq!(decode(&jwk.x), &point[1..=len]);
            assert_eq!(decode(&jwk.y), &point[1 + len..]);
            assert!(jwk.n.is_none() && jwk.e.is_none());
        }
    }

    #[test]
    fn kids_and_algorithms() {
        let jwks = build_jwks(&all_supported_keys(), true);
        assert_eq!(jwks.algorithms(), ["ES256", "ES384", "ES512", "RS256"]);
        let mut expected: Vec<&str> = [
            "rsa2048.pub.pem",
            "rsa4096.pub.pem",
            "ec_p256.pub.pem",
            "ec_p384.pub.pem",
            "ec_p521.pub.pem",
        ]
        .into_iter()
        .map(expected_kid)
        .collect();
        expected.sort();
        assert_eq!(jwks.kids(), expected);
    }

    #[test]
    fn round_trip_keeps_kids_and_keys() {
        let keys = all_supported_keys();
        let jwks = build_jwks(&keys, true);
        let parsed = parse_jwks(&jwks.to_json()).expect("own output parses");
        assert_eq!(parsed.len(), 10);
        for ((served, key), jwk) in parsed.iter().zip(&jwks.keys) {
            assert_eq!(*served, jwk.kid);
            if let Some(served) = served {
                assert_eq!(*served, key.kid());
            }
            assert_eq!(jwk_for(key, jwk.kid.clone()), *jwk);
        }
        let rebuilt: Vec<PublicKey> = parsed.into_iter().map(|(_, key)| key).collect();
        assert_eq!(build_jwks(&rebuilt, true), jwks);
        let typed: Jwks = serde_json::from_str(&jwks.to_json()).expect("serde round trip");
        assert_eq!(typed, jwks);
    }

    #[test]
    fn lenient_reading() {
        // Padding, missing use/alg, unknown members and a leading zero in n.
        let mut entry = serde_json::to_value(jwk_for(&key(RSA2048), None)).expect("json");
        let mut n = vec![0u8];
        n.extend(decode(&jwk_for(&key(RSA2048), None).n));
        entry["n"] = base64::engine::general_purpose::URL_SAFE.encode(n).into();
        entry.as_object_mut().expect("object").remove("use");
        entry.as_object_mut().expect("object").remove("alg");
        entry["x5t"] = "ignored".into();
        let parsed = parse_jwks(&one(&entry.to_string())).expect("accepted");
        assert_eq!(parsed[0].1.kid(), expected_kid("rsa2048.pub.pem"));
        assert_eq!(parsed[0].1.algorithm(), KeyAlgorithm::RS256);
    }

    #[test]
    fn document_errors() {
        assert!(matches!(
            parse_jwks("{"),
            Err(JwksError::InvalidJson { .. })
        ));
        assert_eq!(parse_jwks("{\"keys\": 3}"), Err(JwksError::MissingKeys));
        assert_eq!(parse_jwks("[]"), Err(JwksError::MissingKeys));
        assert!(matches!(
            parse_jwks(&one("{\"kid\": \"x\"}")),
            Err(JwksError::InvalidJwk { index: 0, .. })
        ));
        assert!(matches!(
            parse_jwks(&one("\"not an object\"")),
            Err(JwksError::InvalidJwk { index: 0, .. })
        ));
        assert_eq!(parse_jwks("{\"keys\": []}"), Ok(vec![]));
    }

    #[test]
    fn entry_errors() {
        assert_eq!(
            parse_jwks(&tweaked(RSA2048, "kty", "OKP".into())),
            Err(JwksError::UnsupportedKeyType {
                index: 0,
                kty: "OKP".into()
            })
        );
        assert_eq!(
            parse_jwks(&tweaked(RSA2048, "n", serde_json::Value::Null)),
            Err(JwksError::MissingMember {
                index: 0,
                kty: "RSA".into(),
                member: "n"
            })
        );
        assert_eq!(
            parse_jwks(&tweaked(RSA2048, "e", "A+B/".into())),
            Err(JwksError::InvalidBase64 {
                index: 0,
                member: "e"
            })
        );
        assert_eq!(
            parse_jwks(&tweaked(RSA2048, "alg", "PS256".into())),
            Err(JwksError::AlgorithmMismatch {
                index: 0,
                alg: "PS256".into(),
                expected: "RS256"
            })
        );
        assert_eq!(
            parse_jwks(&tweaked(EC_P256, "use", "enc".into())),
            Err(JwksError::UnsupportedUse {
                index: 0,
                value: "enc".into()
            })
        );
        assert_eq!(
            parse_jwks(&tweaked(EC_P256, "crv", "P-192".into())),
            Err(JwksError::UnsupportedCurve {
                index: 0,
                crv: "P-192".into()
            })
        );
        assert_eq!(
            parse_jwks(&tweaked(EC_P256, "d", "AAAA".into())),
            Err(JwksError::PrivateKeyMaterial {
                index: 0,
                member: "d"
            })
        );
    }

    #[test]
    fn coordinate_lengths_are_checked() {
        let jwk = jwk_for(&key(EC_P521), None);
        let x = decode(&jwk.x);
        let short = BASE64URL.encode(&x[1..]);
        let json = format!(
            "{{\"keys\": [{}, {}]}}",
            serde_json::to_string(&jwk).expect("json"),
            tweaked(EC_P521, "x", short.into())
                .trim_start_matches("{\"keys\": [")
                .trim_end_matches("]}")
        );
        let error = parse_jwks(&json).expect_err("short x");
        assert_eq!(
            error,
            JwksError::CoordinateLength {
                index: 1,
                member: "x",
                crv: Curve::P521,
                expected: 66,
                actual: 65
            }
        );
        assert!(error.to_string().contains("keys[1].x is 65 bytes"));
    }

    #[test]
    fn weak_rsa_key_is_refused() {
        let json = one(&format!(
            "{{\"kty\": \"RSA\", \"n\": \"{}\", \"e\": \"AQAB\"}}",
            BASE64URL.encode([0xff; 128])
        ));
        assert_eq!(
            parse_jwks(&json),
            Err(JwksError::InvalidKey {
                index: 0,
                source: KeyError::RsaKeyTooSmall {
                    block: None,
                    bits: 1024
                }
            })
        );
    }
}
