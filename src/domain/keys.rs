//! Service-account public keys: PEM parsing, canonical encoding and key IDs.
//!
//! kube-apiserver signs service-account tokens with RSA or ECDSA keys and
//! puts a key ID (`kid`) in every token header. That key ID is the unpadded
//! base64url SHA-256 of the key's DER `SubjectPublicKeyInfo` as Go's
//! `x509.MarshalPKIXPublicKey` writes it. To reproduce it exactly, every key
//! parsed here is re-encoded in that canonical form, whatever form it came
//! in (SPKI, PKCS#1 or certificate).

use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use der::asn1::{AnyRef, BitStringRef, ObjectIdentifier, UintRef};
use der::{Decode, Encode};
use sha2::{Digest, Sha256};
use spki::{AlgorithmIdentifierRef, SubjectPublicKeyInfoRef};

/// Smallest RSA modulus accepted, in bits.
pub const MIN_RSA_BITS: usize = 2048;

/// Largest RSA modulus accepted, in bits (Go's crypto/rsa refuses bigger).
pub const MAX_RSA_BITS: usize = 16384;

/// Largest RSA public exponent Go's crypto/rsa accepts (2^31 - 1).
const MAX_RSA_EXPONENT: u64 = (1 << 31) - 1;

/// `rsaEncryption` (PKCS #1).
const OID_RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
/// `id-ecPublicKey` (RFC 5480).
const OID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
/// NIST P-256 (`secp256r1` / `prime256v1`).
const OID_P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
/// NIST P-384 (`secp384r1`).
const OID_P384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
/// NIST P-521 (`secp521r1`).
const OID_P521: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.35");

/// Well-known key-type OIDs, used only to name unsupported keys in errors.
const KNOWN_KEY_TYPES: &[(&str, &str)] = &[
    ("1.2.840.113549.1.1.10", "RSASSA-PSS"),
    ("1.3.101.110", "X25519"),
    ("1.3.101.111", "X448"),
    ("1.3.101.112", "Ed25519"),
    ("1.3.101.113", "Ed448"),
    ("1.2.840.10040.4.1", "DSA"),
    ("1.2.840.10046.2.1", "Diffie-Hellman"),
    ("1.2.840.113549.1.3.1", "Diffie-Hellman"),
];

/// Well-known curve OIDs, used only to name unsupported curves in errors.
const KNOWN_CURVES: &[(&str, &str)] = &[
    ("1.2.840.10045.3.1.1", "P-192"),
    ("1.3.132.0.33", "P-224"),
    ("1.3.132.0.10", "secp256k1"),
    ("1.3.36.3.3.2.8.1.1.7", "brainpoolP256r1"),
    ("1.3.36.3.3.2.8.1.1.11", "brainpoolP384r1"),
    ("1.3.36.3.3.2.8.1.1.13", "brainpoolP512r1"),
    ("1.2.156.10197.1.301", "SM2"),
];

/// Advice appended to errors about key types Kubernetes cannot use.
const SUPPORTED_KEYS: &str =
    "use an RSA key of at least 2048 bits or an ECDSA key on P-256, P-384 or P-521";

/// An elliptic curve kube-apiserver can sign service-account tokens with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Curve {
    /// NIST P-256, signs with ES256.
    P256,
    /// NIST P-384, signs with ES384.
    P384,
    /// NIST P-521, signs with ES512.
    P521,
}

impl Curve {
    /// Every supported curve.
    pub const ALL: [Curve; 3] = [Curve::P256, Curve::P384, Curve::P521];

    /// The JWK `crv` name (`"P-256"`, `"P-384"`, `"P-521"`).
    pub fn jwk_name(&self) -> &'static str {
        match self {
            Curve::P256 => "P-256",
            Curve::P384 => "P-384",
            Curve::P521 => "P-521",
        }
    }

    /// The curve with the given JWK `crv` name, if supported.
    pub fn from_jwk_name(name: &str) -> Option<Curve> {
        Curve::ALL.into_iter().find(|c| c.jwk_name() == name)
    }

    /// Length in bytes of one coordinate of a point on this curve.
    pub fn coordinate_len(&self) -> usize {
        match self {
            Curve::P256 => 32,
            Curve::P384 => 48,
            Curve::P521 => 66,
        }
    }

    /// The JWS algorithm kube-apiserver uses with a key on this curve.
    pub fn algorithm(&self) -> KeyAlgorithm {
        match self {
            Curve::P256 => KeyAlgorithm::ES256,
            Curve::P384 => KeyAlgorithm::ES384,
            Curve::P521 => KeyAlgorithm::ES512,
        }
    }

    /// The named-curve OID written in the key's algorithm parameters.
    fn oid(&self) -> ObjectIdentifier {
        match self {
            Curve::P256 => OID_P256,
            Curve::P384 => OID_P384,
            Curve::P521 => OID_P521,
        }
    }

    /// The supported curve with this named-curve OID, if any.
    fn from_oid(oid: &ObjectIdentifier) -> Option<Curve> {
        Curve::ALL.into_iter().find(|c| c.oid() == *oid)
    }
}

impl fmt::Display for Curve {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.jwk_name())
    }
}

/// The JWS algorithm kube-apiserver signs tokens with for a given key.
#[allow(clippy::upper_case_acronyms)] // the names are the JOSE `alg` values
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyAlgorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256, for every RSA key.
    RS256,
    /// ECDSA P-256 with SHA-256.
    ES256,
    /// ECDSA P-384 with SHA-384.
    ES384,
    /// ECDSA P-521 with SHA-512.
    ES512,
}

impl KeyAlgorithm {
    /// The JOSE `alg` name, e.g. `"RS256"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            KeyAlgorithm::RS256 => "RS256",
            KeyAlgorithm::ES256 => "ES256",
            KeyAlgorithm::ES384 => "ES384",
            KeyAlgorithm::ES512 => "ES512",
        }
    }
}

