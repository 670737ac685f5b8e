//! Fixtures and golden-file helpers shared by the domain tests.
//!
//! The PEM fixtures and the expected values next to them (`kids.txt`,
//! `*.modulus.txt`, `*.exponent.txt`, `*.point.txt`) were produced with
//! `openssl`, independently of the code under test; see
//! `testdata/README.md`.

use std::path::PathBuf;

use super::keys::{parse_public_keys_pem, PublicKey};

/// RSA 2048-bit key, SPKI form.
pub const RSA2048: &str = include_str!("testdata/rsa2048.pub.pem");
/// The same RSA 2048-bit key, PKCS#1 `RSA PUBLIC KEY` form.
pub const RSA2048_PKCS1: &str = include_str!("testdata/rsa2048.pkcs1.pem");
/// Self-signed certificate for the same RSA 2048-bit key.
pub const RSA2048_CERT: &str = include_str!("testdata/rsa2048.cert.pem");
/// RSA 4096-bit key.
pub const RSA4096: &str = include_str!("testdata/rsa4096.pub.pem");
/// RSA 1024-bit key (too small).
pub const RSA1024: &str = include_str!("testdata/rsa1024.pub.pem");
/// ECDSA P-256 key.
pub const EC_P256: &str = include_str!("testdata/ec_p256.pub.pem");
/// Self-signed certificate for the same P-256 key.
pub const EC_P256_CERT: &str = include_str!("testdata/ec_p256.cert.pem");
/// The same P-256 key with a compressed point.
pub const EC_P256_COMPRESSED: &str = include_str!("testdata/ec_p256.compressed.pem");
/// ECDSA P-384 key.
pub const EC_P384: &str = include_str!("testdata/ec_p384.pub.pem");
/// ECDSA P-521 key (its x coordinate starts with zero bytes).
pub const EC_P521: &str = include_str!("testdata/ec_p521.pub.pem");
/// ECDSA secp256k1 key (unsupported curve).
pub const EC_SECP256K1: &str = include_str!("testdata/ec_secp256k1.pub.pem");
/// Ed25519 key (unsupported key type).
pub const ED25519: &str = include_str!("testdata/ed25519.pub.pem");
/// A throwaway PKCS#8 `PRIVATE KEY`, used only to test refusal.
pub const PRIVATE_PKCS8: &str = include_str!("testdata/throwaway.key.pem");
/// The same throwaway key as `EC PRIVATE KEY`.
pub const PRIVATE_EC: &str = include_str!("testdata/throwaway.ec.key.pem");

/// Expected kids computed by openssl, one `file kid` pair a line.
const KIDS: &str = include_str!("testdata/kids.txt");

/// The openssl-computed kid for a fixture file name, e.g. `rsa2048.pub.pem`.
pub fn expected_kid(file: &str) -> &'static str {
    KIDS.lines()
        .filter_map(|line| line.split_once(' '))
        .find(|(name, _)| *name == file)
        .map(|(_, kid)| kid.trim())
        .unwrap_or_else(|| panic!("no kid for {file} in testdata/kids.txt"))
}

/// Decodes a hex string (either case, surrounding whitespace ignored).
pub fn hex(text: &str) -> Vec<u8> {
    let text = text.trim();
    assert!(text.len().is_multiple_of(2), "odd-length hex");
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("valid hex"))
        .collect()
}

/// Parses a fixture that holds exactly one key.
pub fn key(pem: &str) -> PublicKey {
    let mut keys = parse_public_keys_pem(pem).expect("fixture parses");
    assert_eq!(keys.len(), 1);
    keys.remove(0)
}

/// Every supported key type: RSA 2048, RSA 4096, P-256, P-384, P-521.
pub fn all_supported_keys() -> Vec<PublicKey> {
    [RSA2048, RSA4096, EC_P256, EC_P384, EC_P521]
        .into_iter()
        .map(key)
        .collect()
}

/// Compares `actual` with `testdata/golden/<name>` byte for byte; with
/// `UPDATE_GOLDEN=1` in the environment, rewrites the file instead.
pub fn assert_golden(name: &str, actual: &str) {
    let path: PathBuf = [
        env!("CARGO_MANIFEST_DIR"),
        "src",
        "domain",
        "testdata",
        "golden",
        name,
    ]
    .iter()
    .collect();
    if std::env::var("UPDATE_GOLDEN").as_deref() == Ok("1") {
        std::fs::write(&path, actual).expect("write golden file");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read golden file {}: {e}; run with UPDATE_GOLDEN=1 to create it",
            path.display()
        )
    });
    assert_eq!(
        actual,
        expected,
        "output differs from {}; if the change is intended, rerun with UPDATE_GOLDEN=1 and \
         review the diff",
        path.display()
    );
}
