//! Service-account tokens as a relying party reads them: a compact JWS
//! (`header.claims.signature`) whose header names the signing key (`kid`)
//! and algorithm, and whose claims say who issued it, for whom and until
//! when. [`verify`] checks the signature with a published key.
//!
//! Nothing here keeps or prints the token: errors describe its parts, never
//! its text.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::Value as Json;

use super::keys::{Curve, KeyAlgorithm, PublicKey};

/// The parts of a token a relying party looks at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    pub alg: String,
    pub kid: Option<String>,
    pub iss: Option<String>,
    pub sub: Option<String>,
    /// `aud`, a string or a list in the token; a list here.
    pub aud: Vec<String>,
    pub exp: Option<u64>,
    pub nbf: Option<u64>,
    signing_input: Vec<u8>,
    signature: Vec<u8>,
}

/// Why a token cannot be read or verified.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the token is not a compact JWS (three base64url parts separated by dots)")]
    NotCompact,
    #[error("the token's {part} is not base64url-encoded JSON")]
    BadPart { part: &'static str },
    #[error("the token's header has no alg")]
    NoAlgorithm,
    #[error("the token is signed with {alg}, which a {key} key cannot verify")]
    AlgorithmMismatch { alg: String, key: String },
    #[error("the signature does not verify with the published key {kid}")]
    BadSignature { kid: String },
}

fn part_json(part: &str, name: &'static str) -> Result<Json, TokenError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| TokenError::BadPart { part: name })?;
    serde_json::from_slice(&bytes).map_err(|_| TokenError::BadPart { part: name })
}

impl Token {
    /// Split and decode a compact JWS; the signature is not checked yet.
    pub fn parse(text: &str) -> Result<Token, TokenError> {
        let mut parts = text.trim().split('.');
        let (Some(h), Some(c), Some(s), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(TokenError::NotCompact);
        };
        let header = part_json(h, "header")?;
        let claims = part_json(c, "claims")?;
        let signature = URL_SAFE_NO_PAD
            .decode(s)
            .map_err(|_| TokenError::BadPart { part: "signature" })?;
        let string = |v: &Json| v.as_str().map(str::to_owned);
        let aud = match &claims["aud"] {
            Json::String(a) => vec![a.clone()],
            Json::Array(a) => a.iter().filter_map(string).collect(),
            _ => vec![],
        };
        Ok(Token {
            alg: string(&header["alg"]).ok_or(TokenError::NoAlgorithm)?,
            kid: string(&header["kid"]),
            iss: string(&claims["iss"]),
            sub: string(&claims["sub"]),
            aud,
            exp: claims["exp"].as_u64(),
            nbf: claims["nbf"].as_u64(),
            signing_input: format!("{h}.{c}").into_bytes(),
            signature,
        })
    }