impl fmt::Display for KeyAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a public key could not be accepted.
///
/// Messages never contain key bytes. Variants with `block: Option<usize>`
/// name the 1-based PEM block when the key came from
/// [`parse_public_keys_pem`], and have `None` when it came from raw
/// components.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// The input holds no PEM block, or a block's armor or base64 is broken.
    #[error(
        "malformed PEM: {reason}. Pass the public key file as it is, including its \
         \"-----BEGIN PUBLIC KEY-----\" and \"-----END PUBLIC KEY-----\" lines"
    )]
    MalformedPem {
        /// What is wrong with the PEM text.
        reason: String,
    },

    /// A PEM block holds a private key, which must never be handed over.
    #[error(
        "PEM block {block} is a private key (\"{label}\"). Pass the PUBLIC key instead and keep \
         the private key on the control plane; derive the public key with \
         `openssl pkey -in sa.key -pubout`"
    )]
    PrivateKey {
        /// 1-based index of the offending PEM block.
        block: usize,
        /// The block's label, e.g. `EC PRIVATE KEY`.
        label: String,
    },

    /// A PEM block has a label that is neither a public key nor a certificate.
    #[error(
        "PEM block {block} has the label \"{label}\", which is not a public key. Accepted labels \
         are \"PUBLIC KEY\", \"RSA PUBLIC KEY\" and \"CERTIFICATE\"; remove the other blocks"
    )]
    UnsupportedLabel {
        /// 1-based index of the offending PEM block.
        block: usize,
        /// The block's label.
        label: String,
    },

    /// The DER content inside a PEM block could not be decoded.
    #[error(
        "{}the {what} is not valid DER ({reason}). Check that the file is complete and was \
         not edited, or export the key again with `openssl pkey -in sa.key -pubout`",
        location(.block)
    )]
    InvalidDer {
        /// 1-based index of the PEM block, if the key came from PEM.
        block: Option<usize>,
        /// The structure that failed to decode, e.g. `SubjectPublicKeyInfo`.
        what: &'static str,
        /// The decoder's description of the problem.
        reason: String,
    },

    /// The RSA modulus is shorter than [`MIN_RSA_BITS`].
    #[error(
        "{}the RSA key is only {bits} bits long; service-account signing keys must have at \
         least 2048 bits. Generate a new key, e.g. \
         `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out sa.key`",
        location(.block)
    )]
    RsaKeyTooSmall {
        /// 1-based index of the PEM block, if the key came from PEM.
        block: Option<usize>,
        /// Size of the modulus in bits.
        bits: usize,
    },

    /// The RSA modulus is longer than [`MAX_RSA_BITS`].
    #[error(
        "{}the RSA key is {bits} bits long; Kubernetes cannot use RSA keys longer than 16384 \
         bits. Use a 2048, 3072 or 4096-bit key",
        location(.block)
    )]
    RsaKeyTooLarge {
        /// 1-based index of the PEM block, if the key came from PEM.
        block: Option<usize>,
        /// Size of the modulus in bits.
        bits: usize,
    },

    /// The RSA modulus is zero or even, so it cannot be a real RSA key.
    #[error(
        "{}the RSA modulus is {problem}, so this is not a usable RSA public key. Export the \
         key again with `openssl pkey -in sa.key -pubout`",
        location(.block)
    )]
    InvalidRsaModulus {
        /// 1-based index of the PEM block, if the key came from PEM.
        block: Option<usize>,
        /// `"zero"` or `"even"`.
        problem: &'static str,
    },

    /// The RSA public exponent is not an odd number in 3..=2^31-1.
    #[error(
        "{}the RSA public exponent must be an odd number between 3 and 2147483647 (it is \
         almost always 65537); generate a new key with standard tools such as `openssl genpkey`",
        location(.block)
    )]
    InvalidRsaExponent {
        /// 1-based index of the PEM block, if the key came from PEM.
        block: Option<usize>,
    },

    /// The key is neither RSA nor ECDSA (e.g. Ed25519, DSA, RSASSA-PSS).
    #[error(
        "{}unsupported key type {key_type}: Kubernetes signs service-account tokens only with \
         RSA or ECDSA keys; {SUPPORTED_KEYS}",
        location(.block)
    )]
    UnsupportedKeyType {
        /// Name of the key type, or its OID when unknown.
        key_type: String,
        /// 1-based index of the PEM block, if the key came from PEM.
        block: Option<usize>,
    },

    /// The ECDSA key is on a curve other than P-256, P-384 or P-521.
    #[error(
        "{}unsupported key type: ECDSA on curve {curve}. Only the named curves P-256, P-384 and \
         P-521 are supported; {SUPPORTED_KEYS}",
        location(.block)
    )]
    UnsupportedCurve {
        /// Name of the curve, or its OID when unknown.
        curve: String,
        /// 1-based index of the PEM block, if the key came from PEM.
        block: Option<usize>,
    },

    /// The ECDSA point is in compressed form, which Kubernetes cannot load.
    #[error(
        "{}the {curve} public key uses a compressed point, which Kubernetes cannot load. \
         Export it uncompressed with `openssl pkey -in sa.key -pubout`",
        location(.block)
    )]
    CompressedEcPoint {
        /// 1-based index of the PEM block, if the key came from PEM.
        block: Option<usize>,
        /// The key's curve.
        curve: Curve,
    },

    /// The ECDSA point or its coordinates have the wrong shape.
    #[error(
        "{}invalid {curve} public key: {reason}. Export the key again with \
         `openssl pkey -in sa.key -pubout`",
        location(.block)
    )]
    InvalidEcPoint {
        /// 1-based index of the PEM block, if the key came from PEM.
        block: Option<usize>,
        /// The key's curve.
        curve: Curve,
        /// What is wrong with the point.
        reason: String,
    },
}

/// Error-message prefix naming the PEM block, if any.
fn location(block: &Option<usize>) -> String {
    match block {
        Some(index) => format!("PEM block {index}: "),
        None => String::new(),
    }
}

impl KeyError {
    /// Attaches the 1-based PEM block index to an error about a key's content.
    fn in_block(mut self, index: usize) -> Self {
        match &mut self {
            KeyError::InvalidDer { block, .. }
            | KeyError::RsaKeyTooSmall { block, .. }
            | KeyError::RsaKeyTooLarge { block, .. }
            | KeyError::InvalidRsaModulus { block, .. }
            | KeyError::InvalidRsaExponent { block }
            | KeyError::UnsupportedKeyType { block, .. }
            | KeyError::UnsupportedCurve { block, .. }
            | KeyError::CompressedEcPoint { block, .. }
            | KeyError::InvalidEcPoint { block, .. } => *block = Some(index),
            KeyError::MalformedPem { .. }
            | KeyError::PrivateKey { .. }
            | KeyError::UnsupportedLabel { .. } => {}
        }
        self
    }

    /// An [`KeyError::InvalidDer`] for `what`, not yet tied to a PEM block.
    fn invalid_der(what: &'static str, error: impl fmt::Display) -> Self {
        KeyError::InvalidDer {
            block: None,
            what,
            reason: error.to_string(),
        }
    }
}

/// The numbers that make up a public key.
#[derive(Clone, PartialEq, Eq)]
enum Material {
    /// Big-endian modulus and exponent, without leading zero bytes.
    Rsa { n: Vec<u8>, e: Vec<u8> },
    /// Fixed-length big-endian affine coordinates.
    Ec {
        curve: Curve,
        x: Vec<u8>,
        y: Vec<u8>,
    },
}

/// A validated service-account public key (RSA >= 2048 bits, or ECDSA on
/// P-256/P-384/P-521), kept with its canonical DER `SubjectPublicKeyInfo`.
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKey {
    spki_der: Vec<u8>,
    material: Material,
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublicKey")
            .field("algorithm", &self.algorithm())
            .field("kid", &self.kid())
            .finish()
    }
}

impl PublicKey {
    /// The canonical DER `SubjectPublicKeyInfo`, as Go's
    /// `x509.MarshalPKIXPublicKey` would write it.
    pub fn spki_der(&self) -> &[u8] {
        &self.spki_der
    }

    /// The algorithm kube-apiserver signs tokens with when using this key.
    pub fn algorithm(&self) -> KeyAlgorithm {
        match &self.material {
            Material::Rsa { .. } => KeyAlgorithm::RS256,
            Material::Ec { curve, .. } => curve.algorithm(),
        }
    }

    /// The key ID Kubernetes puts in token headers: unpadded base64url of the
    /// SHA-256 of [`PublicKey::spki_der`].
    pub fn kid(&self) -> String {
        URL_SAFE_NO_PAD.encode(Sha256::digest(&self.spki_der))
    }

    /// Size of the RSA modulus in bits, or `None` for an ECDSA key.
    pub fn rsa_bits(&self) -> Option<usize> {
        match &self.material {
            Material::Rsa { n, .. } => Some(bit_len(n)),
            Material::Ec { .. } => None,
        }
    }

    /// RSA modulus and public exponent, big-endian without leading zero
    /// bytes, or `None` for an ECDSA key.
    pub fn rsa_components(&self) -> Option<(&[u8], &[u8])> {
        match &self.material {
            Material::Rsa { n, e } => Some((n, e)),
            Material::Ec { .. } => None,
        }
    }

    /// Curve and fixed-length big-endian `x` and `y` coordinates, or `None`
    /// for an RSA key.
    pub fn ec_point(&self) -> Option<(Curve, &[u8], &[u8])> {
        match &self.material {
            Material::Ec { curve, x, y } => Some((*curve, x, y)),
            Material::Rsa { .. } => None,
        }
    }

    /// Builds an RSA key from its big-endian modulus `n` and exponent `e`
    /// (leading zero bytes are ignored), e.g. when re-deriving from a JWK.
    pub fn from_rsa_components(n: &[u8], e: &[u8]) -> Result<PublicKey, KeyError> {
        let n = strip_leading_zeros(n);
        let e = strip_leading_zeros(e);
        check_rsa_modulus(n)?;
        check_rsa_exponent(e)?;
        let spki_der = encode_rsa_spki(n, e)?;
        Ok(PublicKey {
            spki_der,
            material: Material::Rsa {
                n: n.to_vec(),
                e: e.to_vec(),
            },
        })
    }

    /// Builds an ECDSA key from its affine coordinates, each exactly
    /// [`Curve::coordinate_len`] bytes, big-endian.
    pub fn from_ec_point(curve: Curve, x: &[u8], y: &[u8]) -> Result<PublicKey, KeyError> {
        let len = curve.coordinate_len();
        for (name, coordinate) in [("x", x), ("y", y)] {
            if coordinate.len() != len {
                return Err(KeyError::InvalidEcPoint {
                    block: None,
                    curve,
                    reason: format!(
                        "coordinate {name} is {} bytes long, expected {len}",
                        coordinate.len()
                    ),
                });
            }
        }
        let mut point = Vec::with_capacity(1 + 2 * len);
        point.push(0x04);
        point.extend_from_slice(x);
        point.extend_from_slice(y);
        let curve_oid = curve.oid();
        let algorithm = AlgorithmIdentifierRef {
            oid: OID_EC_PUBLIC_KEY,
            parameters: Some(AnyRef::from(&curve_oid)),
        };
        let spki_der = encode_spki(algorithm, &point)?;
        Ok(PublicKey {
            spki_der,
            material: Material::Ec {
                curve,
                x: x.to_vec(),
                y: y.to_vec(),
            },
        })
    }