    /// Verify the signature with `key` (whose `kid` is `kid`, for the
    /// message). The token's `alg` must be the one the key signs with.
    pub fn verify(&self, kid: &str, key: &PublicKey) -> Result<(), TokenError> {
        use aws_lc_rs::signature as sig;
        let mismatch = || TokenError::AlgorithmMismatch {
            alg: self.alg.clone(),
            key: key.algorithm().to_string(),
        };
        if self.alg != key.algorithm().as_str() {
            return Err(mismatch());
        }
        let bad = || TokenError::BadSignature {
            kid: kid.to_owned(),
        };
        match key.algorithm() {
            KeyAlgorithm::RS256 => {
                let (n, e) = key.rsa_components().ok_or_else(mismatch)?;
                sig::RsaPublicKeyComponents { n, e }
                    .verify(
                        &sig::RSA_PKCS1_2048_8192_SHA256,
                        &self.signing_input,
                        &self.signature,
                    )
                    .map_err(|_| bad())
            }
            KeyAlgorithm::ES256 | KeyAlgorithm::ES384 | KeyAlgorithm::ES512 => {
                let (curve, x, y) = key.ec_point().ok_or_else(mismatch)?;
                let alg: &dyn sig::VerificationAlgorithm = match curve {
                    Curve::P256 => &sig::ECDSA_P256_SHA256_FIXED,
                    Curve::P384 => &sig::ECDSA_P384_SHA384_FIXED,
                    Curve::P521 => &sig::ECDSA_P521_SHA512_FIXED,
                };
                let mut point = Vec::with_capacity(1 + x.len() + y.len());
                point.push(4);
                point.extend_from_slice(x);
                point.extend_from_slice(y);
                sig::UnparsedPublicKey::new(alg, &point)
                    .verify(&self.signing_input, &self.signature)
                    .map_err(|_| bad())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(v: &[u8]) -> String {
        URL_SAFE_NO_PAD.encode(v)
    }

    #[test]
    fn claims_are_read_with_aud_as_string_or_list() {
        let h = b64(br#"{"alg":"RS256","kid":"k1"}"#);
        let c = b64(br#"{"iss":"https://i","sub":"system:serviceaccount:a:b","aud":"sts.amazonaws.com","exp":10,"nbf":1}"#);
        let t = Token::parse(&format!("{h}.{c}.{}", b64(b"sig"))).unwrap();
        assert_eq!(t.alg, "RS256");
        assert_eq!(t.kid.as_deref(), Some("k1"));
        assert_eq!(t.iss.as_deref(), Some("https://i"));
        assert_eq!(t.aud, vec!["sts.amazonaws.com"]);
        assert_eq!((t.exp, t.nbf), (Some(10), Some(1)));
        let c = b64(br#"{"aud":["a","b"]}"#);
        let t = Token::parse(&format!("{h}.{c}.")).unwrap();
        assert_eq!(t.aud, vec!["a", "b"]);
    }

    #[test]
    fn malformed_tokens_are_refused_without_quoting_them() {
        assert_eq!(Token::parse("a.b"), Err(TokenError::NotCompact));
        assert_eq!(Token::parse("a.b.c.d"), Err(TokenError::NotCompact));
        assert_eq!(
            Token::parse("!!.e30.").unwrap_err(),
            TokenError::BadPart { part: "header" }
        );
        let h = b64(br#"{"kid":"x"}"#);
        assert_eq!(
            Token::parse(&format!("{h}.e30.")).unwrap_err(),
            TokenError::NoAlgorithm
        );
        let e = Token::parse("secretsecret.e30.").unwrap_err().to_string();
        assert!(!e.contains("secretsecret"));
    }

    #[test]
    fn signatures_verify_with_the_signing_key_only() {
        use aws_lc_rs::encoding::AsDer;
        use aws_lc_rs::rand::SystemRandom;
        use aws_lc_rs::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
        let pair = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).unwrap();
        let other = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).unwrap();
        let pem_of = |p: &EcdsaKeyPair| {
            let der = p.public_key().as_der().unwrap();
            pem::encode(&pem::Pem::new("PUBLIC KEY", der.as_ref().to_vec()))
        };
        let key = crate::domain::keys::parse_public_keys_pem(&pem_of(&pair))
            .unwrap()
            .remove(0);
        let wrong = crate::domain::keys::parse_public_keys_pem(&pem_of(&other))
            .unwrap()
            .remove(0);
        let h = b64(br#"{"alg":"ES256","kid":"k"}"#);
        let c = b64(br#"{"iss":"https://i"}"#);
        let signature = pair
            .sign(&SystemRandom::new(), format!("{h}.{c}").as_bytes())
            .unwrap();
        let t = Token::parse(&format!("{h}.{c}.{}", b64(signature.as_ref()))).unwrap();
        assert_eq!(t.verify("k", &key), Ok(()));
        assert_eq!(
            t.verify("k2", &wrong),
            Err(TokenError::BadSignature { kid: "k2".into() })
        );
        let rs = Token::parse(&format!(
            "{}.{c}.{}",
            b64(br#"{"alg":"RS256"}"#),
            b64(signature.as_ref())
        ))
        .unwrap();
        assert!(matches!(
            rs.verify("k", &key),
            Err(TokenError::AlgorithmMismatch { .. })
        ));
    }
}