    /// The key as a `-----BEGIN PUBLIC KEY-----` (SPKI) PEM block, with LF
    /// line endings and 64-character lines.
    pub fn to_pem(&self) -> String {
        let block = pem::Pem::new("PUBLIC KEY", self.spki_der.clone());
        pem::encode_config(
            &block,
            pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF),
        )
    }

    /// Parses a DER `SubjectPublicKeyInfo` and re-encodes it canonically.
    fn from_spki_der(der: &[u8]) -> Result<PublicKey, KeyError> {
        let spki = SubjectPublicKeyInfoRef::from_der(der)
            .map_err(|e| KeyError::invalid_der("SubjectPublicKeyInfo", e))?;
        let key_bytes = spki.subject_public_key.as_bytes().ok_or_else(|| {
            KeyError::invalid_der(
                "SubjectPublicKeyInfo",
                "the key bit string is not whole bytes",
            )
        })?;
        let oid = spki.algorithm.oid;
        if oid == OID_RSA_ENCRYPTION {
            if spki.algorithm.parameters.is_some_and(|p| !p.is_null()) {
                return Err(KeyError::invalid_der(
                    "SubjectPublicKeyInfo",
                    "rsaEncryption parameters must be NULL",
                ));
            }
            let rsa = pkcs1::RsaPublicKey::from_der(key_bytes)
                .map_err(|e| KeyError::invalid_der("RSA public key", e))?;
            PublicKey::from_rsa_components(rsa.modulus.as_bytes(), rsa.public_exponent.as_bytes())
        } else if oid == OID_EC_PUBLIC_KEY {
            let curve = ec_curve_from_parameters(spki.algorithm.parameters)?;
            PublicKey::from_sec1_point(curve, key_bytes)
        } else {
            Err(KeyError::UnsupportedKeyType {
                key_type: describe_oid(&oid, KNOWN_KEY_TYPES),
                block: None,
            })
        }
    }

    /// Parses a DER PKCS#1 `RSAPublicKey`.
    fn from_pkcs1_der(der: &[u8]) -> Result<PublicKey, KeyError> {
        let rsa = pkcs1::RsaPublicKey::from_der(der)
            .map_err(|e| KeyError::invalid_der("PKCS#1 RSAPublicKey", e))?;
        PublicKey::from_rsa_components(rsa.modulus.as_bytes(), rsa.public_exponent.as_bytes())
    }

    /// Takes the public key out of a DER X.509 certificate.
    fn from_certificate_der(der: &[u8]) -> Result<PublicKey, KeyError> {
        let certificate = x509_cert::Certificate::from_der(der)
            .map_err(|e| KeyError::invalid_der("X.509 certificate", e))?;
        let spki = certificate
            .tbs_certificate
            .subject_public_key_info
            .to_der()
            .map_err(|e| KeyError::invalid_der("certificate's SubjectPublicKeyInfo", e))?;
        PublicKey::from_spki_der(&spki)
    }

    /// Builds an ECDSA key from a SEC1-encoded point (must be uncompressed).
    fn from_sec1_point(curve: Curve, point: &[u8]) -> Result<PublicKey, KeyError> {
        let len = curve.coordinate_len();
        match point.first() {
            Some(0x04) if point.len() == 1 + 2 * len => {
                PublicKey::from_ec_point(curve, &point[1..=len], &point[1 + len..])
            }
            Some(0x02 | 0x03) => Err(KeyError::CompressedEcPoint { block: None, curve }),
            Some(0x04) => Err(KeyError::InvalidEcPoint {
                block: None,
                curve,
                reason: format!(
                    "the uncompressed point is {} bytes long, expected {}",
                    point.len(),
                    1 + 2 * len
                ),
            }),
            _ => Err(KeyError::InvalidEcPoint {
                block: None,
                curve,
                reason: "the point is not in SEC1 uncompressed form".to_string(),
            }),
        }
    }
}

/// Reads the named curve out of `id-ecPublicKey` algorithm parameters.
fn ec_curve_from_parameters(parameters: Option<AnyRef<'_>>) -> Result<Curve, KeyError> {
    let unsupported = |curve: String| KeyError::UnsupportedCurve { curve, block: None };
    let parameters = parameters.ok_or_else(|| unsupported("(no curve parameters)".to_string()))?;
    let oid = ObjectIdentifier::try_from(parameters)
        .map_err(|_| unsupported("(explicit curve parameters instead of a named curve)".into()))?;
    Curve::from_oid(&oid).ok_or_else(|| unsupported(describe_oid(&oid, KNOWN_CURVES)))
}

/// A readable name for an OID: its well-known name and the OID, or the OID.
fn describe_oid(oid: &ObjectIdentifier, known: &[(&str, &str)]) -> String {
    let dotted = oid.to_string();
    match known.iter().find(|(candidate, _)| *candidate == dotted) {
        Some((_, name)) => format!("{name} (OID {dotted})"),
        None => format!("with OID {dotted}"),
    }
}

/// Checks the RSA modulus size and sanity.
fn check_rsa_modulus(n: &[u8]) -> Result<(), KeyError> {
    let bits = bit_len(n);
    if bits == 0 {
        return Err(KeyError::InvalidRsaModulus {
            block: None,
            problem: "zero",
        });
    }
    if n.last().is_some_and(|low| low & 1 == 0) {
        return Err(KeyError::InvalidRsaModulus {
            block: None,
            problem: "even",
        });
    }
    if bits < MIN_RSA_BITS {
        return Err(KeyError::RsaKeyTooSmall { block: None, bits });
    }
    if bits > MAX_RSA_BITS {
        return Err(KeyError::RsaKeyTooLarge { block: None, bits });
    }
    Ok(())
}

/// Checks that the RSA exponent is odd and within 3..=2^31-1.
fn check_rsa_exponent(e: &[u8]) -> Result<(), KeyError> {
    let invalid = KeyError::InvalidRsaExponent { block: None };
    if e.len() > 8 {
        return Err(invalid);
    }
    let value = e
        .iter()
        .fold(0u64, |acc, byte| (acc << 8) | u64::from(*byte));
    if !(3..=MAX_RSA_EXPONENT).contains(&value) || value.is_multiple_of(2) {
        return Err(invalid);
    }
    Ok(())
}

/// Encodes `SubjectPublicKeyInfo { rsaEncryption NULL, RSAPublicKey { n, e } }`.
fn encode_rsa_spki(n: &[u8], e: &[u8]) -> Result<Vec<u8>, KeyError> {
    let encoding_error = |e: der::Error| KeyError::invalid_der("RSA public key", e);
    let rsa = pkcs1::RsaPublicKey {
        modulus: UintRef::new(n).map_err(encoding_error)?,
        public_exponent: UintRef::new(e).map_err(encoding_error)?,
    };
    let rsa_der = rsa.to_der().map_err(encoding_error)?;
    let algorithm = AlgorithmIdentifierRef {
        oid: OID_RSA_ENCRYPTION,
        parameters: Some(AnyRef::NULL),
    };
    encode_spki(algorithm, &rsa_der)
}

/// Encodes a `SubjectPublicKeyInfo` from its algorithm and key bytes.
fn encode_spki(algorithm: AlgorithmIdentifierRef<'_>, key: &[u8]) -> Result<Vec<u8>, KeyError> {
    let encoding_error = |e: der::Error| KeyError::invalid_der("SubjectPublicKeyInfo", e);
    let spki = SubjectPublicKeyInfoRef {
        algorithm,
        subject_public_key: BitStringRef::from_bytes(key).map_err(encoding_error)?,
    };
    spki.to_der().map_err(encoding_error)
}

/// `bytes` without its leading zero bytes.
fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    &bytes[start..]
}

/// Number of significant bits in a big-endian unsigned integer.
fn bit_len(bytes: &[u8]) -> usize {
    let bytes = strip_leading_zeros(bytes);
    match bytes.first() {
        Some(first) => bytes.len() * 8 - first.leading_zeros() as usize,
        None => 0,
    }
}

/// Parses every public key in `input`, keeping their order.
///
/// `input` may hold several PEM blocks, with any text around them. Accepted
/// labels are `PUBLIC KEY` (SPKI), `RSA PUBLIC KEY` (PKCS#1) and
/// `CERTIFICATE` (the certificate's key is taken). Any private key is
/// refused. Keys are not de-duplicated.
pub fn parse_public_keys_pem(input: &str) -> Result<Vec<PublicKey>, KeyError> {
    let blocks = split_pem_blocks(input)?;
    if blocks.is_empty() {
        return Err(KeyError::MalformedPem {
            reason: "no PEM block was found (a key starts with a line like \
                     \"-----BEGIN PUBLIC KEY-----\")"
                .to_string(),
        });
    }
    blocks.iter().map(parse_block).collect()
}

/// One PEM block found in the input, not yet decoded.
struct RawBlock {
    /// 1-based position in the input.
    index: usize,
    /// The label from the BEGIN line.
    label: String,
    /// The trimmed lines between BEGIN and END (headers and base64).
    body: Vec<String>,
}

/// The label of a `-----BEGIN LABEL-----` line, if `line` is one.
fn begin_label(line: &str) -> Option<&str> {
    armor_label(line, "-----BEGIN ")
}

/// The label of a `-----END LABEL-----` line, if `line` is one.
fn end_label(line: &str) -> Option<&str> {
    armor_label(line, "-----END ")
}

/// The label of an armor line starting with `prefix` and ending with `-----`.
fn armor_label<'a>(line: &'a str, prefix: &str) -> Option<&'a str> {
    let label = line.strip_prefix(prefix)?.strip_suffix("-----")?;
    (!label.contains("-----")).then_some(label)
}

/// Whether a PEM label denotes a private key of any kind.
fn is_private_key_label(label: &str) -> bool {
    label.contains("PRIVATE KEY")
}

/// Splits `input` into PEM blocks by their BEGIN/END lines.
///
/// Lines are trimmed, so indented or CRLF input works. A private key is
/// refused as soon as its BEGIN line is seen, before its content is read.
fn split_pem_blocks(input: &str) -> Result<Vec<RawBlock>, KeyError> {
    let malformed = |reason: String| KeyError::MalformedPem { reason };
    let mut blocks = Vec::new();
    let mut open: Option<RawBlock> = None;
    for line in input.lines().map(str::trim) {
        let next_index = blocks.len() + 1;
        match open.as_mut() {
            None => {
                if let Some(label) = begin_label(line) {
                    if is_private_key_label(label) {
                        return Err(KeyError::PrivateKey {
                            block: next_index,
                            label: label.to_string(),
                        });
                    }
                    open = Some(RawBlock {
                        index: next_index,
                        label: label.to_string(),
                        body: Vec::new(),
                    });
                } else if line.contains("-----BEGIN ") || line.contains("-----END ") {
                    return Err(malformed(format!(
                        "PEM block {next_index}: the BEGIN and END lines must each stand on their \
                         own line (were the line breaks lost?)"
                    )));
                }
            }
            Some(block) => {
                if let Some(label) = end_label(line) {
                    if label != block.label {
                        return Err(malformed(format!(
                            "PEM block {}: it begins with \"{}\" but ends with \"{label}\"",
                            block.index, block.label
                        )));
                    }
                    blocks.extend(open.take());
                } else if line.contains("-----BEGIN ") || line.contains("-----END ") {
                    return Err(malformed(format!(
                        "PEM block {}: \"{}\" has no matching END line before the next \
                         armor line",
                        block.index, block.label
                    )));
                } else {
                    block.body.push(line.to_string());
                }
            }
        }
    }
    match open {
        Some(block) => Err(malformed(format!(
            "PEM block {}: \"{}\" has no \"-----END {}-----\" line (is the text truncated?)",
            block.index, block.label, block.label
        ))),
        None => Ok(blocks),
    }
}

/// Decodes one PEM block and parses the key inside it.
fn parse_block(block: &RawBlock) -> Result<PublicKey, KeyError> {
    let der = decode_block(block)?;
    let parsed = match block.label.as_str() {
        "PUBLIC KEY" => PublicKey::from_spki_der(&der),
        "RSA PUBLIC KEY" => PublicKey::from_pkcs1_der(&der),
        "CERTIFICATE" => PublicKey::from_certificate_der(&der),
        _ => {
            return Err(KeyError::UnsupportedLabel {
                block: block.index,
                label: block.label.clone(),
            })
        }
    };
    parsed.map_err(|e| e.in_block(block.index))
}

/// Base64-decodes a block's body. The error never quotes the body.
fn decode_block(block: &RawBlock) -> Result<Vec<u8>, KeyError> {
    let text = format!(
        "-----BEGIN {label}-----\n{body}\n-----END {label}-----\n",
        label = block.label,
        body = block.body.join("\n")
    );
    let parsed = pem::parse(text).map_err(|e| {
        let problem = match e {
            pem::PemError::InvalidData(_) => "its base64 content is invalid",
            pem::PemError::InvalidHeader(_) => "it has an invalid header line",
            pem::PemError::MissingData => "it has no content",
            _ => "its armor is invalid",
        };
        KeyError::MalformedPem {
            reason: format!("PEM block {} (\"{}\"): {problem}", block.index, block.label),
        }
    })?;
    if parsed.contents().is_empty() {
        return Err(KeyError::MalformedPem {
            reason: format!(
                "PEM block {} (\"{}\"): it has no content",
                block.index, block.label
            ),
        });
    }
    Ok(parsed.into_contents())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::test_support::*;

    /// Parses `input`, expecting an error.
    fn parse_err(input: &str) -> KeyError {
        parse_public_keys_pem(input).expect_err("input should be refused")
    }

    /// The base64 body lines of a PEM fixture.
    fn body_lines(pem: &str) -> Vec<&str> {
        pem.lines().filter(|l| !l.starts_with("-----")).collect()
    }

    #[test]
    fn kids_match_openssl() {
        for (file, pem) in [
            ("rsa2048.pub.pem", RSA2048),
            ("rsa4096.pub.pem", RSA4096),
            ("ec_p256.pub.pem", EC_P256),
            ("ec_p384.pub.pem", EC_P384),
            ("ec_p521.pub.pem", EC_P521),
        ] {
            assert_eq!(key(pem).kid(), expected_kid(file), "{file}");
        }
    }

    #[test]
    fn pkcs1_and_certificate_forms_give_the_spki_kid() {
        let spki = key(RSA2048);
        let pkcs1 = key(RSA2048_PKCS1);
        let cert = key(RSA2048_CERT);
        assert_eq!(pkcs1, spki);
        assert_eq!(cert, spki);
        assert_eq!(pkcs1.kid(), expected_kid("rsa2048.pkcs1.pem"));
        assert_eq!(cert.kid(), expected_kid("rsa2048.cert.pem"));

        let ec_cert = key(EC_P256_CERT);
        assert_eq!(ec_cert, key(EC_P256));
        assert_eq!(ec_cert.kid(), expected_kid("ec_p256.cert.pem"));
    }

    #[test]
    fn canonical_spki_is_what_openssl_writes() {
        for pem in [RSA2048, RSA4096, EC_P256, EC_P384, EC_P521] {
            assert_eq!(key(pem).to_pem(), pem);
        }
        assert_eq!(key(RSA2048_PKCS1).to_pem(), RSA2048);
        assert_eq!(key(RSA2048_CERT).to_pem(), RSA2048);
    }

    #[test]
    fn rsa_components_match_openssl() {
        for (pem, modulus, exponent, bits) in [
            (
                RSA2048,
                include_str!("testdata/rsa2048.modulus.txt"),
                include_str!("testdata/rsa2048.exponent.txt"),
                2048,
            ),
            (
                RSA4096,
                include_str!("testdata/rsa4096.modulus.txt"),
                include_str!("testdata/rsa4096.exponent.txt"),
                4096,
            ),
        ] {
            let key = key(pem);
            let (n, e) = key.rsa_components().expect("RSA key");
            assert_eq!(n, hex(modulus).as_slice());
            let e_value = e.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
            assert_eq!(e_value.to_string(), exponent.trim());
            assert_eq!(key.rsa_bits(), Some(bits));
            assert_eq!(key.algorithm(), KeyAlgorithm::RS256);
            assert!(key.ec_point().is_none());
        }
    }

    #[test]
    fn ec_points_match_openssl() {
        for (pem, point, curve, algorithm) in [
            (
                EC_P256,
                include_str!("testdata/ec_p256.point.txt"),
                Curve::P256,
                KeyAlgorithm::ES256,
            ),
            (
                EC_P384,
                include_str!("testdata/ec_p384.point.txt"),
                Curve::P384,
                KeyAlgorithm::ES384,
            ),
            (
                EC_P521,
                include_str!("testdata/ec_p521.point.txt"),
                Curve::P521,
                KeyAlgorithm::ES512,
            ),
        ] {
            let key = key(pem);
            let point = hex(point);
            let len = curve.coordinate_len();
            assert_eq!(point.len(), 1 + 2 * len);
            let (got_curve, x, y) = key.ec_point().expect("EC key");
            assert_eq!(got_curve, curve);
            assert_eq!(x, &point[1..=len]);
            assert_eq!(y, &point[1 + len..]);
            assert_eq!(key.algorithm(), algorithm);
            assert_eq!(key.rsa_bits(), None);
        }
        // The P-521 fixture was kept because its x starts with zero bytes:
        // coordinates must stay fixed-length.
        let p521 = key(EC_P521);
        assert_eq!(p521.ec_point().expect("EC key").1[0], 0);
    }

    #[test]
    fn rebuilding_from_components_gives_the_same_kid() {
        let rsa = key(RSA2048);
        let (n, e) = rsa.rsa_components().expect("RSA key");
        let mut padded_n = vec![0u8];
        padded_n.extend_from_slice(n);
        let rebuilt = PublicKey::from_rsa_components(&padded_n, e).expect("valid RSA");
        assert_eq!(rebuilt.kid(), expected_kid("rsa2048.pub.pem"));
        assert_eq!(rebuilt, rsa);

        for (file, pem) in [
            ("ec_p256.pub.pem", EC_P256),
            ("ec_p384.pub.pem", EC_P384),
            ("ec_p521.pub.pem", EC_P521),
        ] {
            let ec = key(pem);
            let (curve, x, y) = ec.ec_point().expect("EC key");
            let rebuilt = PublicKey::from_ec_point(curve, x, y).expect("valid point");
            assert_eq!(rebuilt.kid(), expected_kid(file));
        }
    }

    #[test]
    fn several_blocks_with_text_around_keep_their_order() {
        let input = format!(
            "current key:\n{EC_P384}\n# old key, kept for rotation\n{RSA2048}trailing words\n{EC_P256}"
        );
        let kids: Vec<String> = parse_public_keys_pem(&input)
            .expect("valid input")
            .iter()
            .map(PublicKey::kid)
            .collect();
        assert_eq!(
            kids,
            [
                expected_kid("ec_p384.pub.pem"),
                expected_kid("rsa2048.pub.pem"),
                expected_kid("ec_p256.pub.pem"),
            ]
        );
    }

    #[test]
    fn indented_and_crlf_input_is_accepted() {
        let indented: String = RSA2048.lines().map(|l| format!("    {l}\r\n")).collect();
        assert_eq!(key(&indented), key(RSA2048));
    }

    #[test]
    fn duplicates_are_kept() {
        let input = format!("{RSA2048}{RSA2048}");
        assert_eq!(parse_public_keys_pem(&input).expect("valid").len(), 2);
    }

    #[test]
    fn empty_input_is_malformed() {
        for input in ["", "   \n\t\n", "ssh-rsa AAAAB3NzaC1yc2E user@host"] {
            assert!(
                matches!(parse_err(input), KeyError::MalformedPem { .. }),
                "{input:?}"
            );
        }
        assert!(parse_err("").to_string().contains("no PEM block"));
    }

    #[test]
    fn broken_armor_is_malformed() {
        let no_end = RSA2048.replace("-----END PUBLIC KEY-----", "");
        let wrong_end = RSA2048.replace("END PUBLIC KEY", "END CERTIFICATE");
        let flattened = RSA2048.replace('\n', " ");
        let two_begins = format!("-----BEGIN PUBLIC KEY-----\n{RSA2048}");
        for input in [no_end, wrong_end, flattened, two_begins] {
            let error = parse_err(&input);
            assert!(
                matches!(error, KeyError::MalformedPem { .. }),
                "{input:?} gave {error:?}"
            );
        }
    }

    #[test]
    fn broken_base64_is_malformed_and_names_the_block() {
        let broken = RSA2048.replacen("MII", "M!I", 1);
        let input = format!("{EC_P256}{broken}");
        let error = parse_err(&input);
        assert!(matches!(error, KeyError::MalformedPem { .. }), "{error:?}");
        let message = error.to_string();
        assert!(message.contains("PEM block 2"), "{message}");
        assert!(message.contains("base64"), "{message}");
    }

    #[test]
    fn empty_block_is_malformed() {
        let error = parse_err("-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n");
        assert!(matches!(error, KeyError::MalformedPem { .. }), "{error:?}");
    }

    #[test]
    fn private_keys_are_refused_without_leaking_them() {
        let synthetic =
            |label: &str| format!("-----BEGIN {label}-----\nAAAA\n-----END {label}-----\n");
        let cases = [
            (PRIVATE_PKCS8.to_string(), "PRIVATE KEY"),
            (PRIVATE_EC.to_string(), "EC PRIVATE KEY"),
            (synthetic("RSA PRIVATE KEY"), "RSA PRIVATE KEY"),
            (synthetic("ENCRYPTED PRIVATE KEY"), "ENCRYPTED PRIVATE KEY"),
            (synthetic("OPENSSH PRIVATE KEY"), "OPENSSH PRIVATE KEY"),
        ];
        for (pem, expected_label) in cases {
            let input = format!("{RSA2048}{pem}");
            let error = parse_err(&input);
            assert_eq!(
                error,
                KeyError::PrivateKey {
                    block: 2,
                    label: expected_label.to_string()
                }
            );
            let message = error.to_string();
            assert!(message.contains("PUBLIC key"), "{message}");
            assert!(
                message.contains("openssl pkey -in sa.key -pubout"),
                "{message}"
            );
            for line in body_lines(&pem) {
                assert!(!message.contains(line), "message leaks key material");
            }
        }
    }

    #[test]
    fn private_key_is_refused_even_with_broken_content() {
        let input = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n!!!\n\
                     -----END RSA PRIVATE KEY-----\n";
        assert!(matches!(
            parse_err(input),
            KeyError::PrivateKey { block: 1, .. }
        ));
    }

    #[test]
    fn small_rsa_key_is_refused_with_its_size() {
        let input = format!("{RSA2048}{RSA1024}");
        let error = parse_err(&input);
        assert_eq!(
            error,
            KeyError::RsaKeyTooSmall {
                block: Some(2),
                bits: 1024
            }
        );
        let message = error.to_string();
        assert!(message.starts_with("PEM block 2: "), "{message}");
        assert!(message.contains("1024 bits"), "{message}");
        assert!(message.contains("2048"), "{message}");
    }

    #[test]
    fn ed25519_is_an_unsupported_key_type() {
        let error = parse_err(ED25519);
        assert!(
            matches!(&error, KeyError::UnsupportedKeyType { block: Some(1), key_type } if key_type.contains("Ed25519")),
            "{error:?}"
        );
        let message = error.to_string();
        assert!(message.contains("unsupported key type"), "{message}");
        assert!(message.contains("RSA"), "{message}");
    }

    #[test]
    fn other_curves_are_unsupported() {
        let error = parse_err(EC_SECP256K1);
        assert!(
            matches!(&error, KeyError::UnsupportedCurve { block: Some(1), curve } if curve.contains("secp256k1")),
            "{error:?}"
        );
        assert!(error.to_string().contains("P-256, P-384 and P-521"));
    }

    #[test]
    fn compressed_points_are_refused() {
        assert_eq!(
            parse_err(EC_P256_COMPRESSED),
            KeyError::CompressedEcPoint {
                block: Some(1),
                curve: Curve::P256
            }
        );
    }

    #[test]
    fn unknown_labels_are_refused_with_the_accepted_ones() {
        let input = format!("{EC_P256}-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n");
        let error = parse_err(&input);
        assert_eq!(
            error,
            KeyError::UnsupportedLabel {
                block: 2,
                label: "EC PARAMETERS".to_string()
            }
        );
        let message = error.to_string();
        for accepted in ["\"PUBLIC KEY\"", "\"RSA PUBLIC KEY\"", "\"CERTIFICATE\""] {
            assert!(message.contains(accepted), "{message}");
        }
    }

    #[test]
    fn invalid_der_names_the_block() {
        // Valid base64, but not a SubjectPublicKeyInfo.
        let input =
            format!("{RSA2048}-----BEGIN PUBLIC KEY-----\nMAMCAQE=\n-----END PUBLIC KEY-----\n");
        let error = parse_err(&input);
        assert!(
            matches!(error, KeyError::InvalidDer { block: Some(2), .. }),
            "{error:?}"
        );
        assert!(error.to_string().starts_with("PEM block 2: "));

        // A truncated key.
        let lines = body_lines(RSA2048);
        let truncated = format!(
            "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
            lines[..lines.len() - 1].join("\n")
        );
        assert!(matches!(
            parse_err(&truncated),
            KeyError::InvalidDer { block: Some(1), .. } | KeyError::MalformedPem { .. }
        ));
    }

    #[test]
    fn rsa_components_are_validated() {
        let rsa = key(RSA2048);
        let (n, _) = rsa.rsa_components().expect("RSA key");
        for e in [&[][..], &[1], &[2], &[1, 0, 0], &[0x80, 0, 0, 1], &[1; 9]] {
            assert_eq!(
                PublicKey::from_rsa_components(n, e),
                Err(KeyError::InvalidRsaExponent { block: None }),
                "exponent {e:?}"
            );
        }
        assert_eq!(
            PublicKey::from_rsa_components(&[0, 0], &[1, 0, 1]),
            Err(KeyError::InvalidRsaModulus {
                block: None,
                problem: "zero"
            })
        );
        let mut even = n.to_vec();
        *even.last_mut().expect("non-empty") &= 0xfe;
        assert!(matches!(
            PublicKey::from_rsa_components(&even, &[1, 0, 1]),
            Err(KeyError::InvalidRsaModulus {
                problem: "even",
                ..
            })
        ));
        assert_eq!(
            PublicKey::from_rsa_components(&[0xff; 128], &[1, 0, 1]),
            Err(KeyError::RsaKeyTooSmall {
                block: None,
                bits: 1024
            })
        );
    }

    #[test]
    fn ec_coordinates_must_have_the_curve_length() {
        let ec = key(EC_P256);
        let (_, x, y) = ec.ec_point().expect("EC key");
        let error = PublicKey::from_ec_point(Curve::P256, &x[1..], y).expect_err("short x");
        assert!(matches!(
            error,
            KeyError::InvalidEcPoint { block: None, .. }
        ));
        assert!(error.to_string().contains("31 bytes"), "{error}");
        assert!(PublicKey::from_ec_point(Curve::P384, x, y).is_err());
    }

    #[test]
    fn algorithm_and_curve_names() {
        assert_eq!(KeyAlgorithm::RS256.to_string(), "RS256");
        assert_eq!(KeyAlgorithm::ES512.as_str(), "ES512");
        for curve in Curve::ALL {
            assert_eq!(Curve::from_jwk_name(curve.jwk_name()), Some(curve));
        }
        assert_eq!(Curve::from_jwk_name("P-192"), None);
        assert_eq!(Curve::P521.algorithm(), KeyAlgorithm::ES512);
    }

    #[test]
    fn debug_output_shows_kid_not_bytes() {
        let debug = format!("{:?}", key(RSA2048));
        assert!(debug.contains(expected_kid("rsa2048.pub.pem")), "{debug}");
        assert!(debug.len() < 120, "{debug}");
    }
}
